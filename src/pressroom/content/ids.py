"""Time-ordered 64-bit article ids, the Python twin of pressroom.make_article_id().

An id is the publication time in milliseconds since the Unix epoch, shifted left 21 bits, plus a
21-bit discriminator. Because the publication time can be read back from the id, a lookup by id
names its monthly partition, and ids sort in publication order (docs/schema.md).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

DISCRIMINATOR_BITS = 21
DISCRIMINATOR_MASK = (1 << DISCRIMINATOR_BITS) - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def to_milliseconds(moment: datetime) -> datetime:
    """The moment truncated to whole milliseconds, the precision an id keeps."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def make_article_id(published_at: datetime, discriminator: int) -> int:
    if published_at.tzinfo is None:
        raise ValueError("published_at must be timezone-aware")
    if not EARLIEST <= published_at < LATEST:
        raise ValueError(f"published_at {published_at.isoformat()} is outside 1900..2100")
    # Integer arithmetic on the timedelta, not float seconds, so no millisecond is ever lost.
    millis = (published_at - EPOCH) // timedelta(milliseconds=1)
    return (millis << DISCRIMINATOR_BITS) | (discriminator & DISCRIMINATOR_MASK)


def article_id_time(article_id: int) -> datetime:
    return EPOCH + timedelta(milliseconds=article_id >> DISCRIMINATOR_BITS)


def url_discriminator(site: str, canonical_url: str, attempt: int = 0) -> int:
    """A stable discriminator from the article's identity; attempt > 0 after an id collision."""
    digest = hashlib.blake2b(f"{site}\n{canonical_url}\n{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & DISCRIMINATOR_MASK
