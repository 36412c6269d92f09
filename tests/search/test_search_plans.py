"""Search queries can be answered by the articles_search GIN index.

The test corpus is small enough that PostgreSQL rightly prefers reading its tiny partitions
whole, so sequential and plain index scans are switched off and the words searched for are
ones no article has: what is checked is that the index applies to the expressions the queries use (an
expression index serves only its exact expression), which the million-article benchmark
relies on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.search.engine import SearchFilter, count_query, window_query
from pressroom.search.ranking import Window
from pressroom.search.suggest import titles_query

NOW = datetime.now(UTC)
WINDOW = Window(None, None)


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
        everything = "Index Cond: (((head_vector || tag_vector) || body_vector) @@"
        queries = [
            (window_query(where, WINDOW, tsquery, NOW, timedelta(days=7), None, 21), everything),
            (
                window_query(where, WINDOW, tsquery, NOW, timedelta(days=7), (0.5, 1), 21),
                everything,
            ),
            (count_query(where, WINDOW, tsquery, 201), everything),
            (titles_query(where, WINDOW, tsquery, 8), "Index Cond: (head_vector @@"),
        ]
        for (sql, args), index_condition in queries:
            plan = await _plan(conn, sql, args)
            assert "Seq Scan on articles" not in plan, plan
            if where == SearchFilter():
                # With a filter, its own index may be cheaper on so few rows; never a full read.
                assert index_condition in plan, plan
    finally:
        await conn.close()
