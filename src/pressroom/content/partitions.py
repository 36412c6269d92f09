"""Monthly partitions: which exist, and creating the missing ones for the months data needs.

Each month is created by its own call to pressroom.ensure_month_partitions() outside any
longer transaction, because creation briefly locks the default partitions exclusively and
those locks last until commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import asyncpg

# The suffix pressroom.ensure_month_partitions() gives a month's partitions: articles_p2024_03.
PARTITION_SUFFIX = re.compile(r"_p[0-9]{4}_[0-9]{2}")

EXISTING_MONTHS = """
SELECT to_date(substring(c.relname FROM '_p(\\d{4}_\\d{2})$'), 'YYYY_MM')
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'pressroom.articles'::regclass AND c.relname ~ '_p\\d{4}_\\d{2}$'
"""


def month_of(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def month_suffix(moment: datetime) -> str:
    """The suffix of the partitions holding `moment`: _p2024_03."""
    month = month_of(moment)
    return f"_p{month.year:04d}_{month.month:02d}"


async def existing_months(conn: asyncpg.Connection) -> set[date]:
    return {row[0] for row in await conn.fetch(EXISTING_MONTHS)}


async def ensure_months(conn: asyncpg.Connection, months: Iterable[date], known: set[date]) -> int:
    """Create the partitions of `months` not in `known` (which is updated); returns how many
    partitions were created."""
    created = 0
    for month in sorted(set(months) - known):
        created += await conn.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", month)
        known.add(month)
    return created


MONTHS_AHEAD = 12


def months_ahead(month: date, now: datetime) -> set[date]:
    """The MONTHS_AHEAD months after `month`, none later than the month after now's: a loader
    creating a month's partitions creates these too, in the same pause of its batches, since
    a load in publication order will soon need them. Empty partitions of past months cost
    nothing; future ones are left to ensure_recent_months()."""
    last = month_of(now + timedelta(days=31))
    ahead: set[date] = set()
    for _ in range(MONTHS_AHEAD):
        month = (month + timedelta(days=32)).replace(day=1)
        if month > last:
            break
        ahead.add(month)
    return ahead


async def ensure_recent_months(conn: asyncpg.Connection, now: datetime | None = None) -> int:
    """Last month to three months ahead: everyday writes never wait on partition creation."""
    now = now or datetime.now(UTC)
    months = {month_of(now + timedelta(days=days)) for days in (-31, 0, 31, 62, 92)}
    return await ensure_months(conn, months, await existing_months(conn))
