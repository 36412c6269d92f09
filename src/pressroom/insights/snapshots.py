"""Snapshots: query statistics, sizes and database counters recorded now and then, so that any time
window shows what happened in it (not only everything since the statistics were last reset) and
how sizes grew.

The snapshots live in the inspected database itself, in schema `pressroom_insights`, created by
`ensure_schema` with plain idempotent DDL: it works on any PostgreSQL 13+, not only on databases
pressroom migrates. A version number in `pressroom_insights.schema_version` lets later releases
add to it (`MIGRATIONS`).

What one snapshot records, in one transaction:

- Statements. For every pg_stat_statements entry of this database whose counters moved since the
  previous snapshot, how much they moved: its delta, keyed by (queryid, userid, toplevel). The
  values pg_stat_statements held at the previous snapshot are mirrored in `statement_last`, which
  is what the next deltas are computed against; query texts are kept once per queryid. Deltas of
  the entries that moved, rather than every entry's totals: most entries are idle in most
  intervals, a window becomes a plain sum, and pruning old snapshots never changes what newer
  ones say.
- Relation sizes: tables, partitions, indexes and materialized views outside the system schemas,
  with total bytes and live/dead tuples; a partitioned table or index counts the sum of its
  leaves.
- Database counters: pg_stat_database's counters and the database's size, as they are (one row
  per snapshot is cheap); readers take differences.

Resets. An entry's counters restart when pg_stat_statements is reset or evicts the entry to make
room (pg_stat_statements.max). An entry counts as restarted since the previous snapshot when it is
new, when a counter went down, when its stats_since changed (PostgreSQL 17), or when
pg_stat_statements_info.stats_reset moved (14+; all entries): its delta is then its new value
alone. The work between the previous snapshot and the reset is lost, which is why
`queries.reset_statistics` records a snapshot first. On PostgreSQL 13, an entry reset and then run
more often than before cannot be told apart and is undercounted.

Windows (`statement_window`). since=None and until=None: pg_stat_statements' own values, i.e.
since the reset. Otherwise the deltas of the snapshots after the latest one at or before `since`
(the oldest kept when there is none that early; all of them when since is None) up to the latest
one at or before `until`; until=None adds what moved since the last snapshot, computed live with
the same rule.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import asyncpg

from pressroom.errors import PressroomError

log = logging.getLogger(__name__)

SCHEMA = "pressroom_insights"
SCHEMA_VERSION = 1
# Serialises everything that writes snapshots (the background snapshotter, `doctor snapshot` by
# hand, a statistics reset): two writers computing deltas against the same statement_last would
# count the same work twice.
WRITE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('pressroom.insights.snapshots', 0))"
# A relation's size is read under an AccessShareLock; behind a waiting ALTER TABLE the snapshot
# would queue and make everyone queue behind it, so it gives up on sizes instead.
LOCK_TIMEOUT_MS = 2_000
STATEMENT_TIMEOUT_MS = 60_000


class SnapshotError(PressroomError):
    """A snapshot cannot be recorded here (a message for the user)."""


# -- schema ------------------------------------------------------------------------------------

SCHEMA_EXISTS = "SELECT to_regclass('pressroom_insights.snapshots') IS NOT NULL"
VERSION_TABLE_EXISTS = "SELECT to_regclass('pressroom_insights.schema_version') IS NOT NULL"
READ_VERSION = "SELECT max(version) FROM pressroom_insights.schema_version"
WRITE_VERSION = """
INSERT INTO pressroom_insights.schema_version (single, version) VALUES (true, $1)
ON CONFLICT (single) DO UPDATE SET version = greatest(schema_version.version, excluded.version)
"""

# Counters are stored under pg_stat_statements' own names (times in ms), summed from deltas.
_COUNTER_COLUMNS = """
    calls bigint NOT NULL,
    total_exec_time double precision NOT NULL,
    rows bigint NOT NULL,
    shared_blks_hit bigint NOT NULL,
    shared_blks_read bigint NOT NULL,
    shared_blks_dirtied bigint NOT NULL,
    shared_blks_written bigint NOT NULL,
    temp_blks_read bigint NOT NULL,
    temp_blks_written bigint NOT NULL,
    blk_read_time double precision,
    blk_write_time double precision,
    plans bigint,
    total_plan_time double precision,
    wal_records bigint,
    wal_fpi bigint,
    wal_bytes numeric"""

SCHEMA_V1 = f"""
CREATE SCHEMA IF NOT EXISTS pressroom_insights;
CREATE TABLE IF NOT EXISTS pressroom_insights.schema_version (
    single boolean PRIMARY KEY DEFAULT true CHECK (single),
    version integer NOT NULL
);
-- The tables below refer to snapshots(id) without foreign keys: a key would check every row a
-- snapshot inserts, thousands of statements that would crowd the statistics being shown.
-- Pruning deletes a snapshot's rows with it.
CREATE TABLE IF NOT EXISTS pressroom_insights.snapshots (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken_at timestamptz NOT NULL UNIQUE,
    -- pg_stat_statements could be read; statement deltas cover (statements_from, taken_at],
    -- statements_from NULL meaning since the statistics were reset.
    statements boolean NOT NULL DEFAULT false,
    statements_from timestamptz,
    statements_reset timestamptz
);
CREATE TABLE IF NOT EXISTS pressroom_insights.statement_texts (
    queryid bigint PRIMARY KEY,
    query text NOT NULL
);
CREATE TABLE IF NOT EXISTS pressroom_insights.statement_deltas (
    snapshot_id bigint NOT NULL,
    queryid bigint NOT NULL,
    userid oid NOT NULL,
    toplevel boolean NOT NULL,{_COUNTER_COLUMNS},
    PRIMARY KEY (snapshot_id, queryid, userid, toplevel)
);
CREATE INDEX IF NOT EXISTS statement_deltas_queryid
    ON pressroom_insights.statement_deltas (queryid, snapshot_id);
