"""A page of a keyset-paginated list, and the bookkeeping for building its query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from pressroom.content.cursor import decode_cursor, encode_cursor

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


class Params:
    """Collects query arguments and hands out their $n placeholders, so optional filters can be
    added to a query as constant SQL fragments while every value stays a bound parameter."""

    def __init__(self) -> None:
        self.values: list[object] = []

    def __call__(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


async def name_ordered_page(
    conn: asyncpg.Connection,
    sql: str,
    key: str,
    fingerprint: str,
    cursor: str | None,
    limit: int,
) -> Page[dict[str, Any]]:
    """A page of a small directory ordered by a unique name (a site's domain, a tag's slug).

    `sql` takes the last name seen ($1, '' for the first page) and the row limit ($2).
    """
    after = decode_cursor(cursor, fingerprint) if cursor else ""
    rows = await conn.fetch(sql, after, limit + 1)
    items = [dict(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor(items[-1][key], fingerprint) if more else None)
