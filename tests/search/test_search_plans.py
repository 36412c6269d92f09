"""The statements of a search and of a suggestion are answered by the GIN indexes of
search_documents.

They run inside pressroom.search_windows() and suggest_windows() (migrations 0014, 0017), so their
plans are read from auto_explain, which reports nested statements to the client. The test
corpus is small enough that PostgreSQL rightly prefers reading the table whole, so sequential
and plain index scans are switched off: what is checked is that the indexes apply to the
conditions the statements use, which the million-article benchmark relies on.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.search.engine import SEARCH, SearchFilter, WindowMarkers, search_arguments
from pressroom.search.suggest import SUGGEST, suggest_arguments
from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import CompiledQuery, compile_query

# Every Persian document has its language's marker: a "word" the walk finds in its first
# window, so that it stops early.
EVERY_PERSIAN = "'§lfa'"
# A half-life so short that nothing older than the first window can rank.
INSTANT = timedelta(seconds=1)


async def _nested_plans(conn: asyncpg.Connection, sql: str, args: list[object]) -> list[str]:
    plans: list[str] = []
    conn.add_log_listener(lambda _conn, message: plans.append(message.message))
    await conn.execute(
        "LOAD 'auto_explain';"
        " SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;"
        " SET auto_explain.log_level = notice; SET client_min_messages = notice;"
        " SET enable_seqscan = off; SET enable_indexscan = off"
    )
    await conn.fetch(sql, *args)
    # The statements inside the functions, not the one calling them.
    return [
        plan
        for plan in plans
        if "FROM pressroom.search_documents d" in plan and "_windows(" not in plan
    ]


async def _every_persian_plans(
    corpus: DatabaseTargets, where: SearchFilter, half_life: timedelta
) -> list[str]:
    """The plans of a search for every Persian document (one result), as of the newest one;
    a site filter is the busiest Persian site's."""
    assert corpus.admin is not None  # LOAD 'auto_explain' is a superuser's
    conn = await asyncpg.connect(corpus.admin)
    try:
        newest_persian = await conn.fetchrow(
            "SELECT s.domain, max(d.published_at) FROM pressroom.search_documents d"
            " JOIN pressroom.sites s ON s.id = d.site_id WHERE d.language = 'fa'"
            " GROUP BY s.domain ORDER BY count(*) DESC LIMIT 1"
        )
        assert newest_persian is not None
        site, newest = newest_persian
        if where.site:
            where = SearchFilter(site=site)
        compiled = CompiledQuery(EVERY_PERSIAN, (), (EVERY_PERSIAN,))
        _, args = search_arguments(where, compiled, newest, half_life, None, 1)
        return await _nested_plans(conn, SEARCH, args)
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "where", [SearchFilter(), SearchFilter(language="fa"), SearchFilter(site="SITE")]
)
async def test_search_statements_use_the_terms_index(
    corpus: DatabaseTargets, where: SearchFilter
) -> None:
    plans = await _every_persian_plans(corpus, where, INSTANT)
    probes = [plan for plan in plans if "max(d.published_at)" in plan]
    windows = [plan for plan in plans if plan not in probes]
    # The newest and oldest documents, from their index; then one window, and
    # nothing counted beyond it (migration 0017).
    assert len(probes) == 1, plans
    assert "search_documents_published_at" in probes[0], probes
    assert len(windows) == 1, plans
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    assert "Bitmap Index Scan on search_documents_terms" in windows[0], windows


@pytest.mark.parametrize(
    "where", [SearchFilter(), SearchFilter(language="fa"), SearchFilter(site="SITE")]
)
async def test_past_the_body_floor_heads_are_read_from_their_index(
    corpus: DatabaseTargets, where: SearchFilter
) -> None:
    """Migration 0019. The language marker is in every Persian head but ranks as a body-only
    match would (it has no position): one match fills the page in the first window, and what is
    older can only outrank it by its head, which the next statements read."""
    plans = await _every_persian_plans(corpus, where, timedelta(days=7))
    heads = [plan for plan in plans if "d.head @@ head_time_key" in plan]
    assert heads, plans
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    for plan in heads:
        assert "Bitmap Index Scan on search_documents_head" in plan, plan


async def _window_plans(
    corpus: DatabaseTargets, compiled: CompiledQuery
) -> tuple[WindowMarkers, list[str]]:
    """The plans of a search's window statements, as of its newest document, 10 results."""
    assert corpus.admin is not None
    conn = await asyncpg.connect(corpus.admin)
    try:
        newest = await conn.fetchval("SELECT max(published_at) FROM pressroom.search_documents")
        planned, args = search_arguments(
            SearchFilter(), compiled, newest, timedelta(days=7), None, 10
        )
        plans = await _nested_plans(conn, SEARCH, args)
    finally:
        await conn.close()
    return planned, [plan for plan in plans if "max(d.published_at)" not in plan]


async def test_a_rare_word_reads_what_is_older_in_one_statement(
    corpus: DatabaseTargets, reader: asyncpg.Connection
) -> None:
    """A word in a single document: once five days of documents are read without enough
    matches to expect more than a couple of hundred in what is older, the rest is one statement
    without time markers (migration 0017), where the windows used to take six."""
    word = await reader.fetchval(
        "SELECT word FROM ts_stat('SELECT terms FROM pressroom.search_documents')"
        " WHERE ndoc = 1 AND word NOT LIKE '§%' AND word NOT LIKE '% %' ORDER BY word LIMIT 1"
    )
    lexeme = "'" + word.replace("'", "''") + "'"
    planned, windows = await _window_plans(corpus, CompiledQuery(lexeme, (), (lexeme,)))
    # The last two days, the twelve before them (two windows at once: ranking.py), then
    # everything older.
    assert len(windows) == 3 < len(planned.windows), windows


async def test_a_phrase_of_three_words_reads_window_by_window(
    corpus: DatabaseTargets, reader: asyncpg.Connection
) -> None:
    """A phrase of three words checks each candidate's positions in its terms, read from TOAST,
    so it never reads everything older at once, however rare its first windows say it is
    (migration 0018)."""
    compiled = await compile_query(reader, parse_query('"zzzq yyyq xxxq"'), None)
    assert "<->" in compiled.matching
    planned, windows = await _window_plans(corpus, compiled)
    # Nothing matches: the first window alone, then two at a time to the last.
    assert len(windows) == 1 + len(planned.windows[1:]) // 2 + len(planned.windows[1:]) % 2


async def test_suggestions_use_the_titles_index(corpus: DatabaseTargets) -> None:
    assert corpus.admin is not None
    conn = await asyncpg.connect(corpus.admin)
    try:
        newest = await conn.fetchval("SELECT max(published_at) FROM pressroom.search_documents")
        args = suggest_arguments(SearchFilter(language="fa"), EVERY_PERSIAN, 1, newest)
        plans = await _nested_plans(conn, SUGGEST, args)
    finally:
        await conn.close()
    windows = [plan for plan in plans if "max(d.published_at)" not in plan]
    assert len(windows) == 1, plans
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    assert "Bitmap Index Scan on search_documents_titles" in windows[0], plans