CREATE TABLE IF NOT EXISTS pressroom_insights.statement_last (
    queryid bigint NOT NULL,
    userid oid NOT NULL,
    toplevel boolean NOT NULL,{_COUNTER_COLUMNS},
    stats_since timestamptz,
    PRIMARY KEY (queryid, userid, toplevel)
);
CREATE TABLE IF NOT EXISTS pressroom_insights.relation_sizes (
    snapshot_id bigint NOT NULL,
    relation text NOT NULL,
    kind text NOT NULL,
    total_bytes bigint NOT NULL,
    live_tuples bigint,
    dead_tuples bigint,
    PRIMARY KEY (snapshot_id, relation)
);
CREATE TABLE IF NOT EXISTS pressroom_insights.database_stats (
    snapshot_id bigint PRIMARY KEY,
    numbackends integer NOT NULL,
    xact_commit bigint NOT NULL,
    xact_rollback bigint NOT NULL,
    blks_read bigint NOT NULL,
    blks_hit bigint NOT NULL,
    tup_returned bigint NOT NULL,
    tup_fetched bigint NOT NULL,
    tup_inserted bigint NOT NULL,
    tup_updated bigint NOT NULL,
    tup_deleted bigint NOT NULL,
    temp_bytes bigint NOT NULL,
    deadlocks bigint NOT NULL,
    size_bytes bigint NOT NULL,
    stats_reset timestamptz
);
"""

# (version, DDL): applied in order to a schema older than `version`. Each step must stay
# idempotent, as two releases may meet the same database.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, SCHEMA_V1),)


async def has_schema(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(SCHEMA_EXISTS))


async def schema_version(conn: asyncpg.Connection) -> int:
    """The version of the snapshot schema here; 0 when there is none."""
    if not await conn.fetchval(VERSION_TABLE_EXISTS):
        return 0
    return int(await conn.fetchval(READ_VERSION) or 0)


async def ensure_schema(conn: asyncpg.Connection) -> None:
    """Create or bring up to date the snapshot schema; a no-op when it is current."""
    try:
        async with conn.transaction():
            # CREATE ... IF NOT EXISTS still fails when two sessions race to create the object.
            await conn.execute(WRITE_LOCK)
            version = await schema_version(conn)
            for number, ddl in MIGRATIONS:
                if number > version:
                    await conn.execute(ddl)
            if version < SCHEMA_VERSION:
                await conn.execute(WRITE_VERSION, SCHEMA_VERSION)
    except asyncpg.InsufficientPrivilegeError as exc:
        raise SnapshotError(
            f"cannot create the snapshot schema {SCHEMA}: {exc.message}; connect as the "
            "database owner or a superuser once (`pressroom doctor snapshot`), or GRANT CREATE ON "
            "DATABASE to this role"
        ) from None
    except asyncpg.ReadOnlySQLTransactionError:
        raise SnapshotError(
            "this database is read-only (a standby?): take snapshots on the primary"
        ) from None


# -- what pg_stat_statements offers on this server ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Counter:
    name: str  # ours, and the column in statement_deltas/statement_last
    sql_type: str
    sources: tuple[str, ...]  # pg_stat_statements columns holding it, newest name first

    @property
    def read_type(self) -> str:
        # wal_bytes is numeric, which asyncpg reads as Decimal; it fits a bigint.
        return "bigint" if self.sql_type == "numeric" else self.sql_type


COUNTERS = (
    Counter("calls", "bigint", ("calls",)),
    Counter("total_exec_time", "double precision", ("total_exec_time", "total_time")),
    Counter("rows", "bigint", ("rows",)),
    Counter("shared_blks_hit", "bigint", ("shared_blks_hit",)),
    Counter("shared_blks_read", "bigint", ("shared_blks_read",)),
    Counter("shared_blks_dirtied", "bigint", ("shared_blks_dirtied",)),
    Counter("shared_blks_written", "bigint", ("shared_blks_written",)),
    Counter("temp_blks_read", "bigint", ("temp_blks_read",)),
    Counter("temp_blks_written", "bigint", ("temp_blks_written",)),
    # Renamed in PostgreSQL 17 when local block times got their own columns.
    Counter("blk_read_time", "double precision", ("shared_blk_read_time", "blk_read_time")),
    Counter("blk_write_time", "double precision", ("shared_blk_write_time", "blk_write_time")),
    Counter("plans", "bigint", ("plans",)),
    Counter("total_plan_time", "double precision", ("total_plan_time",)),
    Counter("wal_records", "bigint", ("wal_records",)),
    Counter("wal_fpi", "bigint", ("wal_fpi",)),
    Counter("wal_bytes", "numeric", ("wal_bytes",)),
)
NAMES = [c.name for c in COUNTERS]
# All of an entry's counters restart together; any of these going down means it restarted.
RESTART_SIGNS = ("calls", "total_exec_time", "rows", "shared_blks_hit", "shared_blks_read")

STATEMENT_SOURCE = """
SELECT format('%I', n.nspname) AS schema,
       array_agg(a.attname::text) AS columns,
       to_regclass(format('%I.pg_stat_statements_info', n.nspname)) IS NOT NULL AS has_info
  FROM pg_extension e
  JOIN pg_namespace n ON n.oid = e.extnamespace
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'pg_stat_statements'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE e.extname = 'pg_stat_statements'
 GROUP BY n.nspname
