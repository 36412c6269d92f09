"""Canonical article URLs, so the same article crawled twice is recognised as one."""

from __future__ import annotations

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


def canonical_url(url: str) -> str:
    """Lower-case scheme and host (IDNA), no default port, no fragment, no tracking parameters,
    a percent-encoded path without a trailing slash (other than the root), parameters sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidUrlError(f"not an absolute http(s) URL: {url[:200]!r}")
    host = parts.hostname.encode("idna").decode("ascii").lower()
    netloc = host if parts.port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{parts.port}"
    path = quote(unquote(parts.path), safe=PATH_SAFE) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(
        sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
        )
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def site_domain(url: str) -> str:
    """The site an article URL belongs to: its host without a leading "www."."""
    host = urlsplit(canonical_url(url)).hostname or ""
    return host.removeprefix("www.")
