"""The sequencer: gives committed events their global feed positions (docs/events.md).

Every long-lived pressroom process (the API, `events follow`, `events sequence`) runs one;
they take turns through a session advisory lock, so exactly one leads at a time and another
takes over within a second of the leader's connection closing. Correctness does not depend on
the election: each round also takes event_feed's row lock, so two rounds never interleave.

The leader polls, every few milliseconds, with a read-only probe of a partial index that holds
only the events waiting for a position; appenders do not NOTIFY it, because a notifying
transaction holds a database-wide lock through its commit and appenders would then commit one
at a time. Followers, by contrast, are woken by the sequencer's one NOTIFY per round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from pressroom.content.partitions import month_of

log = logging.getLogger("pressroom.events")

SEQUENCE = "SELECT pressroom.sequence_events($1)"
# Read-only, so an idle leader writes nothing; sequence_events() takes a row lock, a write.
PENDING = "SELECT EXISTS (SELECT 1 FROM pressroom.events WHERE position IS NULL)"
TRY_LEAD = "SELECT pg_try_advisory_lock(hashtextextended('pressroom.sequencer', 0))"
ENSURE_PARTITIONS = "SELECT pressroom.ensure_event_partitions($1, $2)"
BATCH = 10_000


async def sequence_pending(conn: asyncpg.Connection, batch: int = BATCH) -> int:
    """Number every committed event still without a position; returns how many. Each round is
    its own short transaction (the connection is in autocommit)."""
    if not await conn.fetchval(PENDING):
        return 0
    total = 0
    while True:
        numbered = int(await conn.fetchval(SEQUENCE, batch))
        total += numbered
        if numbered < batch:
            return total


async def ensure_event_months(conn: asyncpg.Connection, now: datetime | None = None) -> int:
    """Partitions for this month and the next two, so appends never land in the default one."""
    now = now or datetime.now(UTC)
    return int(
        await conn.fetchval(ENSURE_PARTITIONS, month_of(now), month_of(now + timedelta(days=62)))
    )


class Sequencer:
    """Leads when it can, numbers what committed since its last round every `poll_s`, and
    keeps the event partitions ahead of time."""

    def __init__(self, url: str, *, poll_s: float = 0.01, retry_s: float = 1.0) -> None:
        self.url = url
        self.poll_s = poll_s
        self.retry_s = retry_s

    async def run(self) -> None:
        while True:
            try:
                conn = await asyncpg.connect(
                    self.url, server_settings={"application_name": "pressroom sequencer"}
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("sequencer cannot connect", extra={"error": type(exc).__name__})
                await asyncio.sleep(self.retry_s)
                continue
            try:
                await self._lead(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("sequencer lost its connection", extra={"error": type(exc).__name__})
                await asyncio.sleep(self.retry_s)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    async def _upkeep(self, conn: asyncpg.Connection) -> float:
        """Create next months' event partitions; seconds until the next try. Creating one
        locks the default partition exclusively, which may have to wait for a long reader:
        the wait is capped, so numbering the feed never stalls behind it, and it is tried
        again in a minute."""
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL lock_timeout = '200ms'")
                await ensure_event_months(conn)
        except asyncpg.LockNotAvailableError:
            log.warning("event partitions not created: the default partition is busy")
            return 60.0
        return 3600.0

    async def _lead(self, conn: asyncpg.Connection) -> None:
        # Another process leads while its connection lives; ask again now and then.
        while not await conn.fetchval(TRY_LEAD):  # noqa: ASYNC110
            await asyncio.sleep(self.retry_s)
        next_upkeep = 0.0
        while True:
            if time.monotonic() >= next_upkeep:
                next_upkeep = time.monotonic() + await self._upkeep(conn)
            # Straight on while there is work; a pause only once a round found nothing.
            if not await sequence_pending(conn):
                await asyncio.sleep(self.poll_s)
