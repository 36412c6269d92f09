"""Indexes that cost more than they give: never used, made redundant by another, left invalid
by a failed build, or swollen with empty pages; and tables read whole for want of one.

Every index slows down writes and takes space and cache, so one that no query uses is pure cost.
What the checks rely on, and where they hold back:

- Usage counters (pg_stat_all_indexes.idx_scan) count since the statistics were last reset
  (pg_stat_reset, a crash, or a new server), and only on this server: a standby counts its own
  reads, and the primary never hears about them. The section says how long "never" is and
  whether replicas exist, because an index only a monthly report or a replica uses looks unused.
- An index that backs a primary key, a unique or an exclusion constraint (or is a unique index,
  or the replica identity) enforces a rule; it is never proposed for dropping as unused, only
  mentioned when it is large. An unused index that leads with a foreign key's columns is listed
  but left out of the fix: deleting a referenced row looks its referencing rows up through it,
  which may simply not have happened yet.
- Redundancy: index A is redundant next to B on the same table and with the same access method
  when they are exact duplicates (any method), or, for btree, when A's keys are a leading prefix
  of B's with the same operator classes, collations and sort orders, A's INCLUDE columns are
  among B's columns, and both have the same predicate (a partial index is only ever compared with
  one of the very same predicate). A unique A is never dropped for a non-unique B: it enforces
  a rule B does not. GIN, GiST, BRIN and hash indexes are only ever exact duplicates.
- Partitioned tables: an index on the parent is a catalogue entry with one index per partition
  underneath. Usage is reported per partition index and summed for the parent; the parent is
  what a fix drops (DROP INDEX CONCURRENTLY cannot drop a partitioned index, so the fix says so
  and sets a lock timeout), never one partition's index on its own.
- Bloat is estimated from statistics (insights/bloat.py), btree only.

The doctor's own snapshot tables (schema pressroom_insights) are left out: their indexes serve
the doctor's reads, not the application's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from pressroom.insights.bloat import MEASURE_COLUMNS, BloatReport, index_bloat
from pressroom.insights.formatting import human_bytes, human_seconds
from pressroom.insights.model import Column, Finding, Kind, Options, Section, Status, Table
from pressroom.insights.snapshots import SCHEMA as SNAPSHOT_SCHEMA
from pressroom.insights.target import Target

NAME = "indexes"
TITLE = "Indexes"

MB = 1024 * 1024
# Below these an index rebuild is not worth its trouble: a small index at 80% is a few pages.
BLOAT_RATIO = 0.30
BLOAT_MIN_BYTES = 10 * MB
# An unused index that enforces a constraint is kept, but worth a mention from this size on.
ENFORCING_MENTION_BYTES = 10 * MB
# A table read whole this often, this many rows at a time, is worth the index advisor's time.
SEQ_SCANS_MIN = 100
SEQ_ROWS_PER_SCAN_MIN = 10_000
# A partitioned index cannot be dropped concurrently; its DROP must not queue behind (and block
# everything behind it on) a long transaction.
LOCK_TIMEOUT = "5s"
# Counters younger than this have likely not seen the weekly report or the monthly job.
SHORT_WINDOW_SECONDS = 7 * 86_400
# Leftovers of a failed REINDEX CONCURRENTLY: the original index is intact next to them.
REINDEX_LEFTOVER = re.compile(r"_cc(new|old)\d*$")
ADVISOR_COMMAND = "pressroom doctor advisor"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a check warns; tests lower them instead of building gigabyte indexes."""

    bloat_ratio: float = BLOAT_RATIO
    bloat_bytes: int = BLOAT_MIN_BYTES
    enforcing_mention_bytes: int = ENFORCING_MENTION_BYTES
    seq_scans: int = SEQ_SCANS_MIN
    seq_rows_per_scan: int = SEQ_ROWS_PER_SCAN_MIN


USER_SCHEMAS = """
n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
"""

# Columns that exist only on newer servers, NULL before.
LAST_SCAN_16 = "s.last_idx_scan"
NULLS_NOT_DISTINCT_15 = "x.indnullsnotdistinct"

