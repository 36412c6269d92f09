"""Where the space goes and how fast it grows: the largest tables (heap, TOAST and indexes apart),
partitioned tables and their default partitions, tables swollen with empty pages, and growth
over time from the snapshots.

- Sizes are read from the files (pg_relation_size and friends), row counts are the planner's
  estimates (pg_class.reltuples, or the statistics' live rows before the first ANALYZE).
- A default partition takes the rows no other partition accepts. For a range-partitioned table
  rows there almost always mean a partition is missing (next month's was never created), and
  they stay in the way: a partition for their range cannot be created until they are moved out.
  Whether it holds rows is checked by reading it (up to a few thousand rows, under a lock
  timeout), not from statistics, which may lag.
- Table bloat is estimated from statistics (see insights/bloat.py); rewriting a table to give
  the space back locks it, so it is only advised when a lot can be won.
- Growth needs history: the snapshots (`pressroom doctor snapshot`, or the dashboard server
  taking them) record every relation's size; the section charts the database and the fastest
  growing tables over the asked window.

How much disk is left cannot be seen from a database connection (it depends on the host, the
file system and on whatever else lives there), so the section does not guess it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from pressroom.insights.bloat import MEASURE_COLUMNS, BloatReport, table_bloat
from pressroom.insights.formatting import human_bytes, human_number
from pressroom.insights.model import (
    Chart,
    Column,
    Finding,
    Kind,
    Options,
    Section,
    Series,
    Status,
    Table,
)
from pressroom.insights.snapshots import SizePoint, database_history, size_history
from pressroom.insights.target import Target

NAME = "space"
TITLE = "Space"

MB = 1024 * 1024
# A table that autovacuum keeps up with carries up to autovacuum_vacuum_scale_factor (20%) of
# dead rows plus the free space it reuses; half empty is beyond that. Below 100 MB of waste a
# rewrite (which locks the table, or needs pg_repack) is not worth it.
TABLE_BLOAT_RATIO = 0.50
TABLE_BLOAT_MIN_BYTES = 100 * MB
# Counting a default partition's rows stops here: enough to say how bad it is, cheap to read.
DEFAULT_ROWS_COUNT_LIMIT = 10_000
# Reading a default partition must never wait behind DDL holding it.
COUNT_LOCK_TIMEOUT = "1s"
GROWTH_CHART_SERIES = 5
SECONDS_PER_DAY = 86_400
# A day's growth extrapolated from minutes says more about the minutes than about the day.
MIN_RATE_SPAN_SECONDS = 3_600
# Kinds of the snapshots whose sizes include everything they own (TOAST, indexes, partitions);
# partitions and indexes are counted inside them.
GROWTH_KINDS = ("table", "partitioned table", "materialized view")
SNAPSHOT_HINT = (
    "Growth appears once snapshots exist: run `pressroom doctor snapshot` now and later, or let "
    "the dashboard server take them (every insights_snapshot_interval_s)."
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When table bloat warns; tests lower them instead of writing 100 MB."""

    table_bloat_ratio: float = TABLE_BLOAT_RATIO
    table_bloat_bytes: int = TABLE_BLOAT_MIN_BYTES


USER_SCHEMAS = """
n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
"""

DATABASE = """
SELECT current_database() AS database, pg_database_size(current_database()) AS size_bytes
"""

# Leaf tables with their main fork (with free space and visibility maps), TOAST, and indexes.
# reltuples is -1 (PostgreSQL 14+) before the first VACUUM or ANALYZE; the statistics' live
# rows stand in then.
LARGEST_TABLES = f"""
SELECT format('%I.%I', n.nspname, c.relname) AS table_name,
       CASE WHEN c.relkind = 'm' THEN 'materialized view'
            WHEN c.relispartition THEN 'partition' ELSE 'table' END AS kind,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE s.n_live_tup END AS row_estimate,
       pg_table_size(c.oid) - sizes.toast_bytes AS table_bytes,
       sizes.toast_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       pg_total_relation_size(c.oid) AS total_bytes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
 CROSS JOIN LATERAL (
       SELECT coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast_bytes
       ) sizes
 WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND {USER_SCHEMAS}
 ORDER BY total_bytes DESC, table_name
"""  # noqa: S608 - constant fragments; every value is a bound parameter

