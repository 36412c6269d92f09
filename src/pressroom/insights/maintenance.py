"""Vacuum, analyze and the limits that only maintenance keeps away: dead rows, missing
statistics, transaction ID wraparound and sequences running out.

Dead rows: an UPDATE or DELETE leaves the old row version behind until vacuum removes it; while
it stays, scans read it and the table grows. Autovacuum vacuums a table once its dead rows pass
autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor × rows (50 + 20% by default), so a
table holding well over 20% dead rows means autovacuum is off for it, falling behind, or unable to
remove them because something holds back the xmin horizon: a long transaction, a forgotten
prepared transaction or a replication slot (the "vacuum horizon" check names them).

Wraparound: transaction IDs are 32 bits. Vacuum freezes old rows so that their IDs can be reused;
age(datfrozenxid) is how far the oldest unfrozen row of a database lags. Autovacuum starts forced
("to prevent wraparound") vacuums at autovacuum_freeze_max_age (200 million by default); an age
well past that means those vacuums cannot finish, and at about 2.1 billion (2^31) PostgreSQL stops
accepting writes until a manual VACUUM completes. Multixact IDs (row locks shared by several
transactions) have the same limit and their own autovacuum_multixact_freeze_max_age.

Sequences: a sequence stops at its MAXVALUE, and a column fed by it stops at its type's limit,
whichever comes first; an `integer` id column behind a `bigint` sequence (a table created before
PostgreSQL 10, or a sequence altered later) fails at 2,147,483,647 with "integer out of range".

Table statistics (pg_stat_user_tables) are per database: the tables listed are those of the
database the doctor is connected to; the wraparound ages cover every database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from pressroom.insights.formatting import human_number, human_seconds
from pressroom.insights.model import Column, Finding, Kind, Options, Section, Status, Table
from pressroom.insights.target import Target

NAME = "maintenance"
TITLE = "Maintenance"

# PostgreSQL refuses new transaction IDs a few million short of 2^31 to leave room for the
# VACUUM that rescues it.
WRAPAROUND_LIMIT = 2**31
TYPE_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When maintenance problems become findings; tests lower some of them."""

    dead_rows: int = 10_000
    dead_fraction: float = 0.2
    # Autovacuum analyzes a table after 50 changed rows plus 10%, so a handful of rows can stay
    # unanalyzed forever, and the planner's guess for a tiny table costs nothing.
    never_analyzed_rows: int = 1000
    # Ages: WARN past autovacuum_freeze_max_age × 1.5 (forced vacuums are failing) or past
    # 500 million whatever the setting; FAIL past 1.2 billion, over half of the 2^31 range.
    freeze_warn_factor: float = 1.5
    age_warn: int = 500_000_000
    age_fail: int = 1_200_000_000
    sequence_warn_percent: float = 75.0
    sequence_fail_percent: float = 90.0
    # What holds back the vacuum horizon: a transaction open this long, or this many
    # transaction IDs behind.
    horizon_seconds: float = 3600.0
    horizon_xid_age: int = 10_000_000


async def inspect(
    target: Target, options: Options, thresholds: Thresholds | None = None
) -> Section:
    limits = thresholds or Thresholds()
    section = Section(NAME, TITLE)
    conn = target.conn

    tables = [TableStats.of(row) for row in await conn.fetch(TABLE_STATS)]
    section.findings += dead_row_findings(tables, limits, options.limit)
    section.findings += never_analyzed_findings(tables, limits, options.limit)
    section.tables.append(vacuum_table(tables, limits, options.limit))

    freeze = await conn.fetchrow(FREEZE_SETTINGS)
    assert freeze is not None
    databases = await conn.fetch(DATABASE_AGES)
    oldest_tables = await conn.fetch(TABLE_AGES, options.limit)
    section.findings.append(
        wraparound_finding(
            "maintenance.wraparound",
            "transaction ID",
            "xid_age",
            freeze["freeze_max_age"],
            databases,
            oldest_tables,
            target.database,
            limits,
        )
    )
    section.findings.append(
        wraparound_finding(
            "maintenance.multixact_wraparound",
            "multixact ID",
            "mxid_age",
            freeze["multixact_freeze_max_age"],
            databases,
            oldest_tables,
            target.database,
            limits,
        )
    )
    section.tables += wraparound_tables(databases, oldest_tables, freeze)

    sequences = sequence_usage(await conn.fetch(SEQUENCES))
    section.findings += sequence_findings(sequences, limits, options.limit)
    section.tables.append(sequence_table(sequences, options.limit))

    holders = await conn.fetch(HORIZON_HOLDERS, target.pid)
    section.findings.append(horizon_finding(holders, limits))
    section.tables.append(horizon_table(holders, options.limit))

    running = await conn.fetch(VACUUM_PROGRESS)
    autovacuum = await conn.fetchrow(AUTOVACUUM_SETTINGS)
    assert autovacuum is not None
    section.findings.append(autovacuum_finding(autovacuum, running))
    section.tables.append(progress_table(running))
    return section