# One row per index of user tables (regular and partitioned), leaving out the tables of
# extensions and the doctor's own snapshots ($1): their indexes are their owners' business. Key columns are compared by their
# definition text (a column name or an expression), so pg_get_indexdef gives them column by column.
INDEXES = f"""
SELECT x.indexrelid AS oid,
       ic.relname AS index_rel,
       format('%I.%I', n.nspname, ic.relname) AS name,
       format('%I.%I', tn.nspname, tc.relname) AS table_name,
       x.indrelid AS table_oid,
       am.amname AS method,
       ic.relkind = 'I' AS partitioned,
       CASE WHEN ic.relispartition THEN
           (SELECT format('%I.%I', rn.nspname, r.relname)
              FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
             WHERE r.oid = pg_partition_root(x.indexrelid))
       END AS parent,
       x.indisunique AS is_unique, x.indisprimary AS is_primary,
       x.indisexclusion AS is_exclusion, x.indisvalid AS is_valid, x.indisready AS is_ready,
       x.indisreplident AS is_replica_identity,
       {{nulls_not_distinct}} AS nulls_not_distinct,
       con.conname AS constraint_name,
       quote_ident(con.conname) AS constraint_ident,
       EXISTS (SELECT FROM pg_constraint f
                WHERE f.contype = 'f' AND f.conindid = x.indexrelid) AS referenced,
       -- Its leading keys are a foreign key's columns (in any order): deletes and key updates
       -- of the referenced rows look them up through it.
       EXISTS (SELECT FROM pg_constraint f
                WHERE f.contype = 'f' AND f.conrelid = x.indrelid
                  AND cardinality(f.conkey) <= x.indnkeyatts
                  AND f.conkey <@ (x.indkey::int2[])[0:cardinality(f.conkey) - 1]
                  AND f.conkey @> (x.indkey::int2[])[0:cardinality(f.conkey) - 1])
           AS foreign_key,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, false)
               FROM generate_series(1, x.indnkeyatts) k ORDER BY k) AS keys,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, false)
               FROM generate_series(x.indnkeyatts + 1, x.indnatts) k ORDER BY k) AS include,
       x.indclass::oid[] AS opclasses,
       x.indcollation::oid[] AS collations,
       x.indoption::int2[] AS options,
       pg_get_expr(x.indpred, x.indrelid) AS predicate,
       pg_get_indexdef(x.indexrelid) AS definition,
       pg_relation_size(x.indexrelid) AS size_bytes,
       s.idx_scan AS scans, s.idx_tup_read AS tuples_read, s.idx_tup_fetch AS tuples_fetched,
       {{last_scan}} AS last_scan
  FROM pg_index x
  JOIN pg_class ic ON ic.oid = x.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_class tc ON tc.oid = x.indrelid
  JOIN pg_namespace tn ON tn.oid = tc.relnamespace
  JOIN pg_am am ON am.oid = ic.relam
  LEFT JOIN LATERAL (SELECT c.conname FROM pg_constraint c
                      WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid
                        AND c.contype IN ('p', 'u', 'x')
                      LIMIT 1) con ON true
  LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = x.indexrelid
 WHERE {USER_SCHEMAS}
   AND n.nspname <> $1
   AND NOT EXISTS (SELECT FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indrelid
                      AND d.deptype = 'e')
 ORDER BY n.nspname, tc.relname, ic.relname
"""  # noqa: S608 - constant fragments; every value is a bound parameter

# How long the counters have been counting, and whether other servers count their own.
STATISTICS_WINDOW = """
SELECT d.stats_reset, pg_postmaster_start_time() AS started, now() AS now,
       (SELECT count(*) FROM pg_stat_replication)::int AS replicas
  FROM pg_stat_database d
 WHERE d.datname = current_database()
"""

# Tables read whole, often, many rows at a time, and more often than through any index (but
# not the snapshots, $3, which the doctor reads whole on purpose).
SEQ_SCANNED = """
SELECT format('%I.%I', s.schemaname, s.relname) AS table_name,
       s.seq_scan, s.seq_tup_read, s.idx_scan,
       (s.seq_tup_read / s.seq_scan)::bigint AS rows_per_scan,
       pg_relation_size(s.relid) AS size_bytes
  FROM pg_stat_user_tables s
 WHERE s.seq_scan >= $1
   AND s.seq_tup_read / s.seq_scan >= $2
   AND s.seq_scan > coalesce(s.idx_scan, 0)
   AND s.schemaname <> $3
 ORDER BY s.seq_tup_read DESC
"""


@dataclass(frozen=True, slots=True)
class Key:
    """One key column: what it indexes and how it is ordered and compared."""

    definition: str  # a column name or an expression, as pg_get_indexdef prints it
    opclass: int
    collation: int
    option: int  # DESC / NULLS FIRST bits


