"""After a bulk load: the upkeep autovacuum would get to later, done before anyone reads.

A freshly loaded partition has its GIN pending list full (fast update: up to 4 MB of entries
that every search on that partition reads whole, and a search reads many partitions) and no
visibility map (so list pages cannot be answered by index-only scans); and autovacuum never
analyzes a partitioned table's parent, whose statistics the planner uses for every query that
spans partitions. VACUUM (ANALYZE) of the partitions a load wrote and ANALYZE of the parents
settle all three. Both need the tables' owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import asyncpg

PARENTS = ("pressroom.articles", "pressroom.article_tags")
OTHERS = "pressroom.sites, pressroom.tags, pressroom.article_urls"

PARTITIONS_OF_MONTHS = """
SELECT format('%I.%I', n.nspname, c.relname)
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE i.inhparent = ANY (ARRAY['pressroom.articles'::regclass, 'pressroom.article_tags'::regclass])
   AND (c.relname = ANY ($1::text[]) OR c.relname LIKE '%\\_default')
 ORDER BY c.relname
"""


def _partition_names(months: Iterable[date]) -> list[str]:
    return [
        f"{table}_p{month:%Y_%m}"
        for month in sorted(set(months))
        for table in ("articles", "article_tags")
    ]


async def settle_after_load(owner: asyncpg.Connection, months: Iterable[date] | None) -> None:
    """Vacuum and analyze the partitions of `months` (None: every partition), then analyze the
    parents and the small tables a load writes to. Run on a connection of the tables' owner,
    outside a transaction (VACUUM cannot run inside one)."""
    if months is None:
        await owner.execute(f"VACUUM (ANALYZE) {', '.join(PARENTS)}")
    else:
        # Names from pg_class, quoted by format(): VACUUM takes no parameters.
        for partition in await owner.fetch(PARTITIONS_OF_MONTHS, _partition_names(months)):
            await owner.execute(f"VACUUM (ANALYZE) {partition[0]}")
        await owner.execute(f"ANALYZE {', '.join(PARENTS)}")
    await owner.execute(f"ANALYZE {OTHERS}")


async def settle_as_owner(
    owner_url: str, months: Iterable[date] | None, *, timeout_s: float = 10.0
) -> None:
    """settle_after_load() on a connection of its own, as the owner the URL names."""
    owner = await asyncpg.connect(
        owner_url, timeout=timeout_s, server_settings={"application_name": "pressroom settle"}
    )
    try:
        await settle_after_load(owner, months)
    finally:
        await owner.close()