"""


@dataclass(frozen=True, slots=True)
class StatementSource:
    """Where pg_stat_statements lives here and which of its columns this version has.

    The SQL built from it only ever names the quoted schema and columns from `COUNTERS`.
    """

    schema: str  # quoted
    columns: frozenset[str]
    has_info: bool  # pg_stat_statements_info (1.9, PostgreSQL 14)

    def _column(self, candidates: Iterable[str], sql_type: str) -> str:
        for column in candidates:
            if column in self.columns:
                return f"{column}::{sql_type}"
        return f"NULL::{sql_type}"

    def live(self) -> str:
        """This database's entries as they are now, under our names."""
        counters = ",\n               ".join(
            f"{self._column(c.sources, c.sql_type)} AS {c.name}" for c in COUNTERS
        )
        toplevel = "toplevel" if "toplevel" in self.columns else "true"
        stats_since = self._column(("stats_since",), "timestamptz")
        # Entries without a queryid are other roles' statements this role may not see.
        return f"""
        SELECT queryid, userid, {toplevel} AS toplevel, query,
               {counters},
               {stats_since} AS stats_since
          FROM {self.schema}.pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND queryid IS NOT NULL"""  # noqa: S608 - a quoted schema and constant columns

    def text(self) -> str:
        """The text of statement `$1` in this database."""
        return f"""
        SELECT query FROM {self.schema}.pg_stat_statements
         WHERE queryid = $1 AND query IS NOT NULL
           AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         LIMIT 1"""  # noqa: S608 - a quoted schema

    def reset(self) -> str:
        """Resets this database's entries only (userid and queryid 0: all of them)."""
        return f"""
        SELECT {self.schema}.pg_stat_statements_reset(
                   0::oid, (SELECT oid FROM pg_database WHERE datname = current_database()),
                   0::bigint)"""  # noqa: S608 - a quoted schema

    def info_reset(self) -> str | None:
        if not self.has_info:
            return None
        return f"SELECT stats_reset FROM {self.schema}.pg_stat_statements_info"  # noqa: S608 - quoted


async def statement_source(conn: asyncpg.Connection) -> StatementSource | None:
    """pg_stat_statements as installed in this database; None when it is not."""
    row = await conn.fetchrow(STATEMENT_SOURCE)
    if row is None:
        return None
    return StatementSource(row["schema"], frozenset(row["columns"]), row["has_info"])


def _moved(live_cte: str) -> str:
    """Each live entry's movement since statement_last (the previous snapshot), with the restart
    rule; `$1` says pg_stat_statements was reset as a whole since then. Entries that did not move
    are left out."""
    went_down = " OR ".join(f"v.{name} < l.{name}" for name in RESTART_SIGNS)
    deltas = ",\n           ".join(
        f"CASE WHEN r.restarted THEN v.{n} ELSE v.{n} - l.{n} END AS {n}" for n in NAMES
    )
    return f"""
    SELECT v.queryid, v.userid, v.toplevel,
           {deltas}
      FROM {live_cte} v
      LEFT JOIN pressroom_insights.statement_last l
             ON l.queryid = v.queryid AND l.userid = v.userid AND l.toplevel = v.toplevel
     CROSS JOIN LATERAL (
           SELECT l.queryid IS NULL OR $1::boolean
                  OR v.stats_since IS DISTINCT FROM l.stats_since
                  OR {went_down} AS restarted) r
     WHERE CASE WHEN r.restarted THEN v.calls > 0 OR v.plans > 0
                ELSE v.calls <> l.calls OR v.plans <> l.plans END"""  # noqa: S608 - constant fragments


