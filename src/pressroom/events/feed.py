"""Reading the global feed: pages by position, and following it live.

A follower reads `position > checkpoint` in position order; positions appear only when the
sequencer commits a whole batch of them, so a follower never misses one (docs/events.md).
Between reads it sleeps until the sequencer's notification says the head moved, with a timeout
as a safety net, never polling in a tight loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg

from pressroom.events.store import RecordedEvent, recorded_event

FEED_CHANNEL = "pressroom_feed"

READ_FEED = """
SELECT stream_id, stream_version, event_type, data::text, metadata::text, recorded_at, position
  FROM pressroom.events
 WHERE position > $1
 ORDER BY position
 LIMIT $2
"""

HEAD = "SELECT last_position FROM pressroom.event_feed"

FetchFeed = Callable[[int, int], Awaitable[list[RecordedEvent]]]
Checkpoint = Callable[[int], Awaitable[None]]


async def read_feed(conn: asyncpg.Connection, after: int, limit: int) -> list[RecordedEvent]:
    """Up to `limit` events after a position, in feed order."""
    return [recorded_event(row) for row in await conn.fetch(READ_FEED, after, limit)]


async def feed_head(conn: asyncpg.Connection) -> int:
    """The last position handed out so far."""
    return int(await conn.fetchval(HEAD))


class FeedSignal:
    """Knows the newest position the sequencer announced, and wakes whoever waits for one
    beyond theirs. One listening connection serves every follower in the process."""

    def __init__(self) -> None:
        self.head = 0
        self._moved = asyncio.Event()

    async def attach(self, conn: asyncpg.Connection) -> None:
        await conn.add_listener(FEED_CHANNEL, self._on_notify)
        self.advance(await feed_head(conn))

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self.advance(int(str(payload)))

    def advance(self, position: int) -> None:
        if position <= self.head:
            return
        self.head = position
        # Everyone waiting on the old event wakes; later waiters get a fresh one.
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def wait_beyond(self, position: int, timeout_s: float) -> bool:
        """Wait until the head is past `position` (True) or the timeout passed (False)."""
        if self.head > position:
            return True
        try:
            await asyncio.wait_for(self._moved.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def keep_listening(self, url: str, refresh_s: float = 5.0) -> None:
        """Listen on a connection of its own for the life of the process, reconnecting when
        it breaks; the head is also re-read every `refresh_s`, in case a notification was
        lost with a connection."""
        while True:
            try:
                conn = await asyncpg.connect(url)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await asyncio.sleep(refresh_s)
                continue
            try:
                await self.attach(conn)
                while True:
                    await asyncio.sleep(refresh_s)
                    self.advance(await feed_head(conn))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await asyncio.sleep(refresh_s)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)


async def follow_with_pauses(
    fetch: FetchFeed,
    signal: FeedSignal,
    *,
    after: int = 0,
    batch_size: int = 500,
    idle_s: float = 5.0,
    checkpoint: Checkpoint | None = None,
) -> AsyncIterator[RecordedEvent | None]:
    """Every event after `after`, then new ones as they come, forever; None each time
    `idle_s` passed with nothing new (for heartbeats).

    With a checkpoint callback, the position is saved only once the consumer asked for more
    after it, that is, once it has handled everything up to it: a crash re-delivers what was
    not confirmed (at-least-once; the position is the deduplication key)."""
    position = saved = after
    while True:
        events = await fetch(position, batch_size)
        if checkpoint is not None and position > saved:
            await checkpoint(position)
            saved = position
        if not events:
            if not await signal.wait_beyond(position, idle_s):
                yield None
            continue
        for event in events:
            assert event.position is not None
            yield event
            position = event.position


async def follow(
    fetch: FetchFeed,
    signal: FeedSignal,
    *,
    after: int = 0,
    batch_size: int = 500,
    idle_s: float = 5.0,
    checkpoint: Checkpoint | None = None,
) -> AsyncIterator[RecordedEvent]:
    """Like follow_with_pauses(), without the pauses."""
    async for event in follow_with_pauses(
        fetch, signal, after=after, batch_size=batch_size, idle_s=idle_s, checkpoint=checkpoint
    ):
        if event is not None:
            yield event
