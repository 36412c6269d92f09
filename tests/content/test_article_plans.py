"""Every article list query is served by an index: no sequential scan of articles, and no
sort, because the order itself must come from the index (that is what keeps page 1,000 as fast
as page 1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import asyncpg
import pytest

from pressroom.content.articles import ArticleFilter, list_query, page_windows
from pressroom.db.targets import DatabaseTargets

AFTER = datetime(2019, 1, 1, tzinfo=UTC)
BEFORE = datetime(2025, 1, 1, tzinfo=UTC)

FILTERS = {
    "all": ArticleFilter(),
    "site": ArticleFilter(site="SITE"),
    "tag": ArticleFilter(tag="TAG"),
    "lang": ArticleFilter(language="fa"),
    "window": ArticleFilter(published_after=AFTER, published_before=BEFORE),
    "site+lang": ArticleFilter(site="SITE", language="en"),
    "site+window": ArticleFilter(site="SITE", published_after=AFTER, published_before=BEFORE),
    "tag+site": ArticleFilter(tag="TAG", site="SITE"),
    "tag+lang+window": ArticleFilter(tag="TAG", language="fa", published_after=AFTER),
    "lang+window": ArticleFilter(language="en", published_before=BEFORE),
}


async def _plans(conn: asyncpg.Connection, where: ArticleFilter, after_id: int | None) -> list[str]:
    """The plans of the first two time windows a page would read."""
    plans = []
    for window in list(page_windows(where, after_id, datetime.now(UTC)))[:2]:
        sql, args = list_query(where, after_id, 20, window)
        rows = await conn.fetch("EXPLAIN (COSTS OFF) " + sql, *args)
        plans.append("\n".join(row[0] for row in rows))
    return plans


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("page", ["first", "later"])
async def test_list_queries_use_indexes(corpus: DatabaseTargets, name: str, page: str) -> None:
    conn = await asyncpg.connect(corpus.reader)
    try:
        site = await conn.fetchval("SELECT domain FROM pressroom.sites ORDER BY domain LIMIT 1")
        tag = await conn.fetchval(
            "SELECT t.slug FROM pressroom.tags t JOIN pressroom.article_tags at ON at.tag_id = t.id "
            "GROUP BY t.slug ORDER BY count(*) DESC LIMIT 1"
        )
        middle = await conn.fetchval(
            "SELECT id FROM pressroom.articles ORDER BY published_at DESC, id DESC OFFSET 1000 LIMIT 1"
        )
        template = FILTERS[name]
        where = ArticleFilter(
            site=site if template.site else None,
            tag=tag if template.tag else None,
            language=template.language,
            published_after=template.published_after,
            published_before=template.published_before,
        )
        # Small test tables tempt the planner into sequential scans and sorts that it would not
        # choose on a real corpus (sorting a tag's 150 rows beats merging 147 partitions);
        # forbidding them asks the real question: can an index deliver these rows in order?
        await conn.execute("SET enable_seqscan = off")
        await conn.execute("SET enable_sort = off")
        plans = await _plans(conn, where, middle if page == "later" else None)
    finally:
        await conn.close()
    for plan in plans:
        assert not re.search(r"Seq Scan on (articles|article_tags)", plan), plan
        assert "Sort" not in plan.replace("Sort Key", ""), plan
        # Windows are bounded in time, so each is planned over a few partitions, never all.
        assert len(re.findall(r" on articles_p\d{4}_\d{2}", plan)) <= 12, plan