# Every partitioned table (nested ones too), its leaves' total, and its default partition.
PARTITIONED = f"""
SELECT format('%I.%I', n.nspname, c.relname) AS table_name,
       pg_get_partkeydef(c.oid) AS partition_key,
       CASE WHEN c.relispartition THEN
           (SELECT format('%I.%I', rn.nspname, r.relname)
              FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
             WHERE r.oid = pg_partition_root(c.oid))
       END AS root,
       (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)::int AS partitions,
       (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0)::bigint
          FROM pg_partition_tree(c.oid) t WHERE t.isleaf) AS total_bytes,
       format('%I.%I', dn.nspname, d.relname) AS default_name,
       (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0)::bigint
          FROM pg_partition_tree(d.oid) t WHERE t.isleaf) AS default_bytes,
       (SELECT sum(greatest(dc.reltuples, ds.n_live_tup, 0))::bigint
          FROM pg_partition_tree(d.oid) t
          JOIN pg_class dc ON dc.oid = t.relid
          LEFT JOIN pg_stat_all_tables ds ON ds.relid = t.relid
         WHERE t.isleaf) AS default_estimate
  FROM pg_partitioned_table pt
  JOIN pg_class c ON c.oid = pt.partrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class d ON d.oid = pt.partdefid
  LEFT JOIN pg_namespace dn ON dn.oid = d.relnamespace
 WHERE c.relpersistence <> 't' AND {USER_SCHEMAS}
 ORDER BY total_bytes DESC, table_name
"""  # noqa: S608 - constant fragments; every value is a bound parameter

COUNT_LOCK = "SELECT set_config('lock_timeout', $1, true)"
DEFAULT_PARTITION_STEPS = (
    "Find the key values in the default partition, then move them out in one transaction: "
    "ALTER TABLE <parent> DETACH PARTITION <default>; CREATE TABLE the missing partition(s) "
    "PARTITION OF <parent> FOR VALUES ...; INSERT INTO <parent> SELECT * FROM <default> (rows "
    "now land in the new partitions); TRUNCATE <default>; ALTER TABLE <parent> ATTACH "
    "PARTITION <default> DEFAULT. Then make sure future partitions are created ahead of time. "
    "If the default partition is meant as a catch-all (a list partition for rare values, say), "
    "this is expected."
)


def count_rows_sql(relation: str) -> str:
    """A bounded row count of `relation`, a name quoted by the server (format('%I.%I'))."""
    return f"SELECT count(*) FROM (SELECT FROM {relation} LIMIT $1) r"  # noqa: S608 - a quoted name


# -- sizes --------------------------------------------------------------------------------------


async def database_table(target: Target) -> Table:
    row = await target.conn.fetchrow(DATABASE)
    assert row is not None
    return Table(
        "Database",
        (Column("database"), Column("size", Kind.BYTES)),
        [(row["database"], row["size_bytes"])],
        note="pg_database_size: every table, index, TOAST and free space map of this database. "
        "How much disk is left cannot be seen from a connection: look at the host or the "
        "provider's console (WAL and other databases share that disk).",
    )


async def largest_tables(target: Target, limit: int) -> Table:
    rows = await target.conn.fetch(LARGEST_TABLES)
    total = sum(row["total_bytes"] for row in rows)
    return Table(
        "Largest tables",
        (
            Column("table"),
            Column("kind"),
            Column("rows (estimate)", Kind.NUMBER),
            Column("heap", Kind.BYTES),
            Column("toast", Kind.BYTES),
            Column("indexes", Kind.BYTES),
            Column("total", Kind.BYTES),
        ),
        [
            (
                row["table_name"],
                row["kind"],
                row["row_estimate"],
                row["table_bytes"],
                row["toast_bytes"],
                row["index_bytes"],
                row["total_bytes"],
            )
            for row in rows[:limit]
        ],
        note=f"{len(rows)} tables, {human_bytes(total)} in all; "
        + (f"the largest {limit} are listed. " if len(rows) > limit else "")
        + "heap: the rows themselves; toast: values too large to keep in the row; rows are the "
        "planner's estimates.",
    )


