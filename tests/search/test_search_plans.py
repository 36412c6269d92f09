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
        tsquery = "'زقزقز' & 'qqzzk':*A"
        compiled = CompiledQuery(tsquery, (), matching=f"'زقزقز qqzzk' & ({tsquery})")
        half_life = timedelta(days=7)
        terms = "Index Cond: ((terms @@"
        queries = [
            (window_query(where, WINDOW, compiled, NOW, half_life, None, 21), terms),
            (window_query(where, WINDOW, compiled, NOW, half_life, (0.5, 1), 21), terms),
            (count_query(where, WINDOW, compiled, 201), terms),
            (titles_query(where, WINDOW, tsquery, 8), "Index Cond: ((head @@"),
        ]
        for (sql, args), index_condition in queries:
            plan = await _plan(conn, sql, args)
            assert "Seq Scan" not in plan, plan
            assert index_condition in plan, plan
            # The window's markers are a condition of the same index scan.
            assert "'§d" in plan.split(index_condition, 1)[1].split("Filter:", 1)[0], plan
    finally:
        await conn.close()