# --- dead rows and statistics ----------------------------------------------------------------------

TABLE_STATS = """
SELECT format('%I.%I', s.schemaname, s.relname) AS name,
       s.n_live_tup,
       s.n_dead_tup,
       s.n_mod_since_analyze,
       s.last_vacuum,
       s.last_autovacuum,
       s.last_analyze,
       s.last_autoanalyze,
       coalesce(c.reloptions, '{}') AS reloptions,
       CASE WHEN s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup > 0
            THEN EXISTS (SELECT 1 FROM pg_stats st
                          WHERE st.schemaname = s.schemaname AND st.tablename = s.relname)
       END AS has_statistics
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
 WHERE c.relkind IN ('r', 'm')
"""
# has_statistics: the activity counters start from zero after a crash, a statistics reset or in a
# database copied from a template, while pg_statistic keeps what ANALYZE found; a table with rows
# in pg_stats has been analyzed whatever last_analyze says.


@dataclass(frozen=True, slots=True)
class TableStats:
    name: str  # quoted, schema-qualified: usable in SQL as it is
    live: int
    dead: int
    modified_since_analyze: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    options: dict[str, str] = field(default_factory=dict)
    has_statistics: bool = False

    @classmethod
    def of(cls, row: asyncpg.Record) -> TableStats:
        options = dict(option.split("=", 1) for option in row["reloptions"] if "=" in option)
        return cls(
            name=row["name"],
            live=row["n_live_tup"],
            dead=row["n_dead_tup"],
            modified_since_analyze=row["n_mod_since_analyze"],
            last_vacuum=row["last_vacuum"],
            last_autovacuum=row["last_autovacuum"],
            last_analyze=row["last_analyze"],
            last_autoanalyze=row["last_autoanalyze"],
            options=options,
            has_statistics=bool(row["has_statistics"]),
        )

    @property
    def dead_percent(self) -> float:
        total = self.live + self.dead
        return 100.0 * self.dead / total if total else 0.0

    @property
    def autovacuum_enabled(self) -> bool:
        value = self.options.get("autovacuum_enabled", "true").lower()
        return value not in ("false", "off", "no", "0")

    @property
    def never_analyzed(self) -> bool:
        return (
            self.last_analyze is None
            and self.last_autoanalyze is None
            and self.live > 0
            and not self.has_statistics
        )


def has_many_dead_rows(table: TableStats, limits: Thresholds) -> bool:
    return table.dead > limits.dead_rows and table.dead > limits.dead_fraction * table.live


def suggested_scale_factor(live_rows: int) -> float:
    """A per-table autovacuum_vacuum_scale_factor: 20% of a big table is millions of dead rows
    before autovacuum even starts, so the bigger the table the smaller the fraction."""
    if live_rows >= 10_000_000:
        return 0.01
    if live_rows >= 1_000_000:
        return 0.02
    return 0.05


def dead_row_findings(
    tables: Sequence[TableStats], limits: Thresholds, limit: int
) -> list[Finding]:
    bloated = sorted((t for t in tables if has_many_dead_rows(t, limits)), key=lambda t: -t.dead)
    if not bloated:
        return [
            Finding(
                "maintenance.dead_rows",
                "Dead rows are kept in check",
                Status.PASS,
                f"No table has more than {human_number(limits.dead_rows)} dead rows making up "
                f"more than {limits.dead_fraction:.0%} of its live rows.",
            )
        ]
    findings = []
    for table in bloated[:limit]:
        last = table.last_autovacuum or table.last_vacuum
        when = f"last vacuumed {last:%Y-%m-%d %H:%M %Z}" if last else "never vacuumed"
        detail = (
            f"{table.name} has {human_number(table.dead)} dead rows against "
            f"{human_number(table.live)} live ({table.dead_percent:.0f}% dead), {when}. Scans "
            "read the dead rows too and the table keeps growing until vacuum removes them."
        )
        fix = [f"VACUUM (ANALYZE) {table.name};"]
        if not table.autovacuum_enabled:
            detail += " Autovacuum is disabled for this table (autovacuum_enabled = off)."
            advice = (
                "Vacuum it now, and give it back to autovacuum unless something else vacuums "
                "it on a schedule."
            )
            fix.append(f"ALTER TABLE {table.name} RESET (autovacuum_enabled);")
        else:
            scale = suggested_scale_factor(table.live)
            advice = (
                "Vacuum it now. Then let autovacuum start earlier on this table: with the "
                f"default scale factor of 20% it waits for {human_number(int(table.live * 0.2))} "
                f"dead rows; {scale} starts it at {human_number(int(table.live * scale))}. If "
                "autovacuum ran recently and the dead rows stayed, a long transaction, prepared "
                "transaction or replication slot holds them: see the vacuum horizon check. If "
                "autovacuum runs but takes long, raise autovacuum_vacuum_cost_limit."
            )
            fix.append(f"ALTER TABLE {table.name} SET (autovacuum_vacuum_scale_factor = {scale});")
        findings.append(
            Finding(
                "maintenance.dead_rows",
                f"{table.name}: {table.dead_percent:.0f}% dead rows",
                Status.WARN,
                detail,
                advice=advice,
                fix_sql=tuple(fix),
            )
        )
    return findings


