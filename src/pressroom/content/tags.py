"""Reading tags: the list (keyset-paginated by slug) and one tag."""

from __future__ import annotations

from typing import Any

import asyncpg

from pressroom.content.cursor import filter_fingerprint
from pressroom.content.pages import Page, name_ordered_page

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
    return await name_ordered_page(conn, LIST_TAGS, "slug", FINGERPRINT, cursor, limit)


async def tag_exists(conn: asyncpg.Connection, slug: str) -> bool:
    return bool(await conn.fetchval(TAG_EXISTS, slug))
