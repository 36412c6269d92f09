"""The queries section against a real cluster: top statements over windows of snapshots, slow and
uncached statements provoked for real, track_io_timing, charts, and resets that keep history."""

from __future__ import annotations

from datetime import datetime

import pytest

from pressroom.insights import queries, snapshots
from pressroom.insights.model import Options, Section, Status
from pressroom.insights.queries import Thresholds
from pressroom.insights.target import Target, describe
from tests.insights.helpers import (
    connected,
    finding,
    queryid_of,
    rolled_back,
    run_repeatedly,
)


def _finding(section: Section, check: str) -> tuple[Status, str]:
    found = finding(section, check)
    return found.status, found.detail


def _calls(section: Section, queryid: int) -> int | None:
    table = next(t for t in section.tables if t.title == "Top statements by calls")
    return next((row[2] for row in table.rows if row[0] == str(queryid)), None)


async def test_top_statements_over_a_window_and_since_the_reset(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE top_probe (x int)")
    await run_repeatedly(conn, "SELECT count(*) FROM top_probe", 2)
    queryid = await queryid_of(conn, "FROM top_probe")
    first = await snapshots.take_snapshot(conn)
    await run_repeatedly(conn, "SELECT count(*) FROM top_probe", 5)
    second = await snapshots.take_snapshot(conn)

    windowed = await queries.inspect(target, Options(since=first, until=second))
    assert _calls(windowed, queryid) == 5
    assert "from the snapshot at" in (windowed.tables[0].note or "")
    everything = await queries.inspect(target, Options())
    assert _calls(everything, queryid) == 7
    assert "since the statistics were last reset" in (everything.tables[0].note or "")

    titles = [t.title for t in everything.tables]
    assert titles == [
        "Top statements by total time",
        "Top statements by mean time",
        "Top statements by calls",
        "Top statements by rows",
        "Top statements by shared blocks read",
    ]
    row = next(r for r in everything.tables[2].rows if r[0] == str(queryid))
    names = [c.name for c in everything.tables[2].columns]
    assert dict(zip(names, row, strict=True))["query"] == "SELECT count(*) FROM top_probe"
    limited = await queries.inspect(target, Options(limit=2))
    assert all(len(t.rows) <= 2 for t in limited.tables)
    assert await queries.statement_text(conn, queryid) == "SELECT count(*) FROM top_probe"


async def test_charts_come_from_the_snapshots(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE chart_probe (x int)")
    first = await snapshots.take_snapshot(conn)
    await run_repeatedly(conn, "SELECT count(*) FROM chart_probe", 3)
    await snapshots.take_snapshot(conn)
    section = await queries.inspect(target, Options(since=first))
    titles = {c.title for c in section.charts}
    assert titles == {
        "Execution time per snapshot interval",
        "Calls per second, top statements by time",
        "Transactions per second",
    }
    assert all(series.points for chart in section.charts for series in chart.series)

    async with rolled_back(conn):
        await conn.execute("DROP SCHEMA pressroom_insights CASCADE")
        assert (await queries.inspect(target, Options())).charts == []


async def test_slow_statements_are_found(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE slow_probe (x int); INSERT INTO slow_probe VALUES (1)")
    await run_repeatedly(conn, "SELECT pg_sleep(0.03) FROM slow_probe", 3)
    queryid = await queryid_of(conn, "FROM slow_probe")
    lowered = Thresholds(slow_mean_ms=25, slow_min_calls=3)
    section = await queries.inspect(target, Options(), lowered)
    status, detail = _finding(section, "queries.slow")
    assert status is Status.WARN
    assert f"queryid {queryid}" in detail
    finding = next(f for f in section.findings if f.check == "queries.slow")
    assert "explain" in (finding.advice or "")
    assert "advisor" in (finding.advice or "")
    # Not often enough to count.
    rare = await queries.inspect(target, Options(), Thresholds(slow_mean_ms=25, slow_min_calls=4))
    assert _finding(rare, "queries.slow")[0] is Status.PASS


async def test_statements_reading_only_the_catalogue_are_listed_not_judged(
    target: Target,
) -> None:
    # What a monitoring tool (or the doctor itself) runs: slow, but no reason to warn.
    conn = target.conn
    await run_repeatedly(conn, "SELECT pg_sleep(0.03), relname FROM pg_class LIMIT 1", 3)
    queryid = await queryid_of(conn, "relname FROM pg_class LIMIT")
    section = await queries.inspect(
        target, Options(), Thresholds(slow_mean_ms=25, slow_min_calls=3)
    )
    assert f"queryid {queryid}" not in _finding(section, "queries.slow")[1]
    top = next(t for t in section.tables if t.title == "Top statements by mean time")
    assert str(queryid) in {str(row[0]) for row in top.rows}


async def test_statements_reading_outside_shared_buffers_are_found(target: Target) -> None:
    conn = target.conn
    # Written through a bulk-write ring, most of this table leaves shared buffers as it is
    # created; larger than a quarter of shared_buffers, it is scanned through a small ring too,
    # so every scan reads most of it again.
    shared_buffers = await conn.fetchval(
        "SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'"
    )
    rows = int(shared_buffers) * 8 // 3  # 8 rows of 900 bytes per 8 kB page
    await conn.execute(
        f"CREATE TABLE cold AS SELECT g AS id, repeat('x', 900) AS pad "
        f"FROM generate_series(1, {rows}) g"
    )
    await run_repeatedly(conn, "SELECT count(*) FROM cold WHERE pad = 'y'", 2)
    queryid = await queryid_of(conn, "FROM cold")
    section = await queries.inspect(target, Options())
    status, detail = _finding(section, "queries.cache_hit")
    assert status is Status.WARN
    assert f"queryid {queryid}" in detail
    reads = next(t for t in section.tables if t.title == "Top statements by shared blocks read")
    assert reads.rows[0][0] == str(queryid)


async def test_a_quiet_window_passes(target: Target) -> None:
    conn = target.conn
    first = await snapshots.take_snapshot(conn)
    await conn.fetchval("SELECT 1")
    second = await snapshots.take_snapshot(conn)
    section = await queries.inspect(target, Options(since=first, until=second))
    assert section.status is Status.PASS
    assert {f.check for f in section.findings} == {
        "queries.pg_stat_statements",
        "queries.slow",
        "queries.cache_hit",
        "queries.track_io_timing",
    }


async def test_track_io_timing_off_is_a_warning_with_its_fix(target: Target) -> None:
    conn = target.conn
    await conn.execute("SET track_io_timing = off")
    try:
        section = await queries.inspect(target, Options())
    finally:
        await conn.execute("RESET track_io_timing")
    finding = next(f for f in section.findings if f.check == "queries.track_io_timing")
    assert finding.status is Status.WARN
    assert finding.fix_sql == ("ALTER SYSTEM SET track_io_timing = on;", "SELECT pg_reload_conf();")
    on = await queries.inspect(target, Options())
    assert _finding(on, "queries.track_io_timing")[0] is Status.PASS


async def test_without_pg_stat_statements_the_section_says_how_to_get_it(target: Target) -> None:
    conn = target.conn
    async with rolled_back(conn):
        await conn.execute("DROP EXTENSION pg_stat_statements")
        without = await describe(conn)
        section = await queries.inspect(without, Options())
        finding = section.findings[0]
        assert finding.check == "queries.pg_stat_statements"
        assert finding.status is Status.WARN
        assert finding.fix_sql == ("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",)
        assert section.tables == []
        assert await queries.statement_text(conn, 1) is None
        with pytest.raises(queries.QueriesError, match="not installed"):
            await queries.reset_statistics(conn)


async def _other_database_dsn(admin_dsn: str) -> str:
    async with connected(admin_dsn) as conn:
        name = await conn.fetchval("SELECT current_database()")
    return admin_dsn.replace(f"/{name}?", "/postgres?")


async def test_a_reset_keeps_the_history_and_other_databases(
    target: Target, admin_dsn: str
) -> None:
    conn = target.conn
    async with connected(await _other_database_dsn(admin_dsn)) as other:
        await other.fetchval("SELECT count(*) AS reset_scope_probe FROM pg_class")
    await conn.execute("CREATE TABLE reset_probe (x int)")
    await run_repeatedly(conn, "SELECT count(*) FROM reset_probe", 2)
    queryid = await queryid_of(conn, "FROM reset_probe")
    first = await snapshots.take_snapshot(conn)
    await run_repeatedly(conn, "SELECT count(*) FROM reset_probe", 4)

    await queries.reset_statistics(conn)

    assert (
        await conn.fetchval("SELECT count(*) FROM pg_stat_statements WHERE queryid = $1", queryid)
        == 0
    )
    # Gone from pg_stat_statements, the text is still known from the snapshots.
    assert await queries.statement_text(conn, queryid) == "SELECT count(*) FROM reset_probe"
    # Other databases keep their statistics.
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%reset_scope_probe%'"
        )
        == 1
    )
    await run_repeatedly(conn, "SELECT count(*) FROM reset_probe", 3)
    second = await snapshots.take_snapshot(conn)

    # The window spans the reset and keeps the work on both sides of it.
    assert _calls(await queries.inspect(target, Options(since=first, until=second)), queryid) == 7
    assert _calls(await queries.inspect(target, Options()), queryid) == 3
    assert await queries.statement_text(conn, 12345) is None


async def test_snapshot_windows_older_than_any_snapshot(target: Target) -> None:
    await snapshots.take_snapshot(target.conn)
    section = await queries.inspect(target, Options(until=datetime(2001, 1, 1).astimezone()))
    assert all(t.rows == [] for t in section.tables)
    assert "No snapshot as early as" in (section.tables[0].note or "")