def never_analyzed_findings(
    tables: Sequence[TableStats], limits: Thresholds, limit: int
) -> list[Finding]:
    missing = sorted(
        (t for t in tables if t.never_analyzed and t.live >= limits.never_analyzed_rows),
        key=lambda t: -t.live,
    )
    if not missing:
        return [
            Finding(
                "maintenance.never_analyzed",
                "Every table with rows has statistics",
                Status.PASS,
                f"Every table holding {limits.never_analyzed_rows:,} rows or more has been "
                "analyzed, so the planner knows its size and value distribution.",
            )
        ]
    findings = []
    for table in missing[:limit]:
        off = (
            " Autovacuum is disabled for this table, so it will not analyze it either."
            if not table.autovacuum_enabled
            else ""
        )
        findings.append(
            Finding(
                "maintenance.never_analyzed",
                f"{table.name} has never been analyzed",
                Status.WARN,
                f"{table.name} holds about {human_number(table.live)} rows but has no "
                "statistics: the planner guesses its row counts and value distribution, which "
                f"leads to bad join orders and scan choices.{off}",
                advice="Analyze it now; after a bulk load run ANALYZE yourself instead of waiting "
                "for autovacuum.",
                fix_sql=(f"ANALYZE {table.name};",),
            )
        )
    return findings


def vacuum_table(tables: Sequence[TableStats], limits: Thresholds, limit: int) -> Table:
    # Empty tables have nothing to vacuum or analyze; listing them only hides the others.
    ordered = sorted(
        (t for t in tables if t.live or t.dead), key=lambda t: (-t.dead, -t.live, t.name)
    )
    return Table(
        "Vacuum and analyze by table",
        (
            Column("table"),
            Column("live rows", Kind.NUMBER),
            Column("dead rows", Kind.NUMBER),
            Column("dead", Kind.PERCENT),
            Column("last vacuum", Kind.TIMESTAMP),
            Column("last autovacuum", Kind.TIMESTAMP),
            Column("last analyze", Kind.TIMESTAMP),
            Column("last autoanalyze", Kind.TIMESTAMP),
            Column("autovacuum"),
            Column("status", Kind.STATUS),
        ),
        [
            (
                t.name,
                t.live,
                t.dead,
                round(t.dead_percent, 1),
                t.last_vacuum,
                t.last_autovacuum,
                t.last_analyze,
                t.last_autoanalyze,
                "on" if t.autovacuum_enabled else "off",
                (
                    Status.WARN
                    if has_many_dead_rows(t, limits) or t.never_analyzed
                    else Status.PASS
                ).value,
            )
            for t in ordered[:limit]
        ],
        note="Tables of this database that hold rows, most dead rows first"
        + (f"; showing {limit} of {len(ordered)}." if len(ordered) > limit else "."),
    )


# --- wraparound ---------------------------------------------------------------------------------

FREEZE_SETTINGS = """
SELECT current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age,
       current_setting('autovacuum_multixact_freeze_max_age')::bigint AS multixact_freeze_max_age
"""

DATABASE_AGES = """
SELECT datname, age(datfrozenxid)::bigint AS xid_age, mxid_age(datminmxid)::bigint AS mxid_age
  FROM pg_database
 ORDER BY age(datfrozenxid) DESC
"""

# A table's TOAST table is frozen by the same VACUUM, so its age counts as the table's.
TABLE_AGES = """
SELECT format('%I.%I', n.nspname, c.relname) AS name,
       c.relpersistence = 't' AS temporary,
       greatest(age(c.relfrozenxid), age(t.relfrozenxid))::bigint AS xid_age,
       greatest(mxid_age(c.relminmxid), mxid_age(t.relminmxid))::bigint AS mxid_age,
       pg_total_relation_size(c.oid) AS size_bytes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
 WHERE c.relkind IN ('r', 'm')
 ORDER BY greatest(age(c.relfrozenxid), age(t.relfrozenxid)) DESC
 LIMIT $1
"""