def _record_statements(source: StatementSource) -> str:
    """One statement that records the deltas ($2: the snapshot), the texts of what moved, and
    mirrors pg_stat_statements into statement_last; pg_stat_statements is read once (`live` is
    materialised), so all three agree."""
    names = ", ".join(NAMES)
    changed = " OR ".join(
        f"statement_last.{n} IS DISTINCT FROM excluded.{n}" for n in [*NAMES, "stats_since"]
    )
    updates = ", ".join(f"{n} = excluded.{n}" for n in [*NAMES, "stats_since"])
    return f"""
WITH live AS MATERIALIZED ({source.live()}),
moved AS MATERIALIZED ({_moved("live")}),
texts AS (
    INSERT INTO pressroom_insights.statement_texts (queryid, query)
    SELECT DISTINCT ON (queryid) queryid, query
      FROM live
     WHERE query IS NOT NULL AND queryid IN (SELECT queryid FROM moved)
     ORDER BY queryid
        ON CONFLICT (queryid) DO NOTHING
),
deltas AS (
    INSERT INTO pressroom_insights.statement_deltas (snapshot_id, queryid, userid, toplevel, {names})
    SELECT $2, queryid, userid, toplevel, {names} FROM moved
),
forgotten AS (
    -- Gone from pg_stat_statements (reset or evicted): if it comes back, it starts from zero.
    DELETE FROM pressroom_insights.statement_last l
     WHERE NOT EXISTS (SELECT FROM live v
                        WHERE v.queryid = l.queryid AND v.userid = l.userid
                          AND v.toplevel = l.toplevel)
)
INSERT INTO pressroom_insights.statement_last (queryid, userid, toplevel, {names}, stats_since)
SELECT queryid, userid, toplevel, {names}, stats_since FROM live
    ON CONFLICT (queryid, userid, toplevel) DO UPDATE SET {updates}
 WHERE {changed}
"""  # noqa: S608 - constant fragments; values are bound parameters


def _sums(prefix: str) -> str:
    return ",\n       ".join(f"sum({prefix}{c.name})::{c.read_type} AS {c.name}" for c in COUNTERS)


def _live_window(source: StatementSource) -> str:
    """What moved since the last snapshot, per queryid ($1 as in `_moved`)."""
    return f"""
WITH live AS MATERIALIZED ({source.live()}),
moved AS ({_moved("live")})
SELECT m.queryid,
       (SELECT v.query FROM live v WHERE v.queryid = m.queryid AND v.query IS NOT NULL LIMIT 1)
           AS query,
       {_sums("m.")}
  FROM moved m
 GROUP BY m.queryid
"""  # noqa: S608 - constant fragments


def _live_totals(source: StatementSource) -> str:
    """pg_stat_statements' own values, per queryid (summed over roles and nesting levels)."""
    return f"""
WITH live AS ({source.live()})
SELECT queryid, min(query) AS query,
       {_sums("")}
  FROM live
 GROUP BY queryid
"""  # noqa: S608 - constant fragments


STORED_WINDOW = f"""
SELECT d.queryid, t.query,
       {_sums("d.")}
  FROM pressroom_insights.statement_deltas d
  LEFT JOIN pressroom_insights.statement_texts t ON t.queryid = d.queryid
 WHERE d.snapshot_id > $1 AND d.snapshot_id <= $2
 GROUP BY d.queryid, t.query
"""  # noqa: S608 - constant fragments


# -- taking a snapshot -------------------------------------------------------------------------

