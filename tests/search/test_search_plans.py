"""Search queries can be answered by the GIN indexes of search_documents.

The test corpus is small enough that PostgreSQL rightly prefers reading the table whole, so
sequential and plain index scans are switched off and the words searched for are ones no
article has: what is checked is that the indexes apply to the conditions the queries use, the
words and the markers alike, which the million-article benchmark relies on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.search.engine import SearchFilter, count_query, window_query
from pressroom.search.ranking import Window
from pressroom.search.suggest import titles_query
from pressroom.search.tsquery import CompiledQuery

NOW = datetime.now(UTC)
WINDOW = Window(NOW - timedelta(days=7), None)


async def _plan(conn: asyncpg.Connection, sql: str, args: list[object]) -> str:
    async with conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        await conn.execute("SET LOCAL enable_indexscan = off")
        rows = await conn.fetch("EXPLAIN (COSTS OFF) " + sql, *args)
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(
    "where", [SearchFilter(), SearchFilter(language="fa"), SearchFilter(site="SITE")]
)
async def test_search_queries_use_the_gin_index(
    corpus: DatabaseTargets, where: SearchFilter
) -> None:
    conn = await asyncpg.connect(corpus.reader)
    try:
        if where.site:
            site = await conn.fetchval("SELECT domain FROM pressroom.sites LIMIT 1")
            where = SearchFilter(site=site)
        # Words no article has: the index is then the cheapest way in, whenever it applies.
        tsquery = "'زقزقز' & 'qqzzk'"
        compiled = CompiledQuery(tsquery, (), matching=f"'زقزقز qqzzk' & ({tsquery})")
        half_life = timedelta(days=7)
        terms, titles = "search_documents_terms", "search_documents_titles"
        queries = [
            (window_query(where, WINDOW, compiled, NOW, half_life, None, 21), terms),
            (window_query(where, WINDOW, compiled, NOW, half_life, (0.5, 1), 21), terms),
            (count_query(where, WINDOW, compiled, 201), terms),
            (titles_query(where, WINDOW, "'زقزقز' & '§pqqz'", 8), titles),
        ]
        for (sql, args), index in queries:
            plan = await _plan(conn, sql, args)
            assert "Seq Scan" not in plan, plan
            scan = plan.split(f"Bitmap Index Scan on {index}\n", 1)[1].split("\n", 1)[0]
            # The words and the window's markers are conditions of the same index scan.
            assert "Index Cond:" in scan, plan
            assert "'§d" in scan, plan
    finally:
        await conn.close()
