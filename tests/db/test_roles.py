"""Least privilege: nothing at run time is a superuser, and each role can do only its job."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from pressroom.db.roles import Role


async def test_runtime_roles_are_not_superusers(owner: asyncpg.Connection) -> None:
    rows = await owner.fetch(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = ANY($1)",
        [r.value for r in Role],
    )
    assert {r["rolname"] for r in rows} == {r.value for r in Role}
    assert not any(r["rolsuper"] or r["rolcreaterole"] or r["rolcreatedb"] for r in rows)


async def test_reader_cannot_write(reader: asyncpg.Connection) -> None:
    assert await reader.fetchval("SELECT count(*) FROM pressroom.sites") >= 0
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await reader.execute(
            "INSERT INTO pressroom.sites (domain, name, language) VALUES ('r.example', 'r', 'en')"
        )
    # Even out of read-only mode, it lacks the privilege.
    await reader.execute("SET default_transaction_read_only = off")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await reader.execute(
            "INSERT INTO pressroom.sites (domain, name, language) VALUES ('r.example', 'r', 'en')"
        )


async def test_writer_writes_but_cannot_change_the_schema(writer: asyncpg.Connection) -> None:
    site_id = await writer.fetchval(
        "INSERT INTO pressroom.sites (domain, name, language) VALUES ('w.example', 'w', 'fa') RETURNING id"
    )
    assert site_id is not None
    # Ingestion creates partitions through the definer function, not by owning the tables.
    when = datetime(2011, 7, 1, tzinfo=UTC)
    assert await writer.fetchval("SELECT pressroom.ensure_month_partitions($1, $1)", when) == 2
    owner_of = "SELECT tableowner FROM pg_tables WHERE schemaname = 'pressroom' AND tablename = 'articles_p2011_07'"
    assert await writer.fetchval(owner_of) == Role.OWNER.value
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await writer.execute("CREATE TABLE pressroom.intruder (id int)")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await writer.execute("DROP TABLE pressroom.sites")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await writer.execute("DELETE FROM pressroom.alembic_version")


async def test_reader_sees_partitions_created_later(
    owner: asyncpg.Connection, reader: asyncpg.Connection
) -> None:
    await owner.execute(
        "SELECT pressroom.ensure_month_partitions($1, $1)", datetime(2005, 1, 1, tzinfo=UTC)
    )
    assert await reader.fetchval("SELECT count(*) FROM pressroom.articles_p2005_01") == 0