IN_RECOVERY = "SELECT pg_is_in_recovery()"
LIMIT_WAITS = """
SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)
"""
NEW_SNAPSHOT = """
INSERT INTO pressroom_insights.snapshots (taken_at) VALUES (clock_timestamp())
RETURNING id, taken_at
"""
LAST_STATEMENTS_SNAPSHOT = """
SELECT taken_at, statements_reset FROM pressroom_insights.snapshots
 WHERE statements AND id < $1
 ORDER BY id DESC LIMIT 1
"""
STATEMENTS_RECORDED = """
UPDATE pressroom_insights.snapshots
   SET statements = true, statements_from = $2, statements_reset = $3
 WHERE id = $1
"""
# Leaves only: a partitioned table's own storage is empty, its partitions hold its bytes.
RECORD_SIZES = r"""
INSERT INTO pressroom_insights.relation_sizes
       (snapshot_id, relation, kind, total_bytes, live_tuples, dead_tuples)
SELECT $1,
       format('%I.%I', n.nspname, c.relname),
       CASE c.relkind
            WHEN 'r' THEN CASE WHEN c.relispartition THEN 'partition' ELSE 'table' END
            WHEN 'm' THEN 'materialized view'
            WHEN 'p' THEN 'partitioned table'
            WHEN 'i' THEN 'index'
            WHEN 'I' THEN 'partitioned index'
       END,
       coalesce(CASE WHEN c.relkind IN ('p', 'I')
                     THEN leaves.total_bytes
                     ELSE pg_total_relation_size(c.oid) END, 0),
       CASE WHEN c.relkind = 'p' THEN leaves.live_tuples
            WHEN c.relkind IN ('r', 'm') THEN s.n_live_tup END,
       CASE WHEN c.relkind = 'p' THEN leaves.dead_tuples
            WHEN c.relkind IN ('r', 'm') THEN s.n_dead_tup END
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
  LEFT JOIN LATERAL (
       SELECT sum(pg_total_relation_size(t.relid))::bigint AS total_bytes,
              sum(ls.n_live_tup)::bigint AS live_tuples,
              sum(ls.n_dead_tup)::bigint AS dead_tuples
         FROM pg_partition_tree(c.oid) t
         LEFT JOIN pg_stat_all_tables ls ON ls.relid = t.relid
        WHERE t.isleaf AND c.relkind IN ('p', 'I')) leaves ON true
 WHERE c.relkind IN ('r', 'm', 'p', 'i', 'I')
   AND c.relpersistence <> 't'
   -- index partitions are counted in their partitioned index
   AND NOT (c.relkind = 'i' AND c.relispartition)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_)'
"""
RECORD_DATABASE = """
INSERT INTO pressroom_insights.database_stats
       (snapshot_id, numbackends, xact_commit, xact_rollback, blks_read, blks_hit, tup_returned,
        tup_fetched, tup_inserted, tup_updated, tup_deleted, temp_bytes, deadlocks, size_bytes,
        stats_reset)
SELECT $1, numbackends, xact_commit, xact_rollback, blks_read, blks_hit, tup_returned,
       tup_fetched, tup_inserted, tup_updated, tup_deleted, temp_bytes, deadlocks,
       pg_database_size(datid), stats_reset
  FROM pg_stat_database
 WHERE datname = current_database()
"""
FORGET_STATEMENTS = "DELETE FROM pressroom_insights.statement_last"
PRUNE = """
WITH old AS (DELETE FROM pressroom_insights.snapshots WHERE taken_at < $1 RETURNING id),
deltas AS (
    DELETE FROM pressroom_insights.statement_deltas WHERE snapshot_id IN (SELECT id FROM old)
),
sizes AS (
    DELETE FROM pressroom_insights.relation_sizes WHERE snapshot_id IN (SELECT id FROM old)
)
DELETE FROM pressroom_insights.database_stats WHERE snapshot_id IN (SELECT id FROM old)
"""
PRUNE_TEXTS = """
DELETE FROM pressroom_insights.statement_texts t
 WHERE NOT EXISTS (SELECT FROM pressroom_insights.statement_deltas d WHERE d.queryid = t.queryid)
"""


async def _reset_since(
    conn: asyncpg.Connection, source: StatementSource, previous_reset: datetime | None
) -> tuple[bool, datetime | None]:
    """Whether pg_stat_statements was reset as a whole since the previous snapshot that read it,
    and its reset time now (PostgreSQL 14+; always False and None before)."""
    query = source.info_reset()
    if query is None:
        return False, None
    current: datetime | None = await conn.fetchval(query)
    return (previous_reset is not None and current != previous_reset), current


async def _record_statements_now(conn: asyncpg.Connection, snapshot_id: int) -> bool:
    """Statement deltas for this snapshot; False when pg_stat_statements cannot be read."""
    source = await statement_source(conn)
    if source is None:
        return False
    previous = await conn.fetchrow(LAST_STATEMENTS_SNAPSHOT, snapshot_id)
    previous_at = previous["taken_at"] if previous else None
    try:
        async with conn.transaction():
            restarted, reset_at = await _reset_since(
                conn, source, previous["statements_reset"] if previous else None
            )
            await conn.execute(_record_statements(source), restarted, snapshot_id)
    except asyncpg.ObjectNotInPrerequisiteStateError:
        # Installed but not in shared_preload_libraries: the view exists and cannot be read.
        return False
    # Without an earlier snapshot statement_last was empty, so the deltas are the totals since
    # the statistics were reset.
    await conn.execute(STATEMENTS_RECORDED, snapshot_id, previous_at, reset_at)
    return True


async def _record_sizes(conn: asyncpg.Connection, snapshot_id: int) -> None:
    try:
        async with conn.transaction():
            await conn.execute(RECORD_SIZES, snapshot_id)
    except asyncpg.LockNotAvailableError:
        log.warning("snapshot without sizes: a relation is locked exclusively (DDL or VACUUM FULL)")


async def record_snapshot(conn: asyncpg.Connection, retention: timedelta | None) -> datetime:
    """Record one snapshot in the caller's transaction, which must hold WRITE_LOCK; prune those
    older than `retention` (None: keep all)."""
    await conn.execute(LIMIT_WAITS, str(LOCK_TIMEOUT_MS), str(STATEMENT_TIMEOUT_MS))
    row = await conn.fetchrow(NEW_SNAPSHOT)
    assert row is not None
    snapshot_id: int = row["id"]
    taken_at: datetime = row["taken_at"]
    await _record_statements_now(conn, snapshot_id)
    await _record_sizes(conn, snapshot_id)
    await conn.execute(RECORD_DATABASE, snapshot_id)
    if retention is not None:
        await conn.execute(PRUNE, taken_at - retention)
        await conn.execute(PRUNE_TEXTS)
    return taken_at


