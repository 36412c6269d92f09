"""Snapshots against a real cluster: windows count only the work between their snapshots, resets
in between, sizes grow, old snapshots go, and the background snapshotter elects one leader and
outlives its connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import asyncpg
import pytest

from pressroom.insights import snapshots
from pressroom.insights.snapshots import StatementStats
from pressroom.insights.snapshotter import Snapshotter
from pressroom.insights.target import Target
from tests.insights.helpers import queryid_of, rolled_back, run_repeatedly


def _find(statements: list[StatementStats], queryid: int) -> StatementStats | None:
    return next((s for s in statements if s.queryid == queryid), None)


async def _calls(
    target: Target, queryid: int, since: datetime | None, until: datetime | None
) -> int:
    window = await snapshots.statement_window(target.conn, since, until)
    found = _find(window.statements, queryid)
    return found.calls if found else 0


async def _probe(conn: asyncpg.Connection, table: str, times: int) -> None:
    await run_repeatedly(conn, f"SELECT count(*) FROM {table}", times)


async def test_a_window_counts_only_the_work_between_its_snapshots(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE window_probe (x int)")
    await _probe(conn, "window_probe", 3)
    queryid = await queryid_of(conn, "FROM window_probe")

    first = await snapshots.take_snapshot(conn)
    await _probe(conn, "window_probe", 5)
    second = await snapshots.take_snapshot(conn)
    await _probe(conn, "window_probe", 2)

    assert await _calls(target, queryid, first, second) == 5
    assert await _calls(target, queryid, first, None) == 7
    assert await _calls(target, queryid, second, None) == 2
    # Since the reset: pg_stat_statements' own total, more than any window.
    assert await _calls(target, queryid, None, None) == 10
    # No snapshot as old as the start: the window starts at the oldest kept, which is `first`.
    early = await snapshots.statement_window(conn, first - timedelta(days=1), second)
    assert early.since == first
    assert "oldest kept" in early.note
    found = _find(early.statements, queryid)
    assert found is not None
    assert found.calls == 5

    window = await snapshots.statement_window(conn, first, second)
    assert (window.since, window.until) == (first, second)
    stats = _find(window.statements, queryid)
    assert stats is not None
    assert stats.query is not None
    assert "window_probe" in stats.query
    assert stats.total_exec_time >= 0
    assert stats.rows == 5
    assert stats.mean_exec_time is not None


async def test_a_reset_in_between_counts_the_later_value_alone(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE reset_probe (x int)")
    await _probe(conn, "reset_probe", 3)
    queryid = await queryid_of(conn, "FROM reset_probe")
    first = await snapshots.take_snapshot(conn)
    await _probe(conn, "reset_probe", 4)
    # This entry alone: pg_stat_statements_info does not see it, only its counters going down.
    await conn.execute("SELECT pg_stat_statements_reset(0, 0, $1)", queryid)
    await _probe(conn, "reset_probe", 2)
    second = await snapshots.take_snapshot(conn)
    await _probe(conn, "reset_probe", 1)

    assert await _calls(target, queryid, first, second) == 2
    assert await _calls(target, queryid, second, None) == 1
    assert await _calls(target, queryid, None, None) == 3


async def test_a_statement_gone_and_back_counts_from_zero(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE gone_probe (x int)")
    await _probe(conn, "gone_probe", 6)
    queryid = await queryid_of(conn, "FROM gone_probe")
    first = await snapshots.take_snapshot(conn)
    await conn.execute("SELECT pg_stat_statements_reset(0, 0, $1)", queryid)
    second = await snapshots.take_snapshot(conn)  # the entry is gone now
    await _probe(conn, "gone_probe", 8)  # more than before the reset: nothing went down
    third = await snapshots.take_snapshot(conn)

    assert await _calls(target, queryid, first, second) == 0
    assert await _calls(target, queryid, second, third) == 8


async def test_sizes_grow_and_partitioned_tables_sum_their_partitions(target: Target) -> None:
    conn = target.conn
    await conn.execute(
        """
        CREATE TABLE grow (id bigint PRIMARY KEY, body text);
        CREATE TABLE "Odd Parts" (day date NOT NULL, n int) PARTITION BY RANGE (day);
        CREATE TABLE odd_parts_1 PARTITION OF "Odd Parts" FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
        CREATE TABLE odd_parts_2 PARTITION OF "Odd Parts" FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
        CREATE INDEX odd_parts_n ON "Odd Parts" (n);
        """
    )
    before = await snapshots.take_snapshot(conn)
    await conn.execute(
        """
        INSERT INTO grow SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g;
        INSERT INTO "Odd Parts" SELECT date '2024-01-01' + g % 50, g FROM generate_series(1, 5000) g;
        ANALYZE grow, "Odd Parts";
        """
    )
    # This session's table counters reach pg_stat_all_tables once it is idle, at most once a
    # second unless asked to.
    await conn.execute("SELECT pg_stat_force_next_flush()")
    after = await snapshots.take_snapshot(conn)

    history = await snapshots.size_history(conn, before, after)
    sizes = {(p.taken_at, p.relation): p for p in history}
    grown = sizes[(after, "public.grow")]
    assert grown.kind == "table"
    assert grown.total_bytes > sizes[(before, "public.grow")].total_bytes + 5000 * 200
    assert grown.live_tuples == 5000
    assert sizes[(after, "public.grow_pkey")].kind == "index"

    parent = sizes[(after, 'public."Odd Parts"')]
    parts = [sizes[(after, f"public.odd_parts_{n}")] for n in (1, 2)]
    assert parent.kind == "partitioned table"
    assert {p.kind for p in parts} == {"partition"}
    assert parent.total_bytes == sum(p.total_bytes for p in parts) > 0
    assert parent.live_tuples == 5000
    assert sizes[(after, "public.odd_parts_n")].kind == "partitioned index"
    # Index partitions count in their partitioned index, not on their own.
    assert not any("odd_parts_1_n_idx" in p.relation for p in history)
    assert all(not p.relation.startswith(("pg_catalog.", "pg_toast.")) for p in history)

    only_after = await snapshots.size_history(conn, after, None)
    assert {p.taken_at for p in only_after} == {after}


async def test_database_counters_give_rates(target: Target) -> None:
    conn = target.conn
    first = await snapshots.take_snapshot(conn)
    for _ in range(5):
        async with conn.transaction():
            await conn.execute("SELECT 1")
    await conn.execute("SELECT pg_stat_force_next_flush()")
    second = await snapshots.take_snapshot(conn)
    history = await snapshots.database_history(conn, first, second)
    assert [p.taken_at for p in history] == [first, second]
    assert history[1].xact_commit - history[0].xact_commit >= 5
    assert history[1].size_bytes > 0
    rates = snapshots.per_second(history, lambda p: p.xact_commit)
    assert len(rates) == 1
    assert rates[0][0] == second
    assert rates[0][1] > 0
    assert snapshots.counter_delta(10, 4) == 4  # went down: reset, the later value alone
    assert snapshots.counter_delta(4, 10) == 6


async def test_statement_intervals_chart_the_work_per_snapshot(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE interval_probe (x int)")
    first = await snapshots.take_snapshot(conn)
    await _probe(conn, "interval_probe", 4)
    queryid = await queryid_of(conn, "FROM interval_probe")
    second = await snapshots.take_snapshot(conn)
    third = await snapshots.take_snapshot(conn)

    series = await snapshots.statement_intervals(conn, first, None, [queryid])
    assert [(p.taken_at, p.calls) for p in series[queryid]] == [(second, 4), (third, 0)]
    assert all(p.seconds > 0 for p in series[queryid])
    totals = await snapshots.total_intervals(conn, first, third)
    assert [p.taken_at for p in totals] == [second, third]
    assert totals[0].calls >= 4


async def test_retention_prunes_old_snapshots(target: Target) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE old_probe (x int)")
    await _probe(conn, "old_probe", 2)
    old = await snapshots.take_snapshot(conn)
    queryid = await queryid_of(conn, "FROM old_probe")
    await conn.execute(
        "UPDATE pressroom_insights.snapshots SET taken_at = taken_at - interval '40 days' "
        "WHERE taken_at = $1",
        old,
    )
    assert await snapshots.stored_statement_text(conn, queryid) is not None
    await conn.execute("SELECT pg_stat_statements_reset(0, 0, $1)", queryid)

    kept = await snapshots.take_snapshot(conn, retention=timedelta(days=30))

    times = await snapshots.snapshot_times(conn)
    assert kept in times
    assert all(t > kept - timedelta(days=30) for t in times)
    # Its only delta went with the old snapshot, and with it the text.
    assert await snapshots.stored_statement_text(conn, queryid) is None
    for table in ("statement_deltas", "relation_sizes", "database_stats"):
        orphans = await conn.fetchval(
            f"SELECT count(*) FROM pressroom_insights.{table} t WHERE NOT EXISTS "
            "(SELECT FROM pressroom_insights.snapshots s WHERE s.id = t.snapshot_id)"
        )
        assert orphans == 0, table


async def test_the_schema_is_idempotent_and_reads_never_create_it(target: Target) -> None:
    conn = target.conn
    await snapshots.ensure_schema(conn)
    await snapshots.ensure_schema(conn)
    assert await snapshots.schema_version(conn) == snapshots.SCHEMA_VERSION
    async with rolled_back(conn):
        await conn.execute("DROP SCHEMA pressroom_insights CASCADE")
        assert await snapshots.size_history(conn, None, None) == []
        assert await snapshots.snapshot_times(conn) == []
        assert await snapshots.database_history(conn, None, None) == []
        assert await snapshots.stored_statement_text(conn, 1) is None
        live = await snapshots.statement_window(conn, None, None)
        assert live.statements  # pg_stat_statements' own values need no schema
        windowed = await snapshots.statement_window(
            conn, (await conn.fetchval("SELECT now()")) - timedelta(hours=1), None
        )
        assert windowed.statements == []
        assert "No snapshots yet" in (windowed.missing or "")
        assert not await snapshots.has_schema(conn)


async def test_without_pg_stat_statements_sizes_and_counters_are_still_recorded(
    target: Target,
) -> None:
    conn = target.conn
    async with rolled_back(conn):
        await conn.execute("DROP EXTENSION pg_stat_statements")
        taken = await snapshots.take_snapshot(conn)
        row = await conn.fetchrow(
            "SELECT s.statements, count(DISTINCT r.relation) AS relations, "
            "count(DISTINCT d.snapshot_id) AS counters "
            "FROM pressroom_insights.snapshots s "
            "LEFT JOIN pressroom_insights.relation_sizes r ON r.snapshot_id = s.id "
            "LEFT JOIN pressroom_insights.database_stats d ON d.snapshot_id = s.id "
            "WHERE s.taken_at = $1 GROUP BY s.statements",
            taken,
        )
        assert row is not None
        assert not row["statements"]
        assert row["relations"] > 0
        assert row["counters"] == 1
        assert await snapshots.live_statements(conn) is None


async def test_concurrent_snapshots_never_count_twice(target: Target, admin_dsn: str) -> None:
    conn = target.conn
    await conn.execute("CREATE TABLE twice_probe (x int)")
    await _probe(conn, "twice_probe", 1)
    queryid = await queryid_of(conn, "FROM twice_probe")
    start = await snapshots.take_snapshot(conn)
    await _probe(conn, "twice_probe", 3)
    others = [await asyncpg.connect(admin_dsn) for _ in range(3)]
    try:
        await asyncio.gather(*(snapshots.take_snapshot(other) for other in others))
    finally:
        for other in others:
            await other.close()
    assert await _calls(target, queryid, start, None) == 3


# -- the background snapshotter ----------------------------------------------------------------


@contextlib.asynccontextmanager
async def _running(*snapshotters: Snapshotter) -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks = [asyncio.create_task(s.run()) for s in snapshotters]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110 - polling another task's counters
            await asyncio.sleep(0.02)


def _fast(dsn: str) -> Snapshotter:
    return Snapshotter(dsn, interval_s=0.2, retention=timedelta(days=1), retry_s=0.05)


async def test_only_the_leader_takes_snapshots(target: Target, admin_dsn: str) -> None:
    first, second = _fast(admin_dsn), _fast(admin_dsn)
    async with _running(first, second):
        await _until(lambda: first.taken + second.taken >= 3)
        leader, follower = (first, second) if first.leading else (second, first)
        assert leader.leading
        assert not follower.leading
        assert follower.taken == 0
        assert follower.backend_pid is not None  # connected, asking on each tick

        # The leader's connection goes: the other one takes over on its next tick.
        before = len(await snapshots.snapshot_times(target.conn))
        taken_by_follower = follower.taken
        await target.conn.execute("SELECT pg_terminate_backend($1)", leader.backend_pid)
        await _until(lambda: follower.taken > taken_by_follower or leader.taken > 3)
        await _until(lambda: not (first.leading and second.leading))
        assert len(await snapshots.snapshot_times(target.conn)) > before

    # Cancelled: both connections are closed and the lock is free again.
    assert first.backend_pid is None
    assert second.backend_pid is None
    assert (
        await target.conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        )
        == 0
    )


async def test_the_snapshotter_keeps_going_after_its_connection_is_terminated(
    target: Target, admin_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Alone, so that it leads again after reconnecting.
    snapshotter = _fast(admin_dsn)
    async with _running(snapshotter) as tasks:
        await _until(lambda: snapshotter.taken >= 1)
        pid = snapshotter.backend_pid
        await target.conn.execute("SELECT pg_terminate_backend($1)", pid)
        taken = snapshotter.taken
        await _until(lambda: snapshotter.taken >= taken + 2)
        assert snapshotter.backend_pid not in (None, pid)
        assert not tasks[0].done()
    assert "snapshot not taken" in caplog.text
