"""Canonical article URLs, so the same article crawled twice is recognised as one."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Parameters that track the click, not the content.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "ref", "_ga"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 characters a path may carry unescaped; everything else is percent-encoded, so the
# Persian path typed in a browser and the escaped one a crawler saw are the same URL.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


class InvalidUrlError(ValueError):
    pass


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _host(hostname: str) -> str:
    if ":" in hostname:  # an IPv6 literal keeps its brackets
        return f"[{hostname.lower()}]"
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidUrlError(f"not a valid host name: {hostname[:100]!r}") from None


def _path(raw: str) -> str:
    # Decode and re-encode each segment, so "%d9%85" and "م" agree; an encoded slash stays
    # encoded, since "a%2Fb" and "a/b" are different resources.
    segments = [quote(unquote(part), safe=PATH_SAFE) for part in re.split("%2[fF]", raw)]
    path = "%2F".join(segments) or "/"
    return path.rstrip("/") or "/" if len(path) > 1 else path


def canonical_url(url: str) -> str:
    """Lower-case scheme and host (IDNA), no default port, no fragment, no tracking parameters,
    a percent-encoded path without a trailing slash (other than the root), parameters sorted.

    Raises InvalidUrlError for anything that is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:  # a port out of range, a malformed IPv6 literal
        raise InvalidUrlError(f"not a valid URL ({exc}): {url[:200]!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidUrlError(f"not an absolute http(s) URL: {url[:200]!r}")
    host = _host(parts.hostname)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
        )
    )
    return urlunsplit((scheme, netloc, _path(parts.path), query, ""))


def site_domain(url: str) -> str:
    """The site an article URL belongs to: its host without a leading "www."."""
    host = urlsplit(canonical_url(url)).hostname or ""
    return host.removeprefix("www.")
