"""Activity against real sessions: a blocking chain, a session idle in transaction, a long query,
and the cancel/terminate actions with their refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.insights import activity
from pressroom.insights.activity import SignalError, Thresholds
from pressroom.insights.model import Options, Status
from pressroom.insights.target import Target
from tests.insights.helpers import connected, eventually, findings, rows

TEST_APP = "doctor-activity-test"
LOCK_TABLE = "doctor_activity_lock"


@pytest.fixture
async def sessions(admin_dsn: str) -> AsyncIterator[Callable[[], Awaitable[asyncpg.Connection]]]:
    """Opens extra sessions for a test and closes whatever is left of them afterwards."""
    opened: list[asyncpg.Connection] = []

    async def open_session() -> asyncpg.Connection:
        conn = await asyncpg.connect(admin_dsn, server_settings={"application_name": TEST_APP})
        opened.append(conn)
        return conn

    yield open_session
    for conn in opened:
        if not conn.is_closed():
            conn.terminate()


async def waits_for(target: Target, pid: int) -> list[int]:
    blocking = await target.conn.fetchval("SELECT pg_blocking_pids($1)", pid)
    return list(blocking)


async def test_healthy_activity_passes(target: Target) -> None:
    section = await activity.inspect(target, Options())
    for check in (
        "activity.connections",
        "activity.long_running",
        "activity.idle_in_transaction",
        "activity.blocking",
    ):
        (finding,) = findings(section, check)
        assert finding.status is Status.PASS, finding
    assert rows(section, "Blocked queries") == []


async def test_connection_usage_and_tables(
    target: Target, sessions: Callable[[], Awaitable[asyncpg.Connection]]
) -> None:
    await sessions()
    await sessions()
    section = await activity.inspect(
        target, Options(), Thresholds(connections_warn_percent=1, connections_fail_percent=99)
    )
    (usage,) = findings(section, "activity.connections")
    assert usage.status is Status.WARN
    section = await activity.inspect(
        target, Options(), Thresholds(connections_warn_percent=1, connections_fail_percent=2)
    )
    (usage,) = findings(section, "activity.connections")
    assert usage.status is Status.FAIL
    apps = rows(section, "Connections by application")
    ours = next(row for row in apps if row["application"] == TEST_APP)
    assert ours["connections"] == 2
    # The doctor's own session is left out of every listing.
    assert all(row["application"] != "pressroom doctor" for row in apps)
    assert sum(row["connections"] for row in rows(section, "Connections by state")) >= 2
    addresses = {row["client address"] for row in rows(section, "Connections by client address")}
    assert "local socket" in addresses


async def test_blocking_chain_names_the_root(
    target: Target, sessions: Callable[[], Awaitable[asyncpg.Connection]]
) -> None:
    await target.conn.execute(
        f"DROP TABLE IF EXISTS {LOCK_TABLE}; "
        f"CREATE TABLE {LOCK_TABLE} (id int PRIMARY KEY, v int); "
        f"INSERT INTO {LOCK_TABLE} VALUES (1, 0)"
    )
    a, b, c = await sessions(), await sessions(), await sessions()
    a_pid, b_pid, c_pid = a.get_server_pid(), b.get_server_pid(), c.get_server_pid()
    await a.execute(f"BEGIN; UPDATE {LOCK_TABLE} SET v = v + 1 WHERE id = 1")
    b_update = asyncio.create_task(b.execute(f"UPDATE {LOCK_TABLE} SET v = v + 2 WHERE id = 1"))
    try:
        await eventually(lambda: _blocked(target, b_pid))
        c_update = asyncio.create_task(c.execute(f"UPDATE {LOCK_TABLE} SET v = v + 3 WHERE id = 1"))
        try:
            await eventually(lambda: _blocked(target, c_pid))
            section = await activity.inspect(target, Options())
        finally:
            await a.execute("ROLLBACK")
            await asyncio.wait_for(c_update, 10)
    finally:
        await asyncio.wait_for(b_update, 10)

    blocked = {row["blocked pid"]: row for row in rows(section, "Blocked queries")}
    assert set(blocked) == {b_pid, c_pid}
    assert blocked[b_pid]["blocked by"] == str(a_pid)
    assert str(b_pid) in blocked[c_pid]["blocked by"].split(", ")
    # C waits behind B, but only A's ending frees the queue.
    assert blocked[c_pid]["root blockers"] == str(a_pid)
    assert blocked[b_pid]["root blockers"] == str(a_pid)
    assert blocked[c_pid]["root state"] == "idle in transaction"
    assert blocked[c_pid]["root transaction age"] >= 0
    assert "UPDATE" in blocked[c_pid]["root query"]

    (blocker,) = findings(section, "activity.blocking")
    assert blocker.status is Status.WARN
    assert f"pid {a_pid}" in blocker.title
    assert "2 sessions" in blocker.title
    assert blocker.fix_sql == (f"SELECT pg_terminate_backend({a_pid});",)
    assert await target.conn.fetchval(f"SELECT v FROM {LOCK_TABLE} WHERE id = 1") == 5


async def _blocked(target: Target, pid: int) -> bool:
    return bool(await waits_for(target, pid))


async def test_idle_in_transaction(
    target: Target, sessions: Callable[[], Awaitable[asyncpg.Connection]]
) -> None:
    idle = await sessions()
    await idle.execute("BEGIN; SELECT 1 AS doctor_idle_marker")
    pid = idle.get_server_pid()
    limits = Thresholds(idle_in_transaction_seconds=0.1)

    async def reported() -> bool:
        section = await activity.inspect(target, Options(), limits)
        return any(
            f"pid {pid}" in f.title for f in findings(section, "activity.idle_in_transaction")
        )

    await eventually(reported)
    section = await activity.inspect(target, Options(), limits)
    (finding,) = [
        f for f in findings(section, "activity.idle_in_transaction") if f"pid {pid}" in f.title
    ]
    assert finding.status is Status.WARN
    assert "idle_in_transaction_session_timeout" in (finding.advice or "")
    assert finding.fix_sql == (f"SELECT pg_terminate_backend({pid});",)
    (row,) = [r for r in rows(section, "Idle in transaction") if r["pid"] == pid]
    assert "doctor_idle_marker" in row["last query"]
    assert row["idle for"] > 0.1


async def test_long_query_is_reported_and_cancelled(
    target: Target, sessions: Callable[[], Awaitable[asyncpg.Connection]]
) -> None:
    busy = await sessions()
    pid = busy.get_server_pid()
    sleeping = asyncio.create_task(busy.execute("SELECT pg_sleep(30) AS doctor_long_marker"))
    limits = Thresholds(long_query_seconds=0.1)

    async def reported() -> bool:
        section = await activity.inspect(target, Options(), limits)
        return any(f"pid {pid}" in f.title for f in findings(section, "activity.long_running"))

    try:
        await eventually(reported)
        section = await activity.inspect(target, Options(), limits)
        (finding,) = [
            f for f in findings(section, "activity.long_running") if f"pid {pid}" in f.title
        ]
        assert finding.status is Status.WARN
        assert "doctor_long_marker" in finding.detail
        assert "Timeout: PgSleep" in finding.detail
        assert finding.fix_sql == (f"SELECT pg_cancel_backend({pid});",)
        (row,) = [r for r in rows(section, "Long-running queries") if r["pid"] == pid]
        assert row["wait event"] == "Timeout: PgSleep"
        assert row["running for"] > 0.1

        assert await activity.cancel_backend(target.conn, pid) is True
        with pytest.raises(asyncpg.QueryCanceledError):
            await asyncio.wait_for(sleeping, 10)
    finally:
        if not sleeping.done():
            sleeping.cancel()
    # Cancelling leaves the session usable.
    assert await busy.fetchval("SELECT 1") == 1

    assert await activity.terminate_backend(target.conn, pid) is True

    async def gone() -> bool:
        return not await target.conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid
        )

    await eventually(gone)

    async def closed() -> bool:
        return busy.is_closed()

    # The server closed the session's socket, and the client noticed.
    await eventually(closed)


async def test_actions_refuse_what_they_must_not_signal(target: Target) -> None:
    with pytest.raises(SignalError, match="own session"):
        await activity.cancel_backend(target.conn, target.pid)
    checkpointer = await target.conn.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'"
    )
    with pytest.raises(SignalError, match="not a client session"):
        await activity.terminate_backend(target.conn, checkpointer)
    with pytest.raises(SignalError, match="no PostgreSQL session with pid"):
        await activity.cancel_backend(target.conn, 2_147_483_000)


async def test_a_reused_pid_is_not_the_session_that_was_confirmed(
    target: Target, admin_dsn: str
) -> None:
    async with connected(admin_dsn) as other:
        pid = other.get_server_pid()
        started = await target.conn.fetchval(
            "SELECT backend_start FROM pg_stat_activity WHERE pid = $1", pid
        )
        earlier = started - timedelta(seconds=1)  # as if the confirmed session had ended
        with pytest.raises(SignalError, match="not the one you chose"):
            await activity.terminate_backend(target.conn, pid, earlier)
        assert not other.is_closed()
        assert await other.fetchval("SELECT 1") == 1
        # The session that was confirmed is signalled (a cancel: an idle session stays).
        assert await activity.cancel_backend(target.conn, pid, started) is True


async def test_actions_explain_missing_privileges(
    target: Target, database: DatabaseTargets
) -> None:
    # The reader role has neither superuser nor pg_signal_backend; the doctor's session is a
    # superuser's, which only a superuser may signal.
    async with connected(database.reader) as reader:
        with pytest.raises(SignalError, match="pg_signal_backend"):
            await activity.cancel_backend(reader, target.pid)


def test_root_blockers_walk_the_whole_chain() -> None:
    # C waits for B, B for A; D waits for both A and E.
    waits_for = {3: (2,), 2: (1,), 4: (1, 5)}
    assert activity.root_blockers(waits_for, 3) == ((1,), False)
    assert activity.root_blockers(waits_for, 4) == ((1, 5), False)
    # A loop has no root: a deadlock the server has not broken yet.
    assert activity.root_blockers({1: (2,), 2: (1,)}, 1) == ((1, 2), True)