@dataclass(frozen=True, slots=True)
class Index:
    oid: int
    relname: str  # unquoted, for recognising leftovers by name
    name: str  # schema-qualified and quoted
    table: str
    table_oid: int
    method: str
    partitioned: bool  # an index on a partitioned table: one index per partition below it
    parent: str | None  # the partitioned index this partition's index belongs to
    unique: bool
    primary: bool
    exclusion: bool
    valid: bool
    ready: bool
    replica_identity: bool
    nulls_not_distinct: bool
    constraint: str | None  # quoted constraint name
    referenced: bool  # a foreign key relies on this very index
    foreign_key: bool  # its leading keys are the columns of a foreign key of its table
    keys: tuple[Key, ...]
    include: tuple[str, ...]
    predicate: str | None
    definition: str
    size_bytes: int
    scans: int | None
    tuples_read: int | None
    tuples_fetched: int | None
    last_scan: datetime | None

    @property
    def enforces(self) -> bool:
        """It enforces a rule (uniqueness, exclusion) or logical replication relies on it."""
        return self.unique or self.primary or self.exclusion or self.replica_identity

    @property
    def columns(self) -> set[str]:
        return {key.definition for key in self.keys} | set(self.include)


@dataclass(frozen=True, slots=True)
class Usage:
    """An index's counters; for a partitioned index, the sum over its partitions' indexes."""

    scans: int
    tuples_read: int
    tuples_fetched: int
    size_bytes: int
    partitions: int
    last_scan: datetime | None


@dataclass(frozen=True, slots=True)
class StatisticsWindow:
    stats_reset: datetime | None
    started: datetime
    now: datetime
    replicas: int
    in_recovery: bool

    @property
    def seconds(self) -> float:
        """How long the counters have been counting."""
        return (self.now - (self.stats_reset or self.started)).total_seconds()

    @property
    def since(self) -> str:
        if self.stats_reset is not None:
            age = human_seconds((self.now - self.stats_reset).total_seconds())
            return (
                f"since the statistics were reset {age} ago ({self.stats_reset:%Y-%m-%d %H:%M %Z})"
            )
        up = human_seconds((self.now - self.started).total_seconds())
        return (
            "since the statistics began (never reset; they survive clean restarts but not a "
            f"crash), on a server up for {up} (since {self.started:%Y-%m-%d %H:%M %Z})"
        )

    @property
    def caveat(self) -> str:
        short = ""
        if (
            self.stats_reset is not None
            and (self.now - self.stats_reset).total_seconds() < SHORT_WINDOW_SECONDS
        ):
            short = (
                "The counters were reset less than a week ago: an index that only a weekly or "
                "monthly job uses looks unused until then. "
            )
        return short + self._servers

    @property
    def _servers(self) -> str:
        if self.in_recovery:
            return (
                "This server is a standby: its counters count only the queries it served. "
                "Check the primary and every other replica before dropping an index, and run "
                "the DROP on the primary."
            )
        if self.replicas:
            return (
                f"{self.replicas} replica(s) stream from this server and count their own index "
                "use, which this server never sees: check their counters before dropping."
            )
        return (
            "Counters are per server: if read replicas exist that this server cannot see, "
            "check their counters too."
        )


def _index(row: asyncpg.Record) -> Index:
    keys = tuple(
        Key(definition, opclass, collation, option)
        for definition, opclass, collation, option in zip(
            row["keys"], row["opclasses"], row["collations"], row["options"], strict=True
        )
    )
    return Index(
        oid=row["oid"],
        relname=row["index_rel"],
        name=row["name"],
        table=row["table_name"],
        table_oid=row["table_oid"],
        method=row["method"],
        partitioned=row["partitioned"],
        parent=row["parent"],
        unique=row["is_unique"],
        primary=row["is_primary"],
        exclusion=row["is_exclusion"],
        valid=row["is_valid"],
        ready=row["is_ready"],
        replica_identity=row["is_replica_identity"],
        nulls_not_distinct=bool(row["nulls_not_distinct"]),
        constraint=row["constraint_ident"],
        referenced=row["referenced"],
        foreign_key=row["foreign_key"],
        keys=keys,
        include=tuple(row["include"]),
        predicate=row["predicate"],
        definition=row["definition"],
        size_bytes=row["size_bytes"],
        scans=row["scans"],
        tuples_read=row["tuples_read"],
        tuples_fetched=row["tuples_fetched"],
        last_scan=row["last_scan"],
    )


async def load_indexes(target: Target) -> list[Index]:
    query = INDEXES.format(
        last_scan=LAST_SCAN_16 if target.version_num >= 160000 else "NULL::timestamptz",
        nulls_not_distinct=NULLS_NOT_DISTINCT_15 if target.version_num >= 150000 else "false",
    )
    return [_index(row) for row in await target.conn.fetch(query, SNAPSHOT_SCHEMA)]