async def forget_statements(conn: asyncpg.Connection) -> None:
    """After pg_stat_statements was reset (by the caller, holding WRITE_LOCK): the next snapshot
    counts every entry from zero, even those that have since run more often than before."""
    await conn.execute(FORGET_STATEMENTS)


async def take_snapshot(
    conn: asyncpg.Connection, retention: timedelta = timedelta(days=30)
) -> datetime:
    """Record statement counters, sizes and database counters now, in one transaction, and
    delete the snapshots older than `retention`; returns when the snapshot was taken.

    Creates the snapshot schema the first time. Without pg_stat_statements, sizes and database
    counters are still recorded.
    """
    if await conn.fetchval(IN_RECOVERY):
        raise SnapshotError("this database is a standby: take snapshots on the primary")
    async with conn.transaction():
        await ensure_schema(conn)
        await conn.execute(WRITE_LOCK)
        return await record_snapshot(conn, retention)


# -- reading -----------------------------------------------------------------------------------

SNAPSHOT_TIMES = "SELECT taken_at FROM pressroom_insights.snapshots ORDER BY taken_at"
LATEST_AT_OR_BEFORE = """
SELECT id, taken_at FROM pressroom_insights.snapshots
 WHERE taken_at <= $1 ORDER BY taken_at DESC LIMIT 1
"""
OLDEST = "SELECT id, taken_at FROM pressroom_insights.snapshots ORDER BY taken_at LIMIT 1"
LATEST = "SELECT id, taken_at FROM pressroom_insights.snapshots ORDER BY taken_at DESC LIMIT 1"
LATEST_STATEMENTS_RESET = """
SELECT statements_reset FROM pressroom_insights.snapshots
 WHERE statements ORDER BY taken_at DESC LIMIT 1
"""
SIZE_HISTORY = """
SELECT s.taken_at, r.relation, r.kind, r.total_bytes, r.live_tuples, r.dead_tuples
  FROM pressroom_insights.relation_sizes r
  JOIN pressroom_insights.snapshots s ON s.id = r.snapshot_id
 WHERE ($1::timestamptz IS NULL OR s.taken_at >= $1)
   AND ($2::timestamptz IS NULL OR s.taken_at <= $2)
 ORDER BY s.taken_at, r.relation
"""
STORED_TEXT = "SELECT query FROM pressroom_insights.statement_texts WHERE queryid = $1"
# Each point covers the interval since the snapshot before it, so the one at or before `since`
# is left out: it covers time before the window.
TOTAL_INTERVALS = """
SELECT s.taken_at,
       extract(epoch FROM s.taken_at - s.statements_from)::float8 AS seconds,
       coalesce(sum(d.calls), 0)::bigint AS calls,
       coalesce(sum(d.total_exec_time), 0)::float8 AS total_exec_time
  FROM pressroom_insights.snapshots s
  -- Top-level statements only: with pg_stat_statements.track = all, a statement run inside a
  -- function is counted on its own too, and its time again inside its caller's.
  LEFT JOIN pressroom_insights.statement_deltas d ON d.snapshot_id = s.id AND d.toplevel
 WHERE s.statements AND s.statements_from IS NOT NULL
   AND ($1::timestamptz IS NULL OR s.taken_at > $1)
   AND ($2::timestamptz IS NULL OR s.taken_at <= $2)
 GROUP BY s.id
 ORDER BY s.taken_at
"""
STATEMENT_INTERVALS = """
SELECT q.queryid, s.taken_at,
       extract(epoch FROM s.taken_at - s.statements_from)::float8 AS seconds,
       coalesce(sum(d.calls), 0)::bigint AS calls,
       coalesce(sum(d.total_exec_time), 0)::float8 AS total_exec_time
  FROM pressroom_insights.snapshots s
 CROSS JOIN unnest($3::bigint[]) AS q(queryid)
  LEFT JOIN pressroom_insights.statement_deltas d
         ON d.snapshot_id = s.id AND d.queryid = q.queryid
 WHERE s.statements AND s.statements_from IS NOT NULL
   AND ($1::timestamptz IS NULL OR s.taken_at > $1)
   AND ($2::timestamptz IS NULL OR s.taken_at <= $2)
 GROUP BY q.queryid, s.id
 ORDER BY q.queryid, s.taken_at
"""
# With the snapshot at or before `since`, so the first interval in the window has a start.
DATABASE_HISTORY = """
SELECT s.taken_at, d.numbackends, d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit,
       d.tup_returned, d.tup_fetched, d.tup_inserted, d.tup_updated, d.tup_deleted,
       d.temp_bytes, d.deadlocks, d.size_bytes, d.stats_reset
  FROM pressroom_insights.database_stats d
  JOIN pressroom_insights.snapshots s ON s.id = d.snapshot_id
 WHERE s.taken_at >= coalesce((SELECT max(taken_at) FROM pressroom_insights.snapshots
                                WHERE taken_at <= $1), '-infinity')
   AND ($2::timestamptz IS NULL OR s.taken_at <= $2)
 ORDER BY s.taken_at
"""


