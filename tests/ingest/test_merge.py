"""Bulk loading of the sample corpus: everything arrives once, tags included, reruns change
nothing, and articles whose month has no partition yet are kept, not refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import asyncpg

from pressroom.content.urls import canonical_url
from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.load import load_articles
from pressroom.ingest.merge import upsert_sites
from pressroom.sample import generate_articles, sample_sites

COUNT = 600
SITES = 7


async def test_sample_corpus_loads_completely_and_idempotently(writer: asyncpg.Connection) -> None:
    await upsert_sites(writer, sample_sites(SITES))
    articles = list(generate_articles(COUNT, SITES))
    progress: list[int] = []
    first = await load_articles(writer, articles, batch_size=250, on_progress=progress.append)
    assert (first.read, first.inserted, first.skipped) == (COUNT, COUNT, 0)
    assert progress == [250, 250, 100]
    assert await writer.fetchval("SELECT count(*) FROM pressroom.articles") == COUNT
    assert await writer.fetchval("SELECT count(*) FROM pressroom.article_urls") == COUNT
    assert await writer.fetchval("SELECT count(*) FROM pressroom.articles_default") == 0
    assert await writer.fetchval("SELECT count(*) FROM pressroom.sites") == SITES

    expected_tags = sum(len({t.strip().lower() for t in a.tags}) for a in articles)
    assert await writer.fetchval("SELECT count(*) FROM pressroom.article_tags") <= expected_tags
    assert await writer.fetchval("SELECT count(*) FROM pressroom.article_tags") > 0

    again = await load_articles(writer, articles)
    assert (again.inserted, again.skipped) == (0, COUNT)
    assert await writer.fetchval("SELECT count(*) FROM pressroom.articles") == COUNT


async def test_loaded_article_matches_its_source(writer: asyncpg.Connection) -> None:
    article = next(iter(generate_articles(1, SITES, seed=99)))
    await upsert_sites(writer, sample_sites(SITES, seed=99))
    await load_articles(writer, [article])
    row = await writer.fetchrow(
        "SELECT a.*, s.domain FROM pressroom.articles a JOIN pressroom.sites s ON s.id = a.site_id "
        "WHERE a.canonical_url = $1",
        canonical_url(article.url),
    )
    assert row is not None
    assert (row["title"], row["body"], row["language"], row["domain"]) == (
        article.title,
        article.body,
        article.language,
        article.site,
    )
    assert row["published_at"] == article.published_at
    tags = await writer.fetch(
        "SELECT t.name FROM pressroom.article_tags at JOIN pressroom.tags t ON t.id = at.tag_id "
        "WHERE at.article_id = $1",
        row["id"],
    )
    assert {t["name"] for t in tags} == {tag.strip() for tag in article.tags}


async def test_articles_sharing_a_millisecond_get_distinct_ids(writer: asyncpg.Connection) -> None:
    base = next(iter(generate_articles(1, SITES, seed=7)))
    when = datetime(2016, 4, 4, 4, 4, 4, tzinfo=UTC)
    twins = [
        replace(base, url=f"https://{base.site}/twin/{n}", published_at=when) for n in range(50)
    ]
    await upsert_sites(writer, sample_sites(SITES, seed=7))
    summary = await load_articles(writer, twins)
    assert summary.inserted == 50
    ids = await writer.fetch(
        "SELECT id FROM pressroom.articles WHERE published_at = $1 ORDER BY id", when
    )
    assert len({r["id"] for r in ids}) == 50


async def test_an_unlisted_site_is_created_from_its_domain(writer: asyncpg.Connection) -> None:
    base = next(iter(generate_articles(1, SITES, seed=3)))
    stray = replace(
        base, url="https://Unlisted.example/story?utm_source=feed", site="unlisted.example"
    )
    await load_articles(writer, [stray])
    site = await writer.fetchrow(
        "SELECT name, language FROM pressroom.sites WHERE domain = 'unlisted.example'"
    )
    assert site is not None
    assert site["language"] == base.language
    url = await writer.fetchval(
        "SELECT canonical_url FROM pressroom.articles a JOIN pressroom.sites s ON s.id = a.site_id "
        "WHERE s.domain = 'unlisted.example'"
    )
    assert url == "https://unlisted.example/story"


async def test_bad_articles_are_rejected_with_their_position_and_the_rest_load(
    writer: asyncpg.Connection,
) -> None:
    good = list(generate_articles(4, SITES, seed=11))
    bad_url = replace(good[1], url="http://a..b/story")
    too_old = replace(good[2], published_at=datetime(1850, 1, 1, tzinfo=UTC))
    # A single outlier month must create its own partition, not every month in between.
    outlier = replace(
        good[3], url=f"https://{good[3].site}/old", published_at=datetime(1971, 3, 3, tzinfo=UTC)
    )
    before = await writer.fetchval(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'pressroom.articles'::regclass"
    )
    summary = await load_articles(writer, [good[0], bad_url, too_old, outlier])
    assert (summary.read, summary.inserted) == (4, 2)
    assert [(r.position, "host" in r.reason or "1900" in r.reason) for r in summary.rejected] == [
        (2, True),
        (3, True),
    ]
    after = await writer.fetchval(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'pressroom.articles'::regclass"
    )
    assert after - before <= 2  # 1971-03 and, at most, the month of good[0]


async def test_batches_on_two_connections_load_what_one_would(
    writer: asyncpg.Connection, database: DatabaseTargets
) -> None:
    """Batches merge at once; a URL in two of them is one article, merged once: sources without
    a digest (like the sample) are not re-compared, so its first record stands."""
    await upsert_sites(writer, sample_sites(SITES, seed=11))
    articles = list(generate_articles(400, SITES, seed=11))
    revised = replace(articles[10], title="the later record of this URL")
    urls = [canonical_url(a.url) for a in articles]
    known = await writer.fetchval(  # the module's other tests may have loaded a few of them
        "SELECT count(*) FROM pressroom.article_urls WHERE canonical_url = ANY($1)", urls
    )
    second = await asyncpg.connect(database.writer)
    try:
        summary = await load_articles([writer, second], [*articles, revised], batch_size=100)
    finally:
        await second.close()
    assert (summary.read, summary.inserted, summary.skipped) == (401, 400 - known, 1 + known)
    title = await writer.fetchval(
        "SELECT title FROM pressroom.articles WHERE canonical_url = $1",
        canonical_url(revised.url),
    )
    assert title == articles[10].title
    assert (
        await writer.fetchval(
            "SELECT count(*) FROM pressroom.articles a JOIN pressroom.article_urls u ON u.article_id = a.id"
            " WHERE a.canonical_url = ANY($1)",
            [canonical_url(a.url) for a in articles],
        )
        == 400
    )


async def test_a_batch_fills_the_pending_list_for_its_transaction_only(
    writer: asyncpg.Connection, database: DatabaseTargets
) -> None:
    """A loading batch writes its search index entries to a pending list of PostgreSQL's
    default size, merged in larger runs; the session's own, smaller setting is back after it."""
    admin = await asyncpg.connect(database.admin or "")
    try:
        await admin.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        await admin.execute("SELECT gin_clean_pending_list('pressroom.search_documents_terms')")
        await writer.execute("SET gin_pending_list_limit = '256kB'")
        await upsert_sites(writer, sample_sites(SITES, seed=23))
        loaded = await load_articles(writer, list(generate_articles(100, SITES, seed=23)))
        assert loaded.inserted == 100
        pages = await admin.fetchval(
            "SELECT pending_pages FROM pgstatginindex('pressroom.search_documents_terms')"
        )
        assert pages > 256 // 8
        assert await writer.fetchval("SHOW gin_pending_list_limit") == "256kB"
    finally:
        await admin.close()