def age_status(age: int, freeze_max_age: int, limits: Thresholds) -> Status:
    """FAIL past age_fail; WARN past freeze_max_age × freeze_warn_factor or age_warn."""
    if age > limits.age_fail:
        return Status.FAIL
    if age > freeze_max_age * limits.freeze_warn_factor or age > limits.age_warn:
        return Status.WARN
    return Status.PASS


def wraparound_finding(
    check: str,
    kind: str,
    column: str,
    freeze_max_age: int,
    databases: Sequence[asyncpg.Record],
    oldest_tables: Sequence[asyncpg.Record],
    current_database: str,
    limits: Thresholds,
) -> Finding:
    setting = (
        "autovacuum_freeze_max_age"
        if column == "xid_age"
        else "autovacuum_multixact_freeze_max_age"
    )
    judged = [
        (db["datname"], db[column], age_status(db[column], freeze_max_age, limits))
        for db in databases
    ]
    worst = max(judged, key=lambda item: (item[2].severity, item[1]), default=None)
    if worst is None or worst[2] is Status.PASS:
        oldest = f" (oldest: {worst[0]} at {human_number(worst[1])})" if worst else ""
        return Finding(
            check,
            f"No {kind} wraparound risk",
            Status.PASS,
            f"Every database's {kind} age is within bounds{oldest}; {setting} is "
            f"{human_number(freeze_max_age)}, so autovacuum freezes rows in time.",
        )
    at_risk = [item for item in judged if item[2] is not Status.PASS]
    name, age, status = worst
    left = WRAPAROUND_LIMIT - age
    listing = ", ".join(f"{db} {human_number(a)}" for db, a, _ in at_risk)
    detail = (
        f"The oldest unfrozen {kind} in database {name} is {human_number(age)} old, "
        f"{100 * age / WRAPAROUND_LIMIT:.0f}% of the way to 2^31; about {human_number(left)} "
        f"remain before PostgreSQL stops accepting writes. Autovacuum should have forced a "
        f"freeze at {setting} = {human_number(freeze_max_age)}, so those vacuums are not "
        f"finishing. Databases past the threshold: {listing}."
    )
    fix: tuple[str, ...] = ()
    if any(db == current_database for db, _, _ in at_risk):
        over = [
            t["name"]
            for t in oldest_tables
            if age_status(t[column], freeze_max_age, limits) is not Status.PASS
            and not t["temporary"]
        ]
        fix = tuple(f"VACUUM (FREEZE, VERBOSE) {table};" for table in over)
    return Finding(
        check,
        f"{kind[0].upper()}{kind[1:]} age of {name} at {human_number(age)}",
        status,
        detail,
        advice="First remove what keeps vacuum from freezing: long or forgotten transactions, "
        "prepared transactions and unused replication slots (see the vacuum horizon check and "
        "the replication section). Then freeze the oldest tables in each database listed, "
        "connected to it (`vacuumdb --freeze --dbname <database>`, or VACUUM (FREEZE, VERBOSE) "
        "on the tables in the table below), and check that autovacuum is on and has enough "
        "workers. Temporary tables can only be vacuumed by their own session; end it.",
        fix_sql=fix,
    )


def wraparound_tables(
    databases: Sequence[asyncpg.Record],
    oldest_tables: Sequence[asyncpg.Record],
    freeze: asyncpg.Record,
) -> list[Table]:
    return [
        Table(
            "Transaction ID age by database",
            (
                Column("database"),
                Column("xid age", Kind.NUMBER),
                Column("of 2^31", Kind.PERCENT),
                Column("multixact age", Kind.NUMBER),
                Column("multixact of 2^31", Kind.PERCENT),
            ),
            [
                (
                    db["datname"],
                    db["xid_age"],
                    round(100 * db["xid_age"] / WRAPAROUND_LIMIT, 2),
                    db["mxid_age"],
                    round(100 * db["mxid_age"] / WRAPAROUND_LIMIT, 2),
                )
                for db in databases
            ],
            note=f"Autovacuum forces a freeze at autovacuum_freeze_max_age = "
            f"{human_number(freeze['freeze_max_age'])} and "
            f"autovacuum_multixact_freeze_max_age = "
            f"{human_number(freeze['multixact_freeze_max_age'])}.",
        ),
        Table(
            "Oldest tables in this database",
            (
                Column("table"),
                Column("xid age", Kind.NUMBER),
                Column("multixact age", Kind.NUMBER),
                Column("size", Kind.BYTES),
            ),
            [(t["name"], t["xid_age"], t["mxid_age"], t["size_bytes"]) for t in oldest_tables],
            note="The tables a freezing VACUUM should start with (their TOAST tables included).",
        ),
    ]


# --- sequences ------------------------------------------------------------------------------------