@dataclass(frozen=True, slots=True)
class SizePoint:
    taken_at: datetime
    relation: str  # schema-qualified, each part quoted as needed: public."Odd Name"
    kind: str  # table, partition, partitioned table, index, partitioned index, materialized view
    total_bytes: int  # a table's with its TOAST and indexes; a partitioned one's, its leaves'
    live_tuples: int | None = None  # tables only
    dead_tuples: int | None = None


@dataclass(frozen=True, slots=True)
class StatementStats:
    """One statement's counters over a window, summed over roles and nesting levels; times in
    milliseconds, under pg_stat_statements' names. None: not tracked by this server's
    pg_stat_statements (plans and WAL before 1.8, say)."""

    queryid: int
    query: str | None
    calls: int
    total_exec_time: float
    rows: int
    shared_blks_hit: int
    shared_blks_read: int
    shared_blks_dirtied: int
    shared_blks_written: int
    temp_blks_read: int
    temp_blks_written: int
    blk_read_time: float | None
    blk_write_time: float | None
    plans: int | None
    total_plan_time: float | None
    wal_records: int | None
    wal_fpi: int | None
    wal_bytes: int | None

    @property
    def mean_exec_time(self) -> float | None:
        return self.total_exec_time / self.calls if self.calls else None

    @property
    def cache_hit_percent(self) -> float | None:
        blocks = self.shared_blks_hit + self.shared_blks_read
        return 100.0 * self.shared_blks_hit / blocks if blocks else None

    def plus(self, other: StatementStats) -> StatementStats:
        summed: dict[str, Any] = {}
        for name in NAMES:
            mine, theirs = getattr(self, name), getattr(other, name)
            summed[name] = None if mine is None and theirs is None else (mine or 0) + (theirs or 0)
        return replace(self, query=self.query or other.query, **summed)


@dataclass(frozen=True, slots=True)
class StatementWindow:
    """Statement counters over a window, and the window they really cover."""

    since: datetime | None  # the snapshot the window starts after; None: the statistics reset
    until: datetime | None  # the snapshot it ends at; None: now
    statements: list[StatementStats]
    note: str  # the window in words: "from the snapshot at ... to now"
    missing: str | None = None  # why there is nothing to show for it, as a sentence


@dataclass(frozen=True, slots=True)
class IntervalPoint:
    """Statement counters over the interval that ends at a snapshot."""

    taken_at: datetime
    seconds: float
    calls: int
    total_exec_time: float


@dataclass(frozen=True, slots=True)
class DatabasePoint:
    """pg_stat_database's counters (cumulative since its stats_reset) and the database size."""

    taken_at: datetime
    numbackends: int
    xact_commit: int
    xact_rollback: int
    blks_read: int
    blks_hit: int
    tup_returned: int
    tup_fetched: int
    tup_inserted: int
    tup_updated: int
    tup_deleted: int
    temp_bytes: int
    deadlocks: int
    size_bytes: int
    stats_reset: datetime | None


def _statement(row: asyncpg.Record) -> StatementStats:
    return StatementStats(queryid=row["queryid"], query=row["query"], **{n: row[n] for n in NAMES})


def _merge(*parts: Iterable[StatementStats]) -> list[StatementStats]:
    merged: dict[int, StatementStats] = {}
    for part in parts:
        for stats in part:
            known = merged.get(stats.queryid)
            merged[stats.queryid] = stats if known is None else known.plus(stats)
    return list(merged.values())


async def snapshot_times(conn: asyncpg.Connection) -> list[datetime]:
    """When the kept snapshots were taken, oldest first; empty when there are none."""
    if not await has_schema(conn):
        return []
    return [row["taken_at"] for row in await conn.fetch(SNAPSHOT_TIMES)]


async def size_history(
    conn: asyncpg.Connection, since: datetime | None, until: datetime | None
) -> list[SizePoint]:
    """Every relation's size at each snapshot in [since, until], oldest first."""
    if not await has_schema(conn):
        return []
    return [SizePoint(*row) for row in await conn.fetch(SIZE_HISTORY, since, until)]


async def stored_statement_text(conn: asyncpg.Connection, queryid: int) -> str | None:
    """A statement's text as the snapshots kept it (it may be gone from pg_stat_statements)."""
    if not await has_schema(conn):
        return None
    text: str | None = await conn.fetchval(STORED_TEXT, queryid)
    return text


async def _live_restarted(conn: asyncpg.Connection, source: StatementSource) -> bool:
    previous = await conn.fetchval(LATEST_STATEMENTS_RESET)
    restarted, _ = await _reset_since(conn, source, previous)
    return restarted