async def statistics_window(target: Target) -> StatisticsWindow:
    row = await target.conn.fetchrow(STATISTICS_WINDOW)
    assert row is not None
    return StatisticsWindow(
        stats_reset=row["stats_reset"],
        started=row["started"],
        now=row["now"],
        replicas=row["replicas"],
        in_recovery=target.in_recovery,
    )


def usage_of(indexes: Sequence[Index]) -> dict[int, Usage]:
    """Counters per index; a partitioned index gets the sums over the indexes of its
    partitions (at any depth), which are the ones that are scanned and take space."""
    by_name = {index.name: index for index in indexes}
    children: dict[str, list[Index]] = defaultdict(list)
    for index in indexes:
        if index.parent is not None and index.parent in by_name:
            children[index.parent].append(index)
    usage: dict[int, Usage] = {}
    for index in indexes:
        leaves = [c for c in children.get(index.name, []) if not c.partitioned]
        members = leaves if index.partitioned else [index]
        last = [m.last_scan for m in members if m.last_scan is not None]
        usage[index.oid] = Usage(
            scans=sum(m.scans or 0 for m in members),
            tuples_read=sum(m.tuples_read or 0 for m in members),
            tuples_fetched=sum(m.tuples_fetched or 0 for m in members),
            size_bytes=sum(m.size_bytes for m in members),
            partitions=len(leaves),
            last_scan=max(last, default=None),
        )
    return usage


def drop_sql(index: Index) -> tuple[str, ...]:
    """Statements that drop `index` with the least locking PostgreSQL allows."""
    if index.partitioned:
        # No CONCURRENTLY for a partitioned index: the DROP takes an exclusive lock on the
        # table and every partition, so it must give up rather than queue behind a long query.
        return (f"SET lock_timeout = '{LOCK_TIMEOUT}';", f"DROP INDEX {index.name};")
    return (f"DROP INDEX CONCURRENTLY {index.name};",)


# -- unused -------------------------------------------------------------------------------------


def unused_finding(
    indexes: Sequence[Index],
    usage: dict[int, Usage],
    window: StatisticsWindow,
    thresholds: Thresholds,
    limit: int,
    unused_after_s: float,
) -> tuple[Finding, list[Table]]:
    # Partition indexes are judged through their parent: one partition's index dropped alone
    # would come back with the next partition attached, and the parent is what queries name.
    unused = [
        index
        for index in indexes
        if index.parent is None and index.valid and usage[index.oid].scans == 0
    ]
    unused.sort(key=lambda i: (-usage[i.oid].size_bytes, i.name))
    droppable = [index for index in unused if not index.enforces]
    enforcing = [
        index
        for index in unused
        if index.enforces and usage[index.oid].size_bytes >= thresholds.enforcing_mention_bytes
    ]
    tables = []
    if droppable:
        tables.append(
            Table(
                "Unused indexes",
                (
                    Column("index"),
                    Column("table"),
                    Column("size", Kind.BYTES),
                    Column("partitions", Kind.NUMBER),
                    Column("foreign key"),
                    Column("definition", Kind.SQL),
                ),
                [
                    (
                        *_unused_row(index, usage),
                        "yes" if index.foreign_key else None,
                        index.definition,
                    )
                    for index in droppable[:limit]
                ],
                note=f"Never scanned {window.since}. " + _more(len(droppable), limit),
            )
        )
    if enforcing:
        tables.append(
            Table(
                "Unused indexes that enforce a constraint (keep unless the rule can go)",
                (
                    Column("index"),
                    Column("table"),
                    Column("size", Kind.BYTES),
                    Column("partitions", Kind.NUMBER),
                    Column("enforces"),
                    Column("definition", Kind.SQL),
                ),
                [
                    (*_unused_row(index, usage), _rule(index), index.definition)
                    for index in enforcing[:limit]
                ],
                note="Never scanned, but every write is checked against them; dropping one "
                "drops the rule. " + _more(len(enforcing), limit),
            )
        )
    enforcing_note = ""
    if enforcing:
        size = human_bytes(sum(usage[i.oid].size_bytes for i in enforcing))
        enforcing_note = (
            f" {len(enforcing)} unused index(es) ({size}) enforce a primary key, unique or "
            "exclusion constraint and are not proposed for dropping."
        )
    if not droppable:
        return (
            Finding(
                check="indexes.unused",
                title="No unused indexes",
                status=Status.PASS,
                detail=f"Every index that enforces no rule has been scanned {window.since}."
                + enforcing_note,
            ),
            tables,
        )
    if window.seconds < unused_after_s:
        return (
            Finding(
                check="indexes.unused",
                title="Too early to call an index unused",
                status=Status.PASS,
                detail=f"{len(droppable)} index(es) have not been scanned {window.since}: too "
                f"short to judge (this check waits for {human_seconds(unused_after_s)} of "
                "statistics), since an index that only a daily or weekly job reads looks unused "
                "until then. They are listed below." + enforcing_note,
            ),
            tables,
        )
    wasted = human_bytes(sum(usage[i.oid].size_bytes for i in droppable))
    names = ", ".join(index.name for index in droppable[:5])
    shown = droppable[:limit]
    advice = [
        "If no query, report or replica needs them, drop them one by one with DROP INDEX "
        "CONCURRENTLY, which does not block reads or writes (it cannot run inside a "
        "transaction block). Keep the definitions to recreate them if a query misses them."
    ]
    if any(index.partitioned for index in shown):
        advice.append(
            "A partitioned index cannot be dropped concurrently: its DROP locks the table and "
            "every partition for a moment, so it waits at most the lock timeout."
        )
    if any(index.foreign_key for index in shown):
        advice.append(
            "Indexes marked 'foreign key' lead with a foreign key's columns: deleting or "
            "re-keying a referenced row looks up its referencing rows through them, and without "
            "one each such delete reads the whole table. They are left out of the statements "
            "below; drop them only if referenced rows are never deleted or re-keyed."
        )
    return (
        Finding(
            check="indexes.unused",
            title=f"{len(droppable)} unused index(es), {wasted}",
            status=Status.WARN,
            detail=f"{names}{' and others' if len(droppable) > 5 else ''} "
            f"{'has' if len(droppable) == 1 else 'have'} not been scanned once {window.since}. "
            "Every insert and update still pays to maintain them, and they take disk and "
            f"cache. {window.caveat}" + enforcing_note,
            advice=" ".join(advice),
            fix_sql=tuple(
                sql for index in shown if not index.foreign_key for sql in drop_sql(index)
            ),
        ),
        tables,
    )


