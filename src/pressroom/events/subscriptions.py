"""Named, durable subscribers: each keeps the feed position it has handled."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg

from pressroom.errors import PressroomError
from pressroom.events.feed import FeedSignal, follow, read_feed
from pressroom.events.store import RecordedEvent

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")

OPEN = """
INSERT INTO pressroom.event_subscriptions (name, position) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name  -- a no-op that returns the row
RETURNING position
"""

# Never backwards: a slow duplicate of a subscriber cannot undo a faster one's progress.
SAVE = """
UPDATE pressroom.event_subscriptions
   SET position = greatest(position, $2), updated_at = now()
 WHERE name = $1
"""

LIST = """
SELECT s.name, s.position, f.last_position - s.position AS behind, s.updated_at
  FROM pressroom.event_subscriptions s, pressroom.event_feed f
 ORDER BY s.name
"""


class InvalidSubscriptionError(PressroomError):
    pass


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise InvalidSubscriptionError(
            f"subscription names are 1-100 lower-case letters, digits, '.', '_' or '-', not {name[:100]!r}"
        )
    return name


async def open_subscription(conn: asyncpg.Connection, name: str, start: int = 0) -> int:
    """The subscription's position, creating it at `start` if it is new."""
    return int(await conn.fetchval(OPEN, check_name(name), start))


async def save_position(conn: asyncpg.Connection, name: str, position: int) -> None:
    await conn.execute(SAVE, name, position)


async def list_subscriptions(conn: asyncpg.Connection) -> list[dict[str, object]]:
    return [dict(row) for row in await conn.fetch(LIST)]


async def subscribe(
    url: str,
    *,
    name: str | None = None,
    after: int = 0,
    batch_size: int = 500,
    idle_s: float = 5.0,
) -> AsyncIterator[RecordedEvent]:
    """The feed as an async iterator: every event after `after` (or after the named
    subscription's saved position), then live ones as they are sequenced, forever.

    A named subscription saves its position as it goes (at-least-once: after a crash the events
    not yet confirmed come again; deduplicate by position). One connection serves the reads,
    the wake-ups and the checkpoints."""
    conn = await asyncpg.connect(url, server_settings={"application_name": "pressroom follower"})
    try:
        if name is not None:
            after = await open_subscription(conn, name, after)
        signal = FeedSignal()
        await signal.attach(conn)

        async def fetch(position: int, limit: int) -> list[RecordedEvent]:
            return await read_feed(conn, position, limit)

        async def checkpoint(position: int) -> None:
            assert name is not None
            await save_position(conn, name, position)

        async for event in follow(
            fetch,
            signal,
            after=after,
            batch_size=batch_size,
            idle_s=idle_s,
            checkpoint=checkpoint if name is not None else None,
        ):
            yield event
    finally:
        await conn.close()
