"""Reading tags: the list (keyset-paginated by slug) and one tag."""

from __future__ import annotations

from typing import Any

import asyncpg

from pressroom.content.cursor import decode_cursor, encode_cursor, filter_fingerprint
from pressroom.content.pages import Page

TagItem = dict[str, Any]
FINGERPRINT = filter_fingerprint(["tags"])

LIST_TAGS = """
SELECT slug, name
  FROM pressroom.tags
 WHERE slug > $1
 ORDER BY slug
 LIMIT $2
"""

TAG_EXISTS = "SELECT EXISTS (SELECT 1 FROM pressroom.tags WHERE slug = $1)"


async def list_tags(conn: asyncpg.Connection, cursor: str | None, limit: int) -> Page[TagItem]:
    after = decode_cursor(cursor, FINGERPRINT) if cursor else ""
    rows = await conn.fetch(LIST_TAGS, after, limit + 1)
    items = [dict(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor(items[-1]["slug"], FINGERPRINT) if more else None)


async def tag_exists(conn: asyncpg.Connection, slug: str) -> bool:
    return bool(await conn.fetchval(TAG_EXISTS, slug))
