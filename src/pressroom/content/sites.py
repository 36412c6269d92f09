"""Reading sites: the list (keyset-paginated by domain) and one site."""

from __future__ import annotations

from typing import Any

import asyncpg

from pressroom.content.cursor import filter_fingerprint
from pressroom.content.pages import Page, name_ordered_page

SiteItem = dict[str, Any]
FINGERPRINT = filter_fingerprint(["sites"])

LIST_SITES = """
SELECT domain, name, language
  FROM pressroom.sites
 WHERE domain > $1
 ORDER BY domain
 LIMIT $2
"""

GET_SITE = """
SELECT s.domain, s.name, s.language, s.created_at,
       (SELECT max(a.published_at) FROM pressroom.articles a WHERE a.site_id = s.id)
           AS latest_published_at
  FROM pressroom.sites s
 WHERE s.domain = $1
"""


SITE_EXISTS = "SELECT EXISTS (SELECT 1 FROM pressroom.sites WHERE domain = $1)"


async def list_sites(conn: asyncpg.Connection, cursor: str | None, limit: int) -> Page[SiteItem]:
    return await name_ordered_page(conn, LIST_SITES, "domain", FINGERPRINT, cursor, limit)


async def get_site(conn: asyncpg.Connection, domain: str) -> SiteItem | None:
    row = await conn.fetchrow(GET_SITE, domain)
    return dict(row) if row is not None else None


async def site_exists(conn: asyncpg.Connection, domain: str) -> bool:
    return bool(await conn.fetchval(SITE_EXISTS, domain))