def _unused_row(index: Index, usage: dict[int, Usage]) -> tuple[Any, ...]:
    partitions = usage[index.oid].partitions if index.partitioned else None
    return (index.name, index.table, usage[index.oid].size_bytes, partitions)


def _rule(index: Index) -> str:
    if index.primary:
        return "primary key"
    if index.exclusion:
        return "exclusion constraint"
    if index.unique:
        return "unique constraint" if index.constraint else "unique index"
    return "replica identity"


def _more(total: int, limit: int) -> str:
    return f"The first {limit} of {total} are listed." if total > limit else ""


# -- duplicates ---------------------------------------------------------------------------------


def _rank(index: Index, usage: dict[int, Usage]) -> tuple[Any, ...]:
    """Which of two exact duplicates to keep: the one that enforces more, then the used one,
    then the older one."""
    return (
        index.constraint is not None,
        index.primary,
        index.unique,
        index.referenced,
        usage[index.oid].scans,
        -index.oid,
    )


def redundancy(covered: Index, other: Index, usage: dict[int, Usage]) -> str | None:
    """Why `covered` is redundant next to `other`, or None if it is not.

    Conservative on purpose: anything these rules do not understand keeps the index."""
    if (
        covered.oid == other.oid
        or covered.table_oid != other.table_oid
        or covered.method != other.method
        or not (covered.valid and other.valid)
        or covered.predicate != other.predicate
    ):
        return None
    # Never the index of one partition (the parent owns it), a primary key, an exclusion
    # constraint, the replica identity, or an index a foreign key points at.
    if (
        covered.parent is not None
        or covered.primary
        or covered.exclusion
        or covered.replica_identity
        or covered.referenced
    ):
        return None
    if covered.keys == other.keys and set(covered.include) == set(other.include):
        if covered.unique and not (
            other.unique and other.nulls_not_distinct == covered.nulls_not_distinct
        ):
            return None
        # Of two exact duplicates exactly one goes: the one ranked lower.
        return "exact duplicate" if _rank(covered, usage) < _rank(other, usage) else None
    # Beyond exact duplicates only btree's leading-column rule is understood.
    if covered.method != "btree" or covered.unique:
        return None
    width = len(covered.keys)
    if width > len(other.keys) or other.keys[:width] != covered.keys:
        return None
    if not set(covered.include) <= other.columns:
        return None
    return "leading columns of" if width < len(other.keys) else "same keys as"


@dataclass(frozen=True, slots=True)
class Duplicate:
    covered: Index
    by: Index
    reason: str