# -- partitions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partitioned:
    table: str
    key: str
    root: str | None
    partitions: int
    total_bytes: int
    default: str | None
    default_bytes: int | None
    default_rows: int | None  # counted up to DEFAULT_ROWS_COUNT_LIMIT, then the estimate
    default_rows_counted: bool  # False: the partition could not be read, the estimate stands


async def count_default_rows(conn: asyncpg.Connection, relation: str) -> int | None:
    """Rows in `relation`, counted up to DEFAULT_ROWS_COUNT_LIMIT; None when it cannot be read
    (no SELECT privilege, locked, too slow)."""
    try:
        async with conn.transaction():
            await conn.execute(COUNT_LOCK, COUNT_LOCK_TIMEOUT)
            counted: int = await conn.fetchval(count_rows_sql(relation), DEFAULT_ROWS_COUNT_LIMIT)
            return counted
    except (
        asyncpg.InsufficientPrivilegeError,
        asyncpg.LockNotAvailableError,
        asyncpg.QueryCanceledError,
        asyncpg.UndefinedTableError,  # dropped since the catalogue was read
    ):
        return None


async def partitioned_tables(conn: asyncpg.Connection) -> list[Partitioned]:
    found = []
    for row in await conn.fetch(PARTITIONED):
        default = row["default_name"]
        rows, counted = None, False
        if default is not None:
            exact = await count_default_rows(conn, default)
            counted = exact is not None
            estimate = row["default_estimate"] or 0
            if exact is None:
                rows = estimate
            elif exact >= DEFAULT_ROWS_COUNT_LIMIT:
                rows = max(exact, estimate)
            else:
                rows = exact
        found.append(
            Partitioned(
                table=row["table_name"],
                key=row["partition_key"],
                root=row["root"],
                partitions=row["partitions"],
                total_bytes=row["total_bytes"],
                default=default,
                default_bytes=row["default_bytes"] if default is not None else None,
                default_rows=rows,
                default_rows_counted=counted,
            )
        )
    return found


def partitions_table(partitioned: Sequence[Partitioned], limit: int) -> Table:
    return Table(
        "Partitioned tables",
        (
            Column("table"),
            Column("partition key"),
            Column("partitions", Kind.NUMBER),
            Column("size", Kind.BYTES),
            Column("default partition"),
            Column("default size", Kind.BYTES),
            Column("default rows", Kind.NUMBER),
            Column("partition of"),
        ),
        [
            (
                p.table,
                p.key,
                p.partitions,
                p.total_bytes,
                p.default,
                p.default_bytes,
                p.default_rows,
                p.root,
            )
            for p in partitioned[:limit]
        ],
        note=(
            "No partitioned tables."
            if not partitioned
            else "Partitions: direct partitions; size: all leaf partitions with their TOAST and "
            f"indexes. Default rows are counted up to {DEFAULT_ROWS_COUNT_LIMIT:,}, beyond that "
            "(or when the partition cannot be read) estimated."
            + (f" The largest {limit} are listed." if len(partitioned) > limit else "")
        ),
    )


def default_partition_finding(partitioned: Sequence[Partitioned]) -> Finding:
    filled = sorted(
        (p for p in partitioned if p.default and p.default_rows),
        key=lambda p: (-(p.default_rows or 0), p.table),
    )
    if not filled:
        with_default = sum(1 for p in partitioned if p.default)
        return Finding(
            check="space.default_partitions",
            title="No rows in default partitions",
            status=Status.PASS,
            detail=(
                "There are no partitioned tables."
                if not partitioned
                else f"{len(partitioned)} partitioned table(s), {with_default} with a default "
                "partition; every default partition is empty, so every row found its partition."
            ),
        )
    first = filled[0]
    rows = human_number(first.default_rows or 0)
    counted = "" if first.default_rows_counted else " (estimated: it could not be read)"
    return Finding(
        check="space.default_partitions",
        title=f"{len(filled)} default partition(s) hold rows",
        status=Status.WARN,
        detail=f"{first.default} holds {rows} row(s){counted}, "
        f"{human_bytes(first.default_bytes or 0)}: rows that no partition of {first.table} "
        f"({first.key}) accepts. That usually means a partition is missing, "
        "for example the next period's was never created. Queries for those keys cannot be "
        "pruned to one small partition, and as long as the rows stay, creating the partition "
        "they belong to fails (the default partition would violate its new constraint).",
        advice=f"{DEFAULT_PARTITION_STEPS} Tables: "
        + ", ".join(f"{p.table} (default {p.default})" for p in filled)
        + ".",
    )


