"""Schema v1 keeps its promises: one partition per id lookup, no refused rows, unique URLs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from pressroom.content.ids import make_article_id

SITE = "INSERT INTO pressroom.sites (domain, name, language) VALUES ($1, $1, 'en') RETURNING id"
ARTICLE = """
INSERT INTO pressroom.articles (id, site_id, canonical_url, title, language, published_at)
VALUES ($1, $2, $3, 'a title', 'en', $4)
"""


async def _article(
    conn: asyncpg.Connection, site_id: int, url: str, when: datetime, salt: int = 0
) -> int:
    article_id = make_article_id(when, salt)
    await conn.execute(ARTICLE, article_id, site_id, url, when)
    return article_id


def scanned_partitions(plan: str) -> list[str]:
    """Tables a plan reads (not the indexes of bitmap scans), skipping subplans that execution
    proved it never needed."""
    return re.findall(
        r"(?<!Bitmap Index )Scan(?: Backward)?(?: using \w+)? on (\w+)",
        "\n".join(line for line in plan.splitlines() if "never executed" not in line),
    )


async def _plan(conn: asyncpg.Connection, query: str, *args: object) -> str:
    rows = await conn.fetch("EXPLAIN (COSTS OFF) " + query, *args)
    return "\n".join(row[0] for row in rows)


@pytest.fixture
async def site(owner: asyncpg.Connection) -> int:
    site_id: int = await owner.fetchval(
        SITE, f"site-{datetime.now().timestamp():.6f}.example".replace(".", "-", 1)
    )
    return site_id


async def test_lookup_by_id_touches_exactly_one_partition(
    owner: asyncpg.Connection, site: int
) -> None:
    when = datetime(2021, 5, 17, 8, 30, 12, 345000, tzinfo=UTC)
    await owner.execute(
        "SELECT pressroom.ensure_month_partitions($1, $2)",
        when - timedelta(days=90),
        when + timedelta(days=90),
    )
    article_id = await _article(owner, site, "https://x.example/one", when)
    lookup = "SELECT title FROM pressroom.articles WHERE id = $1 AND published_at = pressroom.article_id_time($1)"
    # A custom plan prunes while planning; a generic plan (prepared statements, as asyncpg uses
    # them) prunes when execution starts. Both must end with one partition.
    await owner.execute("SET plan_cache_mode = force_custom_plan")
    custom = await _plan(owner, lookup, article_id)
    assert scanned_partitions(custom) == ["articles_p2021_05"], custom
    await owner.execute("SET plan_cache_mode = force_generic_plan")
    await owner.execute(f"PREPARE by_id(bigint) AS {lookup}")
    rows = await owner.fetch(
        f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE by_id({article_id})"
    )
    generic = "\n".join(r[0] for r in rows)
    assert "Subplans Removed" in generic, generic
    assert scanned_partitions(generic) == ["articles_p2021_05"], generic
    await owner.execute("RESET plan_cache_mode")
    assert await owner.fetchval(lookup, article_id) == "a title"


async def test_id_and_publication_time_agree(owner: asyncpg.Connection, site: int) -> None:
    when = datetime(2020, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)
    sql_id = await owner.fetchval("SELECT pressroom.make_article_id($1, 12345)", when)
    assert sql_id == make_article_id(when, 12345)
    assert await owner.fetchval("SELECT pressroom.article_id_time($1)", sql_id) == when
    with pytest.raises(asyncpg.CheckViolationError, match="articles_id_encodes_published_at"):
        await owner.execute(
            ARTICLE, sql_id, site, "https://x.example/mismatch", when + timedelta(seconds=1)
        )


async def test_rows_without_a_partition_land_in_default_and_move_out(
    owner: asyncpg.Connection, site: int
) -> None:
    when = datetime(1998, 3, 4, 5, 6, 7, tzinfo=UTC)
    article_id = await _article(owner, site, "https://x.example/old", when)
    await owner.execute(
        "INSERT INTO pressroom.tags (slug, name) VALUES ('archive', 'Archive') ON CONFLICT DO NOTHING"
    )
    await owner.execute(
        "INSERT INTO pressroom.article_tags SELECT $1, $2, id FROM pressroom.tags WHERE slug = 'archive'",
        article_id,
        when,
    )
    where = "SELECT tableoid::regclass::text FROM pressroom.articles WHERE id = $1"
    assert await owner.fetchval(where, article_id) == "pressroom.articles_default"
    created = await owner.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", when)
    assert created == 2  # articles and article_tags
    assert await owner.fetchval(where, article_id) == "pressroom.articles_p1998_03"
    tag_home = "SELECT tableoid::regclass::text FROM pressroom.article_tags WHERE article_id = $1"
    assert await owner.fetchval(tag_home, article_id) == "pressroom.article_tags_p1998_03"
    assert await owner.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", when) == 0


async def test_canonical_url_is_unique_per_site_across_partitions(
    owner: asyncpg.Connection, site: int
) -> None:
    await _article(owner, site, "https://x.example/same", datetime(2019, 1, 1, tzinfo=UTC))
    with pytest.raises(asyncpg.UniqueViolationError, match="article_urls_pkey"):
        await _article(owner, site, "https://x.example/same", datetime(2023, 6, 1, tzinfo=UTC))
    other_site = await owner.fetchval(SITE, "other-site.example")
    await _article(owner, other_site, "https://x.example/same", datetime(2023, 6, 1, tzinfo=UTC))


async def test_recent_articles_are_served_by_the_newest_partitions_only(
    owner: asyncpg.Connection,
) -> None:
    # What the seed's impossible partial index on CURRENT_DATE wanted: recent queries that touch
    # only a small, hot part of the table. now() is stable, so pruning happens at execution.
    now = datetime.now(UTC)
    await owner.execute(
        "SELECT pressroom.ensure_month_partitions($1, $2)", now - timedelta(days=800), now
    )
    plan = await _plan(
        owner,
        "SELECT id FROM pressroom.articles WHERE published_at >= now() - interval '30 days' "
        "ORDER BY published_at DESC LIMIT 20",
    )
    partitions = await owner.fetchval(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'pressroom.articles'::regclass"
    )
    assert partitions > 20
    rows = await owner.fetch(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM pressroom.articles "
        "WHERE published_at >= now() - interval '30 days'"
    )
    scanned = scanned_partitions("\n".join(r[0] for r in rows))
    # Only this month, last month (the window crosses into it), months ahead that `up` created
    # in advance (empty) and the default partition are read; none of the 25 older months are.
    oldest_needed = f"articles_p{(now - timedelta(days=31)):%Y_%m}"
    assert scanned, plan
    assert all(name == "articles_default" or name >= oldest_needed for name in scanned), plan


async def test_index_predicates_on_current_date_are_impossible(owner: asyncpg.Connection) -> None:
    # Documents why the seed's index cannot be built, so nobody tries it again.
    with pytest.raises(asyncpg.InvalidObjectDefinitionError, match="IMMUTABLE"):
        await owner.execute(
            "CREATE INDEX recent ON pressroom.articles_default (published_at) "
            "WHERE published_at > CURRENT_DATE - INTERVAL '30 days'"
        )


async def test_large_values_are_compressed_with_lz4_where_the_server_has_it(
    owner: asyncpg.Connection, site: int
) -> None:
    has_lz4 = await owner.fetchval(
        "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    when = datetime(2024, 3, 5, tzinfo=UTC)
    article_id = await _article(owner, site, "https://example.com/long", when)
    # Compressible and past the 2 kB at which PostgreSQL starts compressing a row's values.
    await owner.execute(
        "UPDATE pressroom.articles SET body = repeat('news of the day ', 500) "
        "WHERE id = $1 AND published_at = $2",
        article_id,
        when,
    )
    method = await owner.fetchval(
        "SELECT pg_column_compression(body) FROM pressroom.articles "
        "WHERE id = $1 AND published_at = $2",
        article_id,
        when,
    )
    assert method == ("lz4" if has_lz4 else "pglz")