def find_duplicates(indexes: Sequence[Index], usage: dict[int, Usage]) -> list[Duplicate]:
    by_table: dict[int, list[Index]] = defaultdict(list)
    for index in indexes:
        by_table[index.table_oid].append(index)
    found: list[Duplicate] = []
    for siblings in by_table.values():
        covering = {
            index.oid: [
                (other, reason)
                for other in siblings
                if (reason := redundancy(index, other, usage)) is not None
            ]
            for index in siblings
        }
        redundant = {oid for oid, by in covering.items() if by}
        for index in siblings:
            # Name an index that itself stays; the relation is transitive, so one exists.
            keepers = [(o, r) for o, r in covering[index.oid] if o.oid not in redundant]
            if keepers:
                other, reason = min(
                    keepers, key=lambda pair: (pair[1] != "exact duplicate", len(pair[0].keys))
                )
                found.append(Duplicate(index, other, reason))
    found.sort(key=lambda d: (-usage[d.covered.oid].size_bytes, d.covered.name))
    return found


def duplicate_finding(
    indexes: Sequence[Index], usage: dict[int, Usage], limit: int
) -> tuple[Finding, list[Table]]:
    duplicates = find_duplicates(indexes, usage)
    if not duplicates:
        return (
            Finding(
                check="indexes.duplicate",
                title="No duplicate indexes",
                status=Status.PASS,
                detail="No index is an exact duplicate of another, or (btree) a leading part of "
                "another with the same predicate, operator classes and collations.",
            ),
            [],
        )
    shown = duplicates[:limit]
    table = Table(
        "Duplicate indexes",
        (
            Column("index"),
            Column("table"),
            Column("size", Kind.BYTES),
            Column("why"),
            Column("covered by"),
            Column("definition", Kind.SQL),
            Column("covered by definition", Kind.SQL),
        ),
        [
            (
                d.covered.name,
                d.covered.table,
                usage[d.covered.oid].size_bytes,
                d.reason,
                d.by.name,
                d.covered.definition,
                d.by.definition,
            )
            for d in shown
        ],
        note=_more(len(duplicates), limit) or None,
    )
    fixes: list[str] = []
    for d in shown:
        if d.covered.constraint is not None:
            # A constraint's index goes with the constraint.
            fixes.append(f"ALTER TABLE {d.covered.table} DROP CONSTRAINT {d.covered.constraint};")
        else:
            fixes.extend(drop_sql(d.covered))
    first = shown[0]
    wasted = human_bytes(sum(usage[d.covered.oid].size_bytes for d in duplicates))
    return (
        Finding(
            check="indexes.duplicate",
            title=f"{len(duplicates)} duplicate index(es), {wasted}",
            status=Status.WARN,
            detail=f"{first.covered.name} is redundant: it has the {first.reason} "
            f"{first.by.name}, which serves every query it could serve. A redundant index "
            "costs every write and takes space and cache for nothing.",
            advice="Drop the redundant index; the one that covers it stays. DROP INDEX "
            "CONCURRENTLY does not block reads or writes. A redundant unique constraint is "
            "dropped with its constraint (ALTER TABLE ... DROP CONSTRAINT), which fails if a "
            "foreign key relies on it. Look at the definitions first: an index kept for a "
            "specific plan (a smaller index for an index-only scan) may be worth keeping.",
            fix_sql=tuple(fixes),
        ),
        [table],
    )


# -- invalid ------------------------------------------------------------------------------------


def invalid_fix(index: Index) -> tuple[str, ...]:
    if REINDEX_LEFTOVER.search(index.relname) and not index.partitioned:
        return (f"DROP INDEX CONCURRENTLY {index.name};",)
    if index.partitioned:
        return ()
    return (f"REINDEX INDEX CONCURRENTLY {index.name};",)