# -- table bloat --------------------------------------------------------------------------------


def table_bloat_finding(
    target: Target, report: BloatReport, thresholds: Thresholds, limit: int
) -> tuple[Finding, Table]:
    large = [
        b
        for b in report.estimates
        if b.is_large(thresholds.table_bloat_ratio, thresholds.table_bloat_bytes)
    ]
    notes = [
        "An estimate from pg_stats and pg_class, as fresh as the last VACUUM or ANALYZE; "
        "TOAST is not included."
    ]
    if report.unestimated:
        notes.append(
            f"{len(report.unestimated)} table(s) are not estimated: they have no statistics "
            "this role can read (never analyzed: ANALYZE them; or no SELECT privilege on them)."
        )
    table = Table(
        "Estimated table bloat",
        (Column("table"), *MEASURE_COLUMNS),
        [(b.relation, *b.measures()) for b in report.estimates[:limit]],
        note=" ".join(notes),
    )
    if not large:
        return (
            Finding(
                check="space.bloat",
                title="No badly bloated tables",
                status=Status.PASS,
                detail="No table is estimated to be more than "
                f"{thresholds.table_bloat_ratio:.0%} empty space and over "
                f"{human_bytes(thresholds.table_bloat_bytes)} of it.",
            ),
            table,
        )
    top = large[0]
    repack = (
        "pg_repack is installed here: `pg_repack --dbname=<database> --table=<table>` rewrites "
        "a table online (it needs a primary key or a unique index on NOT NULL columns)."
        if "pg_repack" in target.installed
        else "To rewrite without the long lock use pg_repack (an extension and a client "
        "program; it needs a primary key or a unique index on NOT NULL columns)."
    )
    return (
        Finding(
            check="space.bloat",
            title=f"{len(large)} bloated table(s), about "
            f"{human_bytes(sum(b.wasted_bytes for b in large))} of empty space",
            status=Status.WARN,
            detail=f"{top.relation} is {human_bytes(top.actual_bytes)} but would be about "
            f"{human_bytes(top.expected_bytes)} freshly written ({top.ratio:.0%} empty space). "
            "VACUUM makes the space reusable by the same table but gives it back to the "
            "operating system only from the end of the file; sequential scans still read the "
            "empty pages.",
            advice="First find why: a long transaction or an abandoned replication slot holding "
            "vacuum back, or autovacuum too slow for the update rate (pressroom doctor "
            "maintenance); otherwise the table bloats again. Then rewrite it: VACUUM FULL takes "
            "an ACCESS EXCLUSIVE lock (no reads, no writes) for the whole rewrite and needs "
            f"free disk for the new copy, so run it in a maintenance window. {repack}",
            fix_sql=tuple(f"VACUUM (FULL, ANALYZE) {b.relation};" for b in large[:limit]),
        ),
        table,
    )


# -- growth -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Growth:
    relation: str
    kind: str
    first_at: datetime
    last_at: datetime
    start_bytes: int
    end_bytes: int

    @property
    def grown_bytes(self) -> int:
        return self.end_bytes - self.start_bytes

    @property
    def per_day(self) -> float | None:
        seconds = (self.last_at - self.first_at).total_seconds()
        if seconds < MIN_RATE_SPAN_SECONDS:
            return None
        return self.grown_bytes * SECONDS_PER_DAY / seconds