# The columns a sequence feeds: owned by one (serial, identity: pg_depend 'a'/'i') or merely
# named in a column default (pg_attrdef depends on the sequence). A partition's column is named
# after the root of its tree: column types can only change there, for every partition at once.
# Other sessions' temporary sequences cannot be read, and an unlogged sequence has no value on a
# standby (both make pg_sequence_last_value fail, as pg_sequences avoids too).
SEQUENCES = """
WITH feeds AS (
    SELECT d.objid AS seqid, d.refobjid AS relid, d.refobjsubid AS attnum
      FROM pg_depend d
     WHERE d.classid = 'pg_class'::regclass
       AND d.refclassid = 'pg_class'::regclass
       AND d.deptype IN ('a', 'i')
       AND d.refobjsubid > 0
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum
      FROM pg_depend d
      JOIN pg_attrdef ad ON ad.oid = d.objid
     WHERE d.classid = 'pg_attrdef'::regclass
       AND d.refclassid = 'pg_class'::regclass
)
SELECT format('%I.%I', sn.nspname, sc.relname) AS sequence,
       format_type(s.seqtypid, NULL) AS sequence_type,
       s.seqincrement AS increment,
       s.seqmin AS min_value,
       s.seqmax AS max_value,
       s.seqcycle AS cycle,
       CASE WHEN has_sequence_privilege(sc.oid, 'SELECT,USAGE')
             AND NOT (sc.relpersistence = 'u' AND pg_is_in_recovery())
            THEN pg_sequence_last_value(sc.oid) END AS last_value,
       (SELECT format('%I.%I', rn.nspname, rc.relname)
          FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace
         WHERE rc.oid = coalesce(pg_partition_root(tc.oid), tc.oid)) AS table_name,
       quote_ident(a.attname) AS column_name,
       format_type(a.atttypid, NULL) AS column_type
  FROM pg_sequence s
  JOIN pg_class sc ON sc.oid = s.seqrelid
  JOIN pg_namespace sn ON sn.oid = sc.relnamespace
  LEFT JOIN feeds f ON f.seqid = s.seqrelid
  LEFT JOIN pg_class tc ON tc.oid = f.relid
  LEFT JOIN pg_attribute a ON a.attrelid = f.relid AND a.attnum = f.attnum
 WHERE sn.nspname NOT IN ('pg_catalog', 'information_schema')
   AND NOT pg_is_other_temp_schema(sn.oid)
 ORDER BY 1
"""


@dataclass(frozen=True, slots=True)
class FedColumn:
    table: str  # quoted and qualified
    column: str  # quoted
    type: str

    @property
    def bounds(self) -> tuple[int, int] | None:
        return TYPE_RANGES.get(self.type)