def invalid_finding(indexes: Sequence[Index], limit: int) -> tuple[Finding, list[Table]]:
    invalid = [index for index in indexes if not index.valid]
    if not invalid:
        return (
            Finding(
                check="indexes.invalid",
                title="No invalid indexes",
                status=Status.PASS,
                detail="Every index finished building and can be used by queries.",
            ),
            [],
        )
    shown = invalid[:limit]
    table = Table(
        "Invalid indexes",
        (
            Column("index"),
            Column("table"),
            Column("size", Kind.BYTES),
            Column("maintained on writes"),
            Column("definition", Kind.SQL),
        ),
        [(i.name, i.table, i.size_bytes, "yes" if i.ready else "no", i.definition) for i in shown],
        note=_more(len(invalid), limit) or None,
    )
    advice = [
        "Rebuild each with REINDEX INDEX CONCURRENTLY (it does not block writes). If the build "
        "failed for a reason that still holds (duplicate values for a unique index, a deadlock "
        "or a cancelled statement are the usual ones), fix that first, or drop it with DROP "
        "INDEX CONCURRENTLY and create it again with CREATE INDEX CONCURRENTLY."
    ]
    if any(REINDEX_LEFTOVER.search(i.relname) for i in invalid):
        advice.append(
            "Indexes named *_ccnew or *_ccold are left over from a failed REINDEX "
            "CONCURRENTLY; the original index is intact, so they are simply dropped."
        )
    if any(i.partitioned for i in invalid):
        advice.append(
            "An invalid partitioned index lacks an index on some partition: create a matching "
            "index on each such partition (CREATE INDEX CONCURRENTLY ... ON the partition) and "
            "attach it with ALTER INDEX <parent index> ATTACH PARTITION <new index>; the parent "
            "becomes valid once every partition has one."
        )
    return (
        Finding(
            check="indexes.invalid",
            title=f"{len(invalid)} invalid index(es)",
            status=Status.FAIL,
            detail=f"{invalid[0].name} is invalid, usually the remains of a CREATE INDEX "
            "CONCURRENTLY or REINDEX CONCURRENTLY that failed. Queries cannot use it, yet "
            "writes still maintain it (and a unique one still rejects duplicates), so it only "
            "costs.",
            advice=" ".join(advice),
            fix_sql=tuple(sql for index in shown for sql in invalid_fix(index)),
        ),
        [table],
    )


# -- bloat --------------------------------------------------------------------------------------


def bloat_finding(
    report: BloatReport,
    by_oid: dict[int, Index],
    thresholds: Thresholds,
    limit: int,
) -> tuple[Finding, list[Table]]:
    estimates = [b for b in report.estimates if b.oid in by_oid]
    large = [b for b in estimates if b.is_large(thresholds.bloat_ratio, thresholds.bloat_bytes)]
    notes = [
        "An estimate from pg_stats and pg_class (as fresh as the last VACUUM or ANALYZE); "
        "btree only."
    ]
    if report.unestimated:
        notes.append(
            f"{len(report.unestimated)} index(es) are not estimated: their tables have no "
            "statistics this role can read (never analyzed: ANALYZE them; or no SELECT "
            "privilege on them)."
        )
    table = Table(
        "Estimated btree bloat",
        (Column("index"), Column("table"), *MEASURE_COLUMNS),
        [(b.relation, b.table, *b.measures()) for b in estimates[:limit]],
        note=" ".join(notes),
    )
    if not large:
        return (
            Finding(
                check="indexes.bloat",
                title="No badly bloated indexes",
                status=Status.PASS,
                detail=f"No btree index is estimated to be more than "
                f"{thresholds.bloat_ratio:.0%} empty space and over "
                f"{human_bytes(thresholds.bloat_bytes)} of it.",
            ),
            [table],
        )
    wasted = human_bytes(sum(b.wasted_bytes for b in large))
    top = large[0]
    return (
        Finding(
            check="indexes.bloat",
            title=f"{len(large)} bloated index(es), about {wasted} of empty space",
            status=Status.WARN,
            detail=f"{top.relation} is {human_bytes(top.actual_bytes)} but would be about "
            f"{human_bytes(top.expected_bytes)} freshly built ({top.ratio:.0%} empty space). "
            "Pages emptied by deletes and updates stay part of an index until it is rebuilt; "
            "a bloated index takes more cache and more reads per scan.",
            advice="Rebuild with REINDEX INDEX CONCURRENTLY: it builds a fresh copy beside the "
            "old one without blocking reads or writes, then swaps them; it needs room for the "
            "copy meanwhile. If the same index bloats again quickly, look at what deletes or "
            "updates its keys in bulk and at vacuum (pressroom doctor maintenance).",
            fix_sql=tuple(f"REINDEX INDEX CONCURRENTLY {b.relation};" for b in large[:limit]),
        ),
        [table],
    )


# -- sequential scans ---------------------------------------------------------------------------


