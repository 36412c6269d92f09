from __future__ import annotations

import pytest

from pressroom.content.urls import InvalidUrlError, canonical_url, site_domain


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://Example.COM/news/1/", "https://example.com/news/1"),
        ("https://example.com:443/a?utm_source=x&b=2&a=1#top", "https://example.com/a?a=1&b=2"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a?fbclid=abc", "https://example.com/a"),
        (
            "  https://خبر.ایران/مقاله  ",
            "https://xn--ngblk.xn--mgba3a4f16a/%D9%85%D9%82%D8%A7%D9%84%D9%87",
        ),
        ("https://x.example/%d9%85%d9%82", "https://x.example/%D9%85%D9%82"),
        ("https://x.example/a%20b", "https://x.example/a%20b"),
        ("https://x.example/a%2Fb/c", "https://x.example/a%2Fb/c"),
        ("https://x.example/a%2fb", "https://x.example/a%2Fb"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
        ("https://WWW.x.example:8443", "https://www.x.example:8443/"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


@pytest.mark.parametrize(
    "bad", ["", "ftp://x.example/a", "/relative/path", "https://", "javascript:alert(1)"]
)
def test_non_http_urls_are_refused(bad: str) -> None:
    with pytest.raises(InvalidUrlError):
        canonical_url(bad)


def test_site_domain_drops_www() -> None:
    assert site_domain("https://WWW.Example.com/x") == "example.com"
