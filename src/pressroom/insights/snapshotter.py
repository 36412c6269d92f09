"""The background snapshotter: records a snapshot (snapshots.py) every `interval_s` and prunes
those older than the retention, for as long as the dashboard server runs.

A deployment may run several dashboard servers against one database; only one of them takes
snapshots. They elect it with a session-level advisory lock held on a dedicated connection: the
process whose connection holds the lock leads until that connection ends (the process stops,
crashes, or the connection is terminated), and the others ask again on every tick, so one of them
takes over within an interval. Correctness does not hang on the election: snapshots.WRITE_LOCK
serialises every snapshot, and a leader that finds a recent snapshot (taken by hand, or by the
previous leader just before it went) waits for its turn instead of taking another.

The database may go away (a restart, a failover, a terminated connection): the snapshotter logs
it once, drops the connection, and tries again on the next tick until the database is back.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import asyncpg

from pressroom.config import Settings
from pressroom.errors import PressroomError
from pressroom.insights import snapshots

log = logging.getLogger(__name__)

APPLICATION_NAME = "pressroom doctor snapshots"
TRY_LEAD = "SELECT pg_try_advisory_lock(hashtextextended('pressroom.insights.snapshotter', 0))"
SECONDS_SINCE_LATEST = """
SELECT extract(epoch FROM now() - max(taken_at))::float8 FROM pressroom_insights.snapshots
"""
# A snapshot slightly younger than the interval still counts: timers and transaction times never
# line up exactly, and a leader should not take two snapshots a few milliseconds apart.
DUE_FRACTION = 0.9
# Errors that say the database or this connection is unavailable, or that a snapshot failed in
# a way the next tick may not repeat; anything else is a bug and ends the task loudly.
EXPECTED = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, PressroomError)


class Snapshotter:
    """Takes a snapshot every `interval_s` while it leads; run `run()` as a task and cancel it
    to stop (the connection is closed and the leadership released)."""

    def __init__(
        self,
        dsn: str,
        *,
        interval_s: float,
        retention: timedelta,
        retry_s: float | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.dsn = dsn
        self.interval_s = interval_s
        self.retention = retention
        # After a failure, try again sooner than a whole interval, but without hammering a
        # database that is starting up.
        self.retry_s = retry_s if retry_s is not None else min(interval_s, 10.0)
        self.connect_timeout_s = connect_timeout_s
        self.leading = False
        self.taken = 0  # snapshots this process took
        self.last_taken: datetime | None = None
        self._conn: asyncpg.Connection | None = None
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings, dsn: str) -> Snapshotter:
        return cls(
            dsn,
            interval_s=settings.insights_snapshot_interval_s,
            retention=timedelta(days=settings.insights_retention_days),
        )

    @property
    def backend_pid(self) -> int | None:
        """The server process of the dedicated connection, while there is one."""
        if self._conn is None or self._conn.is_closed():
            return None
        pid: int = self._conn.get_server_pid()
        return pid

    async def run(self) -> None:
        try:
            while True:
                delay = await self.tick()
                await asyncio.sleep(delay)
        finally:
            await self._disconnect()

    async def tick(self) -> float:
        """Lead if possible and take a snapshot if one is due; seconds until the next tick.
        Never raises the errors of an unavailable database: it logs them and asks for a retry."""
        try:
            delay = await self._tick()
        except EXPECTED as exc:
            self._failed(exc)
            if self._conn is not None and self._conn.is_closed():
                await self._disconnect()
            return self.retry_s
        if self._failing:
            log.info("snapshots resumed")
            self._failing = False
        return delay

    async def _tick(self) -> float:
        conn = await self._connection()
        if not self.leading:
            self.leading = bool(await conn.fetchval(TRY_LEAD))
            if not self.leading:
                return self.interval_s
            log.info("this process takes the snapshots, every %.0f s", self.interval_s)
        age = await self._seconds_since_latest(conn)
        if age is not None and age < self.interval_s * DUE_FRACTION:
            return self.interval_s - age
        self.last_taken = await snapshots.take_snapshot(conn, self.retention)
        self.taken += 1
        return self.interval_s

    async def _seconds_since_latest(self, conn: asyncpg.Connection) -> float | None:
        if not await snapshots.has_schema(conn):
            return None
        age: float | None = await conn.fetchval(SECONDS_SINCE_LATEST)
        return age

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is not None and self._conn.is_closed():
            # Closed by the server while idle (terminated, restarted): leadership went with it.
            self._failed(ConnectionError("the connection was closed"))
        if self._conn is None or self._conn.is_closed():
            self.leading = False
            self._conn = await asyncpg.connect(
                self.dsn,
                timeout=self.connect_timeout_s,
                server_settings={"application_name": APPLICATION_NAME},
            )
        return self._conn

    def _failed(self, exc: BaseException) -> None:
        # Once per outage as a warning; a database that stays down would otherwise fill the log.
        level = logging.DEBUG if self._failing else logging.WARNING
        detail = getattr(exc, "sqlstate", None) or type(exc).__name__
        log.log(level, "snapshot not taken (%s): %s; trying again", detail, exc)
        self._failing = True

    async def _disconnect(self) -> None:
        conn, self._conn, self.leading = self._conn, None, False
        if conn is None or conn.is_closed():
            return
        # Cancelled again, or the server does not answer: drop the socket, which ends the
        # session and its advisory lock on the server as well.
        try:
            await conn.close(timeout=2)
        except asyncio.CancelledError:
            conn.terminate()
            raise
        except Exception:
            conn.terminate()
