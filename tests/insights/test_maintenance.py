"""Maintenance against real tables: dead rows with autovacuum off, a table never analyzed,
sequences near their end, a snapshot holding back vacuum, and a VACUUM caught in progress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from pressroom.insights import maintenance
from pressroom.insights.maintenance import Thresholds, age_status
from pressroom.insights.model import Options, Status
from pressroom.insights.target import Target
from tests.insights.helpers import connected, eventually, findings, rows, run_sql

INT4_MAX = 2**31 - 1


# Vacuum and analyze statistics reach the views more slowly than sessions do.
TIMEOUT_S = 15.0


@pytest.fixture
async def scratch(target: Target) -> AsyncIterator[list[str]]:
    """Objects a test creates ("TABLE name", "SEQUENCE name"), dropped afterwards."""
    created: list[str] = []
    yield created
    for kind_and_name in created:
        await target.conn.execute(f"DROP {kind_and_name} CASCADE")


async def test_healthy_database_passes(target: Target) -> None:
    section = await maintenance.inspect(target, Options())
    for check in (
        "maintenance.dead_rows",
        "maintenance.never_analyzed",
        "maintenance.wraparound",
        "maintenance.multixact_wraparound",
        "maintenance.sequences",
        "maintenance.vacuum_horizon",
        "maintenance.autovacuum",
    ):
        (finding,) = findings(section, check)
        assert finding.status is Status.PASS, finding
    databases = {row["database"] for row in rows(section, "Transaction ID age by database")}
    assert target.database in databases
    assert rows(section, "Oldest tables in this database")


async def test_dead_rows_with_autovacuum_off(
    target: Target, admin_dsn: str, scratch: list[str]
) -> None:
    scratch.append("TABLE IF EXISTS doctor_dead")
    await run_sql(
        admin_dsn,
        "CREATE TABLE doctor_dead (id int, pad text) WITH (autovacuum_enabled = off); "
        "INSERT INTO doctor_dead SELECT i, 'x' FROM generate_series(1, 50000) i; "
        "DELETE FROM doctor_dead WHERE id > 5000",
    )

    async def counted() -> bool:
        dead = await target.conn.fetchval(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'doctor_dead'"
        )
        return bool(dead and dead >= 45000)

    await eventually(counted, TIMEOUT_S)
    section = await maintenance.inspect(target, Options())
    (finding,) = findings(section, "maintenance.dead_rows")
    assert finding.status is Status.WARN
    assert finding.title == "public.doctor_dead: 90% dead rows"
    assert "autovacuum_enabled = off" in finding.detail
    assert finding.fix_sql == (
        "VACUUM (ANALYZE) public.doctor_dead;",
        "ALTER TABLE public.doctor_dead RESET (autovacuum_enabled);",
    )
    top = rows(section, "Vacuum and analyze by table")[0]
    assert top["table"] == "public.doctor_dead"
    assert top["dead rows"] >= 45000
    assert top["autovacuum"] == "off"
    assert top["status"] == "warn"

    # The fix works, and the check says so.
    await target.conn.execute(finding.fix_sql[0])
    section = await maintenance.inspect(target, Options())
    (finding,) = findings(section, "maintenance.dead_rows")
    assert finding.status is Status.PASS


async def test_table_never_analyzed(target: Target, admin_dsn: str, scratch: list[str]) -> None:
    scratch.append("TABLE IF EXISTS doctor_unanalyzed")
    # Autovacuum off: it would otherwise analyze the table before the test looks.
    await run_sql(
        admin_dsn,
        "CREATE TABLE doctor_unanalyzed (id int) WITH (autovacuum_enabled = off); "
        "INSERT INTO doctor_unanalyzed SELECT generate_series(1, 1000)",
    )

    async def reported() -> bool:
        section = await maintenance.inspect(target, Options())
        return any(
            f.title == "public.doctor_unanalyzed has never been analyzed"
            for f in findings(section, "maintenance.never_analyzed")
        )

    await eventually(reported, TIMEOUT_S)
    section = await maintenance.inspect(target, Options())
    (finding,) = [
        f for f in findings(section, "maintenance.never_analyzed") if "doctor_unanalyzed" in f.title
    ]
    assert finding.status is Status.WARN
    assert finding.fix_sql == ("ANALYZE public.doctor_unanalyzed;",)

    await target.conn.execute(finding.fix_sql[0])
    section = await maintenance.inspect(target, Options())
    assert all("doctor_unanalyzed" not in f.title for f in section.findings)


async def test_sequences_near_their_end(target: Target, scratch: list[str]) -> None:
    scratch += [
        "SEQUENCE IF EXISTS doctor_seq_small, doctor_seq_warn",
        "TABLE IF EXISTS doctor_int_ids, doctor_serial",
    ]
    await target.conn.execute(
        # An explicit MAXVALUE, nearly reached.
        "CREATE SEQUENCE doctor_seq_small MAXVALUE 100; "
        "SELECT setval('doctor_seq_small', 95); "
        "CREATE SEQUENCE doctor_seq_warn MAXVALUE 100; "
        "SELECT setval('doctor_seq_warn', 80); "
        # A bigint sequence feeding an integer column: the column runs out first.
        "CREATE TABLE doctor_int_ids (id integer NOT NULL, note text); "
        "CREATE SEQUENCE doctor_int_ids_seq AS bigint OWNED BY doctor_int_ids.id; "
        "ALTER TABLE doctor_int_ids ALTER id SET DEFAULT nextval('doctor_int_ids_seq'); "
        f"SELECT setval('doctor_int_ids_seq', {INT4_MAX - 1000}); "
        # A plain serial: an integer sequence and an integer column, 80% used.
        "CREATE TABLE doctor_serial (id serial PRIMARY KEY); "
        f"SELECT setval('doctor_serial_id_seq', {int(INT4_MAX * 0.8)})"
    )
    section = await maintenance.inspect(target, Options())
    by_title = {f.title.split(" is ")[0]: f for f in findings(section, "maintenance.sequences")}

    small = by_title["public.doctor_seq_small"]
    assert small.status is Status.FAIL
    assert small.fix_sql == ("ALTER SEQUENCE public.doctor_seq_small NO MAXVALUE;",)
    assert "5 values left" in small.detail

    assert by_title["public.doctor_seq_warn"].status is Status.WARN

    int_ids = by_title["public.doctor_int_ids_seq"]
    assert int_ids.status is Status.FAIL
    assert "integer column public.doctor_int_ids.id" in int_ids.detail
    assert "bigint sequence goes further" in int_ids.detail
    assert int_ids.fix_sql == ("ALTER TABLE public.doctor_int_ids ALTER COLUMN id TYPE bigint;",)
    assert "rewrites the whole table" in (int_ids.advice or "")

    serial = by_title["public.doctor_serial_id_seq"]
    assert serial.status is Status.WARN
    assert serial.fix_sql == (
        "ALTER SEQUENCE public.doctor_serial_id_seq AS bigint;",
        "ALTER TABLE public.doctor_serial ALTER COLUMN id TYPE bigint;",
    )

    table = {row["sequence"]: row for row in rows(section, "Sequences by range used")}
    assert table["public.doctor_int_ids_seq"]["limit"] == INT4_MAX
    assert table["public.doctor_int_ids_seq"]["values left"] == 1000
    assert table["public.doctor_int_ids_seq"]["columns"] == "public.doctor_int_ids.id (integer)"

    # The suggested statements are valid and remove the problem.
    for statement in (*int_ids.fix_sql, *serial.fix_sql, *small.fix_sql):
        await target.conn.execute(statement)
    section = await maintenance.inspect(target, Options())
    remaining = {f.title.split(" is ")[0] for f in findings(section, "maintenance.sequences")}
    assert remaining == {"public.doctor_seq_warn"}


async def test_open_snapshot_holds_back_vacuum(target: Target, admin_dsn: str) -> None:
    async with connected(admin_dsn) as holder:
        await holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")
        pid = holder.get_server_pid()
        limits = Thresholds(horizon_seconds=0.1)

        async def reported() -> bool:
            section = await maintenance.inspect(target, Options(), limits)
            (finding,) = findings(section, "maintenance.vacuum_horizon")
            return finding.status is Status.WARN and f"pid {pid}" in finding.title

        await eventually(reported, TIMEOUT_S)
        section = await maintenance.inspect(target, Options(), limits)
        holders = rows(section, "What holds the vacuum horizon")
        assert any(row["holder"] == f"pid {pid}" and row["kind"] == "session" for row in holders)
        # With the default hour, a fresh snapshot is no finding.
        section = await maintenance.inspect(target, Options())
        (finding,) = findings(section, "maintenance.vacuum_horizon")
        assert finding.status is Status.PASS


async def test_running_vacuum_is_listed(target: Target, admin_dsn: str, scratch: list[str]) -> None:
    scratch.append("TABLE IF EXISTS doctor_pinned")
    await target.conn.execute(
        "CREATE TABLE doctor_pinned (id int) WITH (autovacuum_enabled = off); "
        "INSERT INTO doctor_pinned SELECT generate_series(1, 1000)"
    )
    async with connected(admin_dsn) as pin, connected(admin_dsn) as vacuum:
        # An open cursor keeps the first page pinned; a freezing VACUUM needs that page to
        # itself and waits, visible in pg_stat_progress_vacuum.
        await pin.execute(
            "BEGIN; DECLARE doctor_cursor CURSOR FOR SELECT * FROM doctor_pinned; "
            "FETCH 1 FROM doctor_cursor"
        )
        running = asyncio.create_task(vacuum.execute("VACUUM (FREEZE) doctor_pinned"))

        async def listed() -> bool:
            section = await maintenance.inspect(target, Options())
            return any(
                row["table"] == "public.doctor_pinned"
                for row in rows(section, "Vacuums running now")
            )

        try:
            await eventually(listed, TIMEOUT_S)
            section = await maintenance.inspect(target, Options())
            (row,) = [
                r
                for r in rows(section, "Vacuums running now")
                if r["table"] == "public.doctor_pinned"
            ]
            assert row["pid"] == vacuum.get_server_pid()
            assert row["kind"] == "VACUUM"
            assert row["database"] == target.database
            (finding,) = findings(section, "maintenance.autovacuum")
            assert finding.status is Status.PASS
        finally:
            await pin.execute("COMMIT")
            await asyncio.wait_for(running, 15)


def test_age_thresholds() -> None:
    limits = Thresholds()
    assert age_status(200_000_000, 200_000_000, limits) is Status.PASS
    # Past 1.5 × autovacuum_freeze_max_age: forced vacuums are not finishing.
    assert age_status(300_000_001, 200_000_000, limits) is Status.WARN
    # A high autovacuum_freeze_max_age does not hide an age past 500 million.
    assert age_status(500_000_001, 1_000_000_000, limits) is Status.WARN
    assert age_status(1_200_000_001, 1_500_000_000, limits) is Status.FAIL