def growth_of(points: Sequence[SizePoint]) -> list[Growth]:
    """Each table's size at its first and last snapshot in the window, fastest growing first.

    A table created during the window starts at its first snapshot, not at zero."""
    series: dict[str, list[SizePoint]] = defaultdict(list)
    for point in points:
        if point.kind in GROWTH_KINDS:
            series[point.relation].append(point)
    growth = []
    for relation, seen in series.items():
        seen.sort(key=lambda p: p.taken_at)
        first, last = seen[0], seen[-1]
        growth.append(
            Growth(
                relation,
                last.kind,
                first.taken_at,
                last.taken_at,
                first.total_bytes,
                last.total_bytes,
            )
        )
    growth.sort(key=lambda g: (-g.grown_bytes, g.relation))
    return growth


def growth_charts(
    points: Sequence[SizePoint], growth: Sequence[Growth], database: list[tuple[datetime, float]]
) -> list[Chart]:
    charts = []
    if len(database) > 1:
        charts.append(Chart("Database size", Kind.BYTES, [Series("database", database)]))
    top = [g.relation for g in growth if g.grown_bytes > 0][:GROWTH_CHART_SERIES]
    if top:
        by_relation: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
        for point in points:
            if point.relation in top and point.kind in GROWTH_KINDS:
                by_relation[point.relation].append((point.taken_at, float(point.total_bytes)))
        charts.append(
            Chart(
                "Fastest growing tables",
                Kind.BYTES,
                [Series(name, sorted(by_relation[name])) for name in top],
            )
        )
    return charts


def growth_table(points: Sequence[SizePoint], growth: Sequence[Growth], limit: int) -> Table:
    snapshots = sorted({point.taken_at for point in points})
    if not snapshots:
        note = SNAPSHOT_HINT
    elif len(snapshots) == 1:
        note = (
            f"One snapshot in this window ({snapshots[0]:%Y-%m-%d %H:%M:%S %Z}); growth needs "
            "two. " + SNAPSHOT_HINT
        )
    else:
        note = (
            f"From {len(snapshots)} snapshots, {snapshots[0]:%Y-%m-%d %H:%M:%S %Z} to "
            f"{snapshots[-1]:%Y-%m-%d %H:%M:%S %Z}. Sizes include TOAST and indexes; a "
            "partitioned table's, all its partitions'. Growth per day is extrapolated from the "
            "window when it spans an hour or more."
        )
        if len(growth) > limit:
            note += f" The {limit} fastest growing are listed."
    rows = (
        [
            (g.relation, g.kind, g.start_bytes, g.end_bytes, g.grown_bytes, g.per_day)
            for g in growth[:limit]
        ]
        if len(snapshots) > 1
        else []
    )
    return Table(
        "Growth",
        (
            Column("table"),
            Column("kind"),
            Column("at start", Kind.BYTES),
            Column("at end", Kind.BYTES),
            Column("growth", Kind.BYTES),
            Column("growth per day", Kind.BYTES),
        ),
        rows,
        note=note,
    )


async def growth(target: Target, options: Options) -> tuple[Table, list[Chart]]:
    points = await size_history(target.conn, options.since, options.until)
    history = await database_history(target.conn, options.since, options.until)
    database = [(p.taken_at, float(p.size_bytes)) for p in history]
    grown = growth_of(points)
    return growth_table(points, grown, options.limit), growth_charts(points, grown, database)


# -- the section --------------------------------------------------------------------------------


async def inspect(
    target: Target, options: Options, thresholds: Thresholds | None = None
) -> Section:
    limits = thresholds or Thresholds()
    section = Section(NAME, TITLE)
    section.tables.append(await database_table(target))
    section.tables.append(await largest_tables(target, options.limit))

    partitioned = await partitioned_tables(target.conn)
    section.findings.append(default_partition_finding(partitioned))
    section.tables.append(partitions_table(partitioned, options.limit))

    finding, table = table_bloat_finding(
        target, await table_bloat(target.conn), limits, options.limit
    )
    section.findings.append(finding)
    section.tables.append(table)

    table, charts = await growth(target, options)
    section.tables.append(table)
    section.charts.extend(charts)
    return section