@dataclass(frozen=True, slots=True)
class SequenceUsage:
    sequence: str
    sequence_type: str
    increment: int
    min_value: int
    max_value: int
    cycle: bool
    last_value: int
    columns: tuple[FedColumn, ...]

    @property
    def ascending(self) -> bool:
        return self.increment > 0

    @property
    def limiting_columns(self) -> tuple[FedColumn, ...]:
        """Columns whose type runs out no later than the sequence itself does."""
        limited = []
        for column in self.columns:
            bounds = column.bounds
            if bounds is None:
                continue
            low, high = bounds
            if (self.ascending and high <= self.max_value) or (
                not self.ascending and low >= self.min_value
            ):
                limited.append(column)
        return tuple(limited)

    @property
    def end(self) -> int:
        """The last value the sequence and every column it feeds can take."""
        ends = [self.max_value if self.ascending else self.min_value] if not self.cycle else []
        for column in self.limiting_columns:
            low, high = column.bounds or (self.min_value, self.max_value)
            ends.append(high if self.ascending else low)
        if not ends:
            return self.max_value if self.ascending else self.min_value
        return min(ends) if self.ascending else max(ends)

    @property
    def start(self) -> int:
        return self.min_value if self.ascending else self.max_value

    @property
    def percent_used(self) -> float:
        span = abs(self.end - self.start)
        if span == 0:
            return 100.0
        return min(100.0, 100.0 * abs(self.last_value - self.start) / span)

    @property
    def remaining(self) -> int:
        return max(0, abs(self.end - self.last_value) // abs(self.increment))

    @property
    def exhausts(self) -> bool:
        """False for a cycling sequence whose columns can take all its values."""
        return not self.cycle or bool(self.limiting_columns)


def sequence_usage(rows: Sequence[asyncpg.Record]) -> list[SequenceUsage]:
    grouped: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        grouped.setdefault(row["sequence"], []).append(row)
    usages = []
    for name, group in grouped.items():
        first = group[0]
        if first["last_value"] is None:
            continue  # never used, or no privilege to read it
        columns = tuple(
            sorted(
                {
                    FedColumn(r["table_name"], r["column_name"], r["column_type"])
                    for r in group
                    if r["column_name"] is not None
                },
                key=lambda c: (c.table, c.column),
            )
        )
        usages.append(
            SequenceUsage(
                sequence=name,
                sequence_type=first["sequence_type"],
                increment=first["increment"],
                min_value=first["min_value"],
                max_value=first["max_value"],
                cycle=first["cycle"],
                last_value=first["last_value"],
                columns=columns,
            )
        )
    usages.sort(key=lambda u: -u.percent_used)
    return usages


def sequence_status(usage: SequenceUsage, limits: Thresholds) -> Status:
    if not usage.exhausts:
        return Status.PASS
    if usage.percent_used > limits.sequence_fail_percent:
        return Status.FAIL
    if usage.percent_used > limits.sequence_warn_percent:
        return Status.WARN
    return Status.PASS


def sequence_fix(usage: SequenceUsage) -> tuple[list[str], str]:
    """Statements that widen whatever runs out first, and the advice that goes with them."""
    statements: list[str] = []
    notes: list[str] = []
    type_low, type_high = TYPE_RANGES.get(usage.sequence_type, (usage.min_value, usage.max_value))
    own_end = usage.max_value if usage.ascending else usage.min_value
    if not usage.cycle and own_end == usage.end:
        bound = "MAXVALUE" if usage.ascending else "MINVALUE"
        at_type_limit = own_end == (type_high if usage.ascending else type_low)
        if usage.sequence_type != "bigint" and at_type_limit:
            statements.append(f"ALTER SEQUENCE {usage.sequence} AS bigint;")
            notes.append(
                f"ALTER SEQUENCE ... AS bigint moves the {usage.sequence_type} limit of the "
                "sequence to bigint's instantly."
            )
        elif not at_type_limit:
            widen = " AS bigint" if usage.sequence_type != "bigint" else ""
            statements.append(f"ALTER SEQUENCE {usage.sequence}{widen} NO {bound};")
            notes.append(
                f"The sequence has an explicit {bound} of {human_number(own_end)}; NO {bound} "
                "lifts it to the type's limit (check first that nothing relies on it)."
            )
        else:
            notes.append(
                "The sequence is a bigint at bigint's limit: nothing can widen it; a new "
                "sequence or key scheme is needed."
            )
    for column in usage.limiting_columns:
        if column.type == "bigint":
            continue
        statements.append(f"ALTER TABLE {column.table} ALTER COLUMN {column.column} TYPE bigint;")
    if any(c.type != "bigint" for c in usage.limiting_columns):
        notes.append(
            "ALTER COLUMN ... TYPE bigint rewrites the whole table and its indexes under an "
            "ACCESS EXCLUSIVE lock that blocks reads and writes until it finishes: on a big table "
            "schedule downtime, or add a bigint column, backfill it in batches and swap it in. "
            "Columns of other tables that reference this one (foreign keys) need the same change."
        )
    return statements, " ".join(notes)


def sequence_findings(
    usages: Sequence[SequenceUsage], limits: Thresholds, limit: int
) -> list[Finding]:
    judged = [(u, sequence_status(u, limits)) for u in usages]
    at_risk = [(u, s) for u, s in judged if s is not Status.PASS]
    if not at_risk:
        return [
            Finding(
                "maintenance.sequences",
                "No sequence is close to its limit",
                Status.PASS,
                f"Every sequence, and every integer column it feeds, has more than "
                f"{100 - limits.sequence_warn_percent:.0f}% of its range left.",
            )
        ]
    findings = []
    for usage, status in at_risk[:limit]:
        statements, advice = sequence_fix(usage)
        columns = usage.limiting_columns
        if columns and usage.end != (usage.max_value if usage.ascending else usage.min_value):
            what = (
                f"the {columns[0].type} column {columns[0].table}.{columns[0].column} it feeds "
                f"stops at {human_number(usage.end)} although the {usage.sequence_type} sequence "
                "goes further"
            )
        elif columns:
            what = (
                f"it and the {columns[0].type} column {columns[0].table}.{columns[0].column} it "
                f"feeds stop at {human_number(usage.end)}"
            )
        else:
            what = f"it stops at {human_number(usage.end)}"
        findings.append(
            Finding(
                "maintenance.sequences",
                f"{usage.sequence} is {usage.percent_used:.0f}% used",
                status,
                f"Sequence {usage.sequence} is at {human_number(usage.last_value)} and {what}: "
                f"{human_number(usage.remaining)} values left. When they run out every insert "
                "that needs a new value fails.",
                advice=advice,
                fix_sql=tuple(statements),
            )
        )
    return findings


def sequence_table(usages: Sequence[SequenceUsage], limit: int) -> Table:
    return Table(
        "Sequences by range used",
        (
            Column("sequence"),
            Column("type"),
            Column("last value", Kind.NUMBER),
            Column("limit", Kind.NUMBER),
            Column("used", Kind.PERCENT),
            Column("values left", Kind.NUMBER),
            Column("columns"),
        ),
        [
            (
                u.sequence,
                u.sequence_type,
                u.last_value,
                u.end,
                round(u.percent_used, 2),
                u.remaining,
                ", ".join(f"{c.table}.{c.column} ({c.type})" for c in u.columns) or None,
            )
            for u in usages[:limit]
        ],
        note="The limit is the sequence's own or that of the narrowest integer column it feeds, "
        "whichever comes first. Sequences never used are left out.",
    )


# --- the vacuum horizon ----------------------------------------------------------------------------

# Everything that keeps vacuum from removing rows deleted after it started: sessions with an open
# snapshot or transaction (walsenders carry standbys' hot_standby_feedback), prepared
# transactions, and replication slots.
HORIZON_HOLDERS = """
SELECT 'session' AS kind,
       format('pid %s', pid) AS holder,
       datname AS database,
       coalesce(usename, backend_type) AS owner,
       greatest(age(backend_xid), age(backend_xmin))::bigint AS xid_age,
       extract(epoch FROM now() - xact_start)::float8 AS seconds,
       state,
       query
  FROM pg_stat_activity
 WHERE (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) AND pid <> $1
UNION ALL
SELECT 'prepared transaction', format('gid %s', gid), database, owner,
       age(transaction)::bigint, extract(epoch FROM now() - prepared)::float8, NULL, NULL
  FROM pg_prepared_xacts
UNION ALL
SELECT 'replication slot', format('slot %s', slot_name), database,
       CASE WHEN active THEN 'active' ELSE 'inactive' END,
       greatest(age(xmin), age(catalog_xmin))::bigint, NULL, NULL, NULL
  FROM pg_replication_slots
 WHERE xmin IS NOT NULL OR catalog_xmin IS NOT NULL
 ORDER BY xid_age DESC NULLS LAST
"""


def holds_horizon(row: asyncpg.Record, limits: Thresholds) -> bool:
    if row["xid_age"] is not None and row["xid_age"] > limits.horizon_xid_age:
        return True
    return row["seconds"] is not None and row["seconds"] > limits.horizon_seconds


def horizon_finding(holders: Sequence[asyncpg.Record], limits: Thresholds) -> Finding:
    culprits = [row for row in holders if holds_horizon(row, limits)]
    if not culprits:
        return Finding(
            "maintenance.vacuum_horizon",
            "Nothing holds back vacuum",
            Status.PASS,
            "No transaction has been open longer than "
            f"{human_seconds(limits.horizon_seconds)} and no session, prepared transaction or "
            f"replication slot is more than {human_number(limits.horizon_xid_age)} transactions "
            "behind.",
        )
    worst = culprits[0]
    listing = "; ".join(
        f"{row['kind']} {row['holder']}"
        + (f" open for {human_seconds(row['seconds'])}" if row["seconds"] is not None else "")
        + (
            f", {human_number(row['xid_age'])} transactions behind"
            if row["xid_age"] is not None
            else ""
        )
        for row in culprits[:5]
    )
    fix: list[str] = []
    for row in culprits:
        if row["kind"] == "prepared transaction":
            gid = row["holder"].removeprefix("gid ")
            fix.append("ROLLBACK PREPARED '" + gid.replace("'", "''") + "';")
    return Finding(
        "maintenance.vacuum_horizon",
        f"{worst['kind'].capitalize()} {worst['holder']} holds back vacuum",
        Status.WARN,
        f"Vacuum cannot remove rows deleted or updated after the oldest of these started, in "
        f"any table of the cluster: {listing}. Dead rows pile up and freezing stalls until "
        "they end.",
        advice="End the sessions (see the activity section for cancel and terminate), commit or "
        "roll back forgotten prepared transactions (ROLLBACK PREPARED, in their database, "
        "after checking with whoever prepared them), and drop replication slots nobody reads "
        "(see the replication section).",
        fix_sql=tuple(fix),
    )


def horizon_table(holders: Sequence[asyncpg.Record], limit: int) -> Table:
    return Table(
        "What holds the vacuum horizon",
        (
            Column("kind"),
            Column("holder"),
            Column("database"),
            Column("owner"),
            Column("transactions behind", Kind.NUMBER),
            Column("open for", Kind.SECONDS),
            Column("state"),
            Column("query", Kind.SQL),
        ),
        [
            (
                r["kind"],
                r["holder"],
                r["database"],
                r["owner"],
                r["xid_age"],
                r["seconds"],
                r["state"],
                r["query"],
            )
            for r in holders[:limit]
        ],
        note="Oldest first. Sessions are listed while they hold a snapshot or a transaction ID.",
    )


# --- autovacuum at work ---------------------------------------------------------------------------

AUTOVACUUM_SETTINGS = """
SELECT current_setting('autovacuum') AS autovacuum,
       current_setting('track_counts') AS track_counts,
       current_setting('autovacuum_max_workers')::int AS max_workers
"""

VACUUM_PROGRESS = """
SELECT p.pid,
       p.datname,
       coalesce((SELECT format('%I.%I', n.nspname, c.relname)
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = p.relid AND p.datname = current_database()),
                'relation ' || p.relid) AS table_name,
       p.phase,
       p.heap_blks_total,
       p.heap_blks_scanned,
       p.index_vacuum_count,
       a.backend_type = 'autovacuum worker' AS automatic,
       coalesce(a.query LIKE '%to prevent wraparound%', false) AS wraparound,
       extract(epoch FROM now() - a.xact_start)::float8 AS seconds,
       a.wait_event_type,
       a.wait_event
  FROM pg_stat_progress_vacuum p
  LEFT JOIN pg_stat_activity a ON a.pid = p.pid
 ORDER BY a.xact_start
"""


def autovacuum_finding(settings: asyncpg.Record, running: Sequence[asyncpg.Record]) -> Finding:
    workers = sum(1 for r in running if r["automatic"])
    maximum = settings["max_workers"]
    if settings["track_counts"] != "on":
        return Finding(
            "maintenance.autovacuum",
            "track_counts is off: autovacuum is blind",
            Status.FAIL,
            "Without track_counts PostgreSQL does not count inserted, updated and deleted rows, "
            "so autovacuum never knows a table needs vacuuming or analyzing.",
            advice="Turn track_counts back on.",
            fix_sql=("ALTER SYSTEM SET track_counts = on;", "SELECT pg_reload_conf();"),
        )
    if settings["autovacuum"] != "on":
        return Finding(
            "maintenance.autovacuum",
            "Autovacuum is off",
            Status.WARN,
            "Autovacuum is disabled for the whole cluster: dead rows accumulate and statistics "
            "go stale unless something else vacuums and analyzes every table; only the "
            "emergency vacuums that prevent wraparound still run.",
            advice="Turn it back on, and tune it per table (ALTER TABLE ... SET "
            "(autovacuum_...)) where it gets in the way, rather than off everywhere.",
            fix_sql=("ALTER SYSTEM SET autovacuum = on;", "SELECT pg_reload_conf();"),
        )
    if workers >= maximum:
        return Finding(
            "maintenance.autovacuum",
            f"All {maximum} autovacuum workers are busy",
            Status.WARN,
            f"{workers} autovacuum workers are running, as many as autovacuum_max_workers "
            "allows: other tables that need vacuuming wait for a free worker.",
            advice="If this persists, vacuum is falling behind: raise autovacuum_vacuum_cost_limit "
            "(workers share it, so more workers alone run each one slower) and, with a restart, "
            "autovacuum_max_workers; look for huge tables that keep a worker busy for hours.",
        )
    return Finding(
        "maintenance.autovacuum",
        "Autovacuum is on",
        Status.PASS,
        f"Autovacuum is on; {workers} of {maximum} workers are running now.",
    )


def progress_table(running: Sequence[asyncpg.Record]) -> Table:
    rows: list[tuple[Any, ...]] = []
    for r in running:
        kind = "autovacuum" if r["automatic"] else "VACUUM"
        if r["wraparound"]:
            kind += " (to prevent wraparound)"
        total = r["heap_blks_total"] or 0
        scanned = 100.0 * r["heap_blks_scanned"] / total if total else None
        wait = f"{r['wait_event_type']}: {r['wait_event']}" if r["wait_event_type"] else None
        rows.append(
            (
                r["pid"],
                r["datname"],
                r["table_name"],
                kind,
                r["phase"],
                round(scanned, 1) if scanned is not None else None,
                r["index_vacuum_count"],
                r["seconds"],
                wait,
            )
        )
    return Table(
        "Vacuums running now",
        (
            Column("pid"),
            Column("database"),
            Column("table"),
            Column("kind"),
            Column("phase"),
            Column("heap scanned", Kind.PERCENT),
            Column("index passes", Kind.NUMBER),
            Column("running for", Kind.SECONDS),
            Column("wait event"),
        ),
        rows,
        note="From pg_stat_progress_vacuum. More than one index pass means autovacuum_work_mem "
        "(or maintenance_work_mem) was too small to hold the table's dead row list.",
    )