async def live_statements(conn: asyncpg.Connection) -> list[StatementStats] | None:
    """pg_stat_statements' own counters for this database (since the reset); None when it is not
    installed or not loaded."""
    source = await statement_source(conn)
    if source is None:
        return None
    try:
        return [_statement(row) for row in await conn.fetch(_live_totals(source))]
    except asyncpg.ObjectNotInPrerequisiteStateError:
        return None


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def statement_window(
    conn: asyncpg.Connection, since: datetime | None, until: datetime | None
) -> StatementWindow:
    """Statement counters over (since, until], from the snapshots (see the module docstring);
    since=None and until=None: pg_stat_statements' values since its reset."""
    if since is None and until is None:
        live = await live_statements(conn)
        if live is None:
            return StatementWindow(None, None, [], "", "pg_stat_statements cannot be read.")
        return StatementWindow(None, None, live, "since the statistics were last reset")
    async with _consistent(conn):
        return await _snapshot_window(conn, since, until)


@asynccontextmanager
async def _consistent(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """One view of the snapshot tables for several reads, so a snapshot committed meanwhile
    cannot fall between them."""
    if conn.is_in_transaction():
        yield
        return
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        yield


async def _snapshot_window(
    conn: asyncpg.Connection, since: datetime | None, until: datetime | None
) -> StatementWindow:
    if not await has_schema(conn) or (oldest := await conn.fetchrow(OLDEST)) is None:
        return StatementWindow(
            since,
            until,
            [],
            "",
            "No snapshots yet: a window needs them (the dashboard server takes them; "
            "`pressroom doctor snapshot` takes one by hand).",
        )
    start_id, start_at, clamped = 0, None, False
    if since is not None:
        start = await conn.fetchrow(LATEST_AT_OR_BEFORE, since)
        clamped = start is None
        start_id, start_at = (start or oldest)["id"], (start or oldest)["taken_at"]
    if until is None:
        latest = await conn.fetchrow(LATEST)
        assert latest is not None
        end_id, end_at = latest["id"], None
    else:
        end = await conn.fetchrow(LATEST_AT_OR_BEFORE, until)
        if end is None:
            missing = f"No snapshot as early as {_when(until)} is kept."
            return StatementWindow(since, until, [], "", missing)
        end_id, end_at = end["id"], end["taken_at"]
    stored = [_statement(row) for row in await conn.fetch(STORED_WINDOW, start_id, end_id)]
    recent = await _since_latest(conn) if until is None else []
    if start_at is None:
        begin = "as the kept snapshots recorded it"
    else:
        begin = f"from the snapshot at {_when(start_at)}"
        if clamped and since is not None:
            begin += f" (the oldest kept: none is as old as {_when(since)})"
    finish = f"to the snapshot at {_when(end_at)}" if end_at else "to now"
    return StatementWindow(start_at, end_at, _merge(stored, recent), f"{begin} {finish}")


async def _since_latest(conn: asyncpg.Connection) -> list[StatementStats]:
    """What moved since the latest snapshot, live."""
    source = await statement_source(conn)
    if source is None:
        return []
    try:
        async with conn.transaction():
            restarted = await _live_restarted(conn, source)
            rows = await conn.fetch(_live_window(source), restarted)
    except asyncpg.ObjectNotInPrerequisiteStateError:
        return []
    return [_statement(row) for row in rows]


async def total_intervals(
    conn: asyncpg.Connection, since: datetime | None, until: datetime | None
) -> list[IntervalPoint]:
    """All statements' calls and execution time in each snapshot interval of the window."""
    if not await has_schema(conn):
        return []
    return [IntervalPoint(*row) for row in await conn.fetch(TOTAL_INTERVALS, since, until)]


async def statement_intervals(
    conn: asyncpg.Connection,
    since: datetime | None,
    until: datetime | None,
    queryids: Sequence[int],
) -> dict[int, list[IntervalPoint]]:
    """Per statement, its calls and execution time in each snapshot interval of the window
    (zero where it did not run)."""
    series: dict[int, list[IntervalPoint]] = {queryid: [] for queryid in queryids}
    if not queryids or not await has_schema(conn):
        return series
    for row in await conn.fetch(STATEMENT_INTERVALS, since, until, list(queryids)):
        series[row["queryid"]].append(IntervalPoint(*list(row.values())[1:]))
    return series


async def database_history(
    conn: asyncpg.Connection, since: datetime | None, until: datetime | None
) -> list[DatabasePoint]:
    """The database counters at each snapshot in the window, and at the one before it."""
    if not await has_schema(conn):
        return []
    return [DatabasePoint(*row) for row in await conn.fetch(DATABASE_HISTORY, since, until)]


def counter_delta(earlier: float, later: float) -> float:
    """How much a cumulative counter grew; one that went down was reset, and counts anew."""
    return later - earlier if later >= earlier else later


def per_second(
    points: Sequence[DatabasePoint], counter: Callable[[DatabasePoint], float]
) -> list[tuple[datetime, float]]:
    """A database counter's rate over each interval between snapshots, at the interval's end."""
    rates: list[tuple[datetime, float]] = []
    for before, after in pairwise(points):
        seconds = (after.taken_at - before.taken_at).total_seconds()
        if seconds <= 0:
            continue
        grown = (
            counter(after)
            if after.stats_reset != before.stats_reset
            else counter_delta(counter(before), counter(after))
        )
        rates.append((after.taken_at, grown / seconds))
    return rates
