"""GET /articles/{id}'s query: read from the month's own partitions, answering exactly what the
partitioned parents would, wherever the row lives."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from pressroom.content.articles import GET_ARTICLE, MissingMonths, get_article, month_lookup_sql
from pressroom.content.ids import make_article_id

ARTICLE = """
INSERT INTO pressroom.articles (id, site_id, canonical_url, title, body, language, published_at)
VALUES ($1, $2, $3, 'a title', 'a body', 'en', $4)
"""
TAG = """
WITH tag AS (INSERT INTO pressroom.tags (slug, name) VALUES ($3, $3)
             ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id)
INSERT INTO pressroom.article_tags SELECT $1, $2, id FROM tag
"""


async def _article(owner: asyncpg.Connection, when: datetime, url: str) -> int:
    site = await owner.fetchval(
        "INSERT INTO pressroom.sites (domain, name, language) VALUES ('lookup.example', 'L', 'en') "
        "ON CONFLICT (domain) DO UPDATE SET name = EXCLUDED.name RETURNING id"
    )
    article_id = make_article_id(when, 7)
    await owner.execute(ARTICLE, article_id, site, url, when)
    for slug in ("zeta", "alpha"):
        await owner.execute(TAG, article_id, when, slug)
    return article_id


async def _through_parents(conn: asyncpg.Connection, article_id: int) -> dict[str, object]:
    row = await conn.fetchrow(GET_ARTICLE, article_id)
    assert row is not None
    return dict(row)


async def test_an_article_in_its_month_partition(
    owner: asyncpg.Connection, reader: asyncpg.Connection
) -> None:
    when = datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC)
    await owner.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", when)
    article_id = await _article(owner, when, "https://lookup.example/in-month")
    found = await get_article(reader, article_id)
    assert found is not None
    expected = await _through_parents(reader, article_id)
    assert found["id"] == str(article_id)
    assert found["tags"] == expected["tags"] == ["alpha", "zeta"]
    assert found["body"] == expected["body"]
    assert found["site"] == {"domain": "lookup.example", "name": "L"}
    assert await get_article(reader, article_id + 1) is None


async def test_an_article_of_a_month_without_a_partition(
    owner: asyncpg.Connection, reader: asyncpg.Connection
) -> None:
    when = datetime(1997, 2, 3, 4, 5, 6, tzinfo=UTC)
    article_id = await _article(owner, when, "https://lookup.example/in-default")
    found = await get_article(reader, article_id)
    assert found is not None
    assert found["tags"] == ["alpha", "zeta"]
    # After its month's partition is created, the row has moved and is found there.
    await owner.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", when)
    moved = await get_article(reader, article_id)
    assert moved is not None
    assert moved["tags"] == ["alpha", "zeta"]


async def test_a_detached_partition_serves_nothing(
    owner: asyncpg.Connection, reader: asyncpg.Connection
) -> None:
    """Even to a connection whose prepared lookup had settled on a generic plan before."""
    when = datetime(2022, 9, 1, tzinfo=UTC)
    await owner.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", when)
    article_id = await _article(owner, when, "https://lookup.example/detached")
    for _ in range(8):  # past the five custom plans PostgreSQL tries before a generic one
        assert await get_article(reader, article_id) is not None
    # The URL claim and the tags refer to the article, and would keep it attached.
    for referring in ("article_urls", "article_tags"):
        await owner.execute(f"DELETE FROM pressroom.{referring} WHERE article_id = $1", article_id)
    await owner.execute(
        "ALTER TABLE pressroom.articles DETACH PARTITION pressroom.articles_p2022_09"
    )
    assert await reader.fetchrow(GET_ARTICLE, article_id) is None
    assert await get_article(reader, article_id) is None


@pytest.mark.parametrize("suffix", ["", "_p2024_3", "_p2024_03; DROP TABLE x", "_p２０２４_03"])
def test_only_month_suffixes_name_a_partition(suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        month_lookup_sql(suffix)


async def test_a_lookup_inside_a_transaction_never_breaks_it(
    owner: asyncpg.Connection, reader: asyncpg.Connection
) -> None:
    when = datetime(1996, 1, 2, tzinfo=UTC)  # no partition for this month
    article_id = await _article(owner, when, "https://lookup.example/in-transaction")
    async with reader.transaction():
        found = await get_article(reader, article_id)
        assert found is not None
        assert await reader.fetchval("SELECT 1") == 1  # the transaction is still usable


def test_missing_months_are_remembered_for_a_while() -> None:
    missing = MissingMonths(ttl_s=60)
    assert "_p1996_01" not in missing
    missing.add("_p1996_01")
    assert "_p1996_01" in missing
    assert "_p1996_02" not in missing
    forgetful = MissingMonths(ttl_s=0)
    forgetful.add("_p1996_01")
    assert "_p1996_01" not in forgetful
