"""After a bulk load: the upkeep autovacuum would get to later, done before anyone reads.

A freshly loaded partition has no visibility map (so list pages cannot be answered by
index-only scans); autovacuum never analyzes a partitioned table's parent, whose statistics the
planner uses for every query that spans partitions; and the GIN indexes of search_documents
hold the load's last entries in their pending list (fast update), which every search reads
whole until they are merged into the index. VACUUM (ANALYZE) of the partitions a load wrote,
ANALYZE of the parents and gin_clean_pending_list() settle all three. They need the tables'
owner. search_documents is not vacuumed: it is one table for all time, and a vacuum of its GIN
index reads all of it; what a load leaves there is only the pending list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import asyncpg

PARENTS = ("pressroom.articles", "pressroom.article_tags")
OTHERS = (
    "pressroom.sites, pressroom.tags, pressroom.article_urls, pressroom.search_documents,"
    " pressroom.highlight_texts"
)

# Only as the owner, as VACUUM does (which skips other roles' tables with a warning): a load
# given a single non-owner URL settles what it can.
MERGE_PENDING_SEARCH_ENTRIES = """
SELECT gin_clean_pending_list(i.indexrelid)
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_am am ON am.oid = c.relam
 WHERE i.indrelid = 'pressroom.search_documents'::regclass AND am.amname = 'gin'
   AND pg_has_role(current_user, c.relowner, 'USAGE')
"""

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
    await owner.execute(MERGE_PENDING_SEARCH_ENTRIES)
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
