"""What the doctor's tests share: reading a Section's findings and tables, waiting for what
another session brings about, and sessions and schemas of a test's own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from pressroom.insights.model import Finding, Section, Table

# -- reading a section --------------------------------------------------------------------------


def findings(section: Section, check: str) -> list[Finding]:
    return [f for f in section.findings if f.check == check]


def finding(section: Section, check: str) -> Finding:
    """The section's one finding of `check`."""
    (found,) = findings(section, check)
    return found


def table(section: Section, title: str) -> Table:
    """The section's one table titled `title`."""
    (found,) = [t for t in section.tables if t.title == title]
    return found


def rows(section: Section, title: str) -> list[dict[str, Any]]:
    """The rows of the table titled `title`, as JSON has them: one dict per row, by column."""
    return table(section, title).as_json()["rows"]  # type: ignore[no-any-return]


# -- waiting ------------------------------------------------------------------------------------


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0, poll_s: float = 0.05
) -> None:
    """Wait for a condition another session or the server brings about (sessions start, and
    statistics arrive, asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(poll_s)


# -- sessions and schemas of a test's own -------------------------------------------------------


@contextlib.asynccontextmanager
async def connected(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A session of its own, closed on the way out."""
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


async def run_sql(dsn: str, sql: str) -> None:
    """Runs `sql` in a session of its own and ends it, which also flushes its table
    statistics."""
    async with connected(dsn) as conn:
        await conn.execute(sql)


class _RolledBack(Exception):
    """Raised to roll a `rolled_back` transaction back; never escapes it."""


@contextlib.asynccontextmanager
async def rolled_back(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A transaction that is always rolled back, for a test that drops what later tests need
    (an extension, the snapshots' schema)."""
    with contextlib.suppress(_RolledBack):
        async with conn.transaction():
            yield
            raise _RolledBack


@contextlib.asynccontextmanager
async def own_schema(
    conn: asyncpg.Connection, request: pytest.FixtureRequest, prefix: str
) -> AsyncIterator[str]:
    """An empty schema named after the running test (`prefix` keeps modules apart), dropped
    afterwards."""
    name = prefix + request.node.name.removeprefix("test_")[:40]
    await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")
    yield name
    await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


# -- pg_stat_statements -------------------------------------------------------------------------


async def run_repeatedly(conn: asyncpg.Connection, statement: str, times: int, *args: Any) -> None:
    """Runs `statement` `times` times, each a call pg_stat_statements counts."""
    for _ in range(times):
        await conn.fetch(statement, *args)


async def queryid_of(conn: asyncpg.Connection, fragment: str) -> int:
    """The queryid pg_stat_statements gives a statement of this database containing
    `fragment`."""
    queryid = await conn.fetchval(
        "SELECT queryid FROM pg_stat_statements WHERE query LIKE $1 "
        "AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1",
        f"%{fragment}%",
    )
    assert queryid is not None, fragment
    return int(queryid)