async def seq_scan_finding(
    target: Target, window: StatisticsWindow, thresholds: Thresholds, limit: int
) -> tuple[Finding, list[Table]]:
    rows = await target.conn.fetch(
        SEQ_SCANNED, max(1, thresholds.seq_scans), thresholds.seq_rows_per_scan, SNAPSHOT_SCHEMA
    )
    if not rows:
        return (
            Finding(
                check="indexes.seq_scans",
                title="No tables read whole over and over",
                status=Status.PASS,
                detail=f"No table had {thresholds.seq_scans}+ sequential scans of "
                f"{thresholds.seq_rows_per_scan:,}+ rows each, outnumbering its index scans, "
                f"{window.since}.",
            ),
            [],
        )
    table = Table(
        "Tables read mostly by sequential scans",
        (
            Column("table"),
            Column("sequential scans", Kind.NUMBER),
            Column("rows read sequentially", Kind.NUMBER),
            Column("rows per scan", Kind.NUMBER),
            Column("index scans", Kind.NUMBER),
            Column("size", Kind.BYTES),
        ),
        [
            (
                row["table_name"],
                row["seq_scan"],
                row["seq_tup_read"],
                row["rows_per_scan"],
                row["idx_scan"],
                row["size_bytes"],
            )
            for row in rows[:limit]
        ],
        note=f"Counted {window.since}. " + _more(len(rows), limit),
    )
    top = rows[0]
    return (
        Finding(
            check="indexes.seq_scans",
            title=f"{len(rows)} table(s) read whole over and over",
            status=Status.WARN,
            detail=f"{top['table_name']} was scanned sequentially {top['seq_scan']:,} times, "
            f"{top['rows_per_scan']:,} rows each time on average, more often than through any "
            "index. If those queries want a few rows, an index would read a handful of pages "
            "instead of the whole table.",
            advice=f"Run the index advisor ({ADVISOR_COMMAND}): it finds the statements behind "
            "these scans in pg_stat_statements and checks candidate indexes with HypoPG before "
            "you build one. Reports and batch jobs that really need every row are fine as "
            "they are.",
        ),
        [table],
    )


# -- the section --------------------------------------------------------------------------------


def usage_table(
    indexes: Sequence[Index], usage: dict[int, Usage], window: StatisticsWindow, limit: int
) -> Table:
    ordered = sorted(indexes, key=lambda i: (-usage[i.oid].size_bytes, i.name))
    return Table(
        "Index usage",
        (
            Column("index"),
            Column("table"),
            Column("method"),
            Column("scans", Kind.NUMBER),
            Column("tuples read", Kind.NUMBER),
            Column("tuples fetched", Kind.NUMBER),
            Column("size", Kind.BYTES),
            Column("last scan", Kind.TIMESTAMP),
            Column("partition of"),
            Column("definition", Kind.SQL),
        ),
        [
            (
                index.name,
                index.table,
                index.method + (" (partitioned)" if index.partitioned else ""),
                usage[index.oid].scans,
                usage[index.oid].tuples_read,
                usage[index.oid].tuples_fetched,
                usage[index.oid].size_bytes,
                usage[index.oid].last_scan,
                index.parent,
                index.definition,
            )
            for index in ordered[:limit]
        ],
        note=f"Largest first; counters {window.since}; a partitioned index shows the sums "
        "over its partitions' indexes, which are listed too. "
        + _more(len(ordered), limit)
        + (" Last scan needs PostgreSQL 16." if all(i.last_scan is None for i in indexes) else ""),
    )


def window_table(window: StatisticsWindow) -> Table:
    return Table(
        "Statistics window",
        (
            Column("statistics reset", Kind.TIMESTAMP),
            Column("server started", Kind.TIMESTAMP),
            Column("counting for", Kind.SECONDS),
            Column("standby"),
            Column("replicas"),
        ),
        [
            (
                window.stats_reset,
                window.started,
                (window.now - (window.stats_reset or window.started)).total_seconds(),
                "yes" if window.in_recovery else "no",
                window.replicas,
            )
        ],
        note="Usage counts since the statistics reset (never reset: since they began, at least "
        "since the server started). " + window.caveat,
    )


async def inspect(
    target: Target, options: Options, thresholds: Thresholds | None = None
) -> Section:
    limits = thresholds or Thresholds()
    indexes = await load_indexes(target)
    usage = usage_of(indexes)
    window = await statistics_window(target)
    by_oid = {index.oid: index for index in indexes}
    section = Section(NAME, TITLE)
    section.tables.append(usage_table(indexes, usage, window, options.limit))
    checks = [
        unused_finding(indexes, usage, window, limits, options.limit, options.unused_after_s),
        duplicate_finding(indexes, usage, options.limit),
        invalid_finding(indexes, options.limit),
        bloat_finding(await index_bloat(target.conn), by_oid, limits, options.limit),
        await seq_scan_finding(target, window, limits, options.limit),
    ]
    for finding, tables in checks:
        section.findings.append(finding)
        section.tables.extend(tables)
    section.tables.append(window_table(window))
    return section
