"""Named, durable subscribers: each keeps the feed position it has handled."""

from __future__ import annotations

import re

import asyncpg

from pressroom.errors import PressroomError

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
