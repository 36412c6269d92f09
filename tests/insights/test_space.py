"""The space section against real tables: sizes, a partitioned table whose default partition
holds rows, a bloated table (and the same table rewritten), and growth between two snapshots.

Each test builds its own schema and drops it afterwards; pressroom's own schema stays (its
tables are empty, its default partitions too)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pressroom.insights import space
from pressroom.insights.bloat import table_bloat
from pressroom.insights.model import Kind, Options, Section, Status
from pressroom.insights.snapshots import take_snapshot
from pressroom.insights.space import Thresholds
from pressroom.insights.target import Target
from tests.insights.helpers import finding, own_schema, rows, table

# Thresholds a test-sized table crosses: a megabyte of waste instead of 100 MB.
SMALL_BLOAT = Thresholds(table_bloat_bytes=1024 * 1024)


async def inspect(target: Target, thresholds: Thresholds | None = None, **options: Any) -> Section:
    return await space.inspect(target, Options(limit=100, **options), thresholds)


@pytest.fixture
async def schema(target: Target, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    async with own_schema(target.conn, request, "s_") as name:
        yield name


async def test_growth_waits_for_snapshots(target: Target) -> None:
    """Before any snapshot the growth table says how to get one; there is nothing to chart."""
    await target.conn.execute("DROP SCHEMA IF EXISTS pressroom_insights CASCADE")
    section = await inspect(target)
    assert section.name == "space"
    assert [f.check for f in section.findings] == ["space.default_partitions", "space.bloat"]
    growth = table(section, "Growth")
    assert growth.rows == []
    assert "pressroom doctor snapshot" in (growth.note or "")
    assert section.charts == []


async def test_sizes_and_partitions_without_rows_in_default(target: Target, schema: str) -> None:
    s = schema
    await target.conn.execute(
        f"""
        CREATE TABLE {s}.wide (id int PRIMARY KEY, body text);
        INSERT INTO {s}.wide
            SELECT i, (SELECT string_agg(md5(i::text || j::text), '') FROM generate_series(1, 100) j)
              FROM generate_series(1, 300) i;
        CREATE TABLE {s}.log (at date, n int) PARTITION BY RANGE (at);
        CREATE TABLE {s}.log_2024 PARTITION OF {s}.log
            FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE {s}.log_rest PARTITION OF {s}.log DEFAULT;
        INSERT INTO {s}.log SELECT date '2024-01-01' + i % 300, i FROM generate_series(1, 1000) i;
        ANALYZE {s}.wide, {s}.log;
        """
    )
    section = await inspect(target)
    (database,) = rows(section, "Database")
    assert database["size"] > 0
    largest = {row["table"]: row for row in rows(section, "Largest tables")}
    wide = largest[f"{s}.wide"]
    assert wide["kind"] == "table"
    assert wide["rows (estimate)"] == 300
    # 3 kB values of hex digits barely compress and are moved out of line: most of the table
    # is TOAST.
    assert wide["toast"] > wide["heap"] > 0
    assert wide["indexes"] > 0
    assert wide["total"] == wide["heap"] + wide["toast"] + wide["indexes"]
    assert largest[f"{s}.log_2024"]["kind"] == "partition"

    partitioned = {row["table"]: row for row in rows(section, "Partitioned tables")}
    log = partitioned[f"{s}.log"]
    assert log["partition key"] == "RANGE (at)"
    assert log["partitions"] == 2
    assert log["default partition"] == f"{s}.log_rest"
    assert log["default rows"] == 0
    assert log["size"] >= largest[f"{s}.log_2024"]["total"]
    assert finding(section, "space.default_partitions").status is Status.PASS


async def test_rows_in_a_default_partition_warn(target: Target, schema: str) -> None:
    s = schema
    await target.conn.execute(
        f"""
        CREATE TABLE {s}."Readings" (at date, value int) PARTITION BY RANGE (at);
        CREATE TABLE {s}.readings_2024 PARTITION OF {s}."Readings"
            FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE {s}."Readings Default" PARTITION OF {s}."Readings" DEFAULT;
        INSERT INTO {s}."Readings" SELECT date '2024-06-01', i FROM generate_series(1, 50) i;
        -- 2025 has no partition: these land in the default one.
        INSERT INTO {s}."Readings" SELECT date '2025-02-01', i FROM generate_series(1, 30) i;
        """
    )
    section = await inspect(target)
    default = finding(section, "space.default_partitions")
    assert default.status is Status.WARN
    assert f'{s}."Readings Default" holds 30 row(s)' in default.detail
    assert f'{s}."Readings"' in (default.advice or "")
    (row,) = [r for r in rows(section, "Partitioned tables") if r["table"] == f'{s}."Readings"']
    assert row["default rows"] == 30
    assert row["default size"] > 0

    # Moved into a partition of their own, the rows leave the default partition empty.
    await target.conn.execute(
        f"""
        BEGIN;
        ALTER TABLE {s}."Readings" DETACH PARTITION {s}."Readings Default";
        CREATE TABLE {s}.readings_2025 PARTITION OF {s}."Readings"
            FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO {s}."Readings" SELECT * FROM {s}."Readings Default";
        TRUNCATE {s}."Readings Default";
        ALTER TABLE {s}."Readings" ATTACH PARTITION {s}."Readings Default" DEFAULT;
        COMMIT;
        """
    )
    assert finding(await inspect(target), "space.default_partitions").status is Status.PASS


async def test_bloated_table_gets_a_rewrite(target: Target, schema: str) -> None:
    s = schema
    await target.conn.execute(
        f"""
        CREATE TABLE {s}."Bloated Table" (id int, flag boolean, label text, at timestamptz);
        INSERT INTO {s}."Bloated Table"
            SELECT i, i % 2 = 0, 'label ' || i, now() FROM generate_series(1, 40000) i;
        """
    )
    await target.conn.execute(f'VACUUM ANALYZE {s}."Bloated Table"')
    # Freshly written, the estimate matches the table within a few percent.
    fresh = {b.relation: b for b in (await table_bloat(target.conn)).estimates}
    assert fresh[f'{s}."Bloated Table"'].ratio < 0.05
    assert finding(await inspect(target, SMALL_BLOAT), "space.bloat").status is Status.PASS

    await target.conn.execute(f'DELETE FROM {s}."Bloated Table" WHERE id % 10 <> 0')
    await target.conn.execute(f'VACUUM ANALYZE {s}."Bloated Table"')
    section = await inspect(target, SMALL_BLOAT)
    bloat = finding(section, "space.bloat")
    assert bloat.status is Status.WARN
    assert bloat.fix_sql == (f'VACUUM (FULL, ANALYZE) {s}."Bloated Table";',)
    assert "ACCESS EXCLUSIVE" in (bloat.advice or "")
    assert "pg_repack" in (bloat.advice or "")
    (row,) = [
        r for r in rows(section, "Estimated table bloat") if r["table"] == f'{s}."Bloated Table"'
    ]
    assert row["bloat %"] > 80
    # At the default thresholds (100 MB of waste) a table this small never warns.
    assert finding(await inspect(target), "space.bloat").status is Status.PASS

    await target.conn.execute(bloat.fix_sql[0])
    assert finding(await inspect(target, SMALL_BLOAT), "space.bloat").status is Status.PASS


async def test_growth_between_two_snapshots(target: Target, schema: str) -> None:
    s = schema
    await target.conn.execute(f"CREATE TABLE {s}.growing (id int, body text)")
    started = datetime.now(UTC) - timedelta(seconds=1)
    before = await take_snapshot(target.conn)
    await target.conn.execute(
        f"INSERT INTO {s}.growing SELECT i, md5(i::text) FROM generate_series(1, 20000) i"
    )
    after = await take_snapshot(target.conn)

    section = await inspect(target, since=started)
    growth = {row["table"]: row for row in rows(section, "Growth")}
    grown = growth[f"{s}.growing"]
    assert grown["kind"] == "table"
    assert grown["at start"] < 64 * 1024  # empty: a page or two of TOAST index
    assert grown["at end"] > 1024 * 1024
    assert grown["growth"] == grown["at end"] - grown["at start"]
    # Seconds apart: too short a window to extrapolate a day from.
    assert grown["growth per day"] is None
    assert next(iter(growth)) == f"{s}.growing"  # the fastest growing first

    charts = {chart.title: chart for chart in section.charts}
    (database,) = charts["Database size"].series
    assert charts["Database size"].unit is Kind.BYTES
    assert [at for at, _ in database.points] == [before, after]
    assert database.points[1][1] > database.points[0][1]
    fastest = charts["Fastest growing tables"].series
    assert fastest[0].name == f"{s}.growing"
    assert [size for _, size in fastest[0].points] == [
        float(grown["at start"]),
        float(grown["at end"]),
    ]

    # A window with no snapshot in it has nothing to say about growth.
    later = await inspect(target, since=after + timedelta(seconds=1))
    assert rows(later, "Growth") == []
    assert later.charts == []
