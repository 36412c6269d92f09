"""What the index advisor asks the server: which statements it may evaluate, catalogue facts
about the tables their plans read, and plans under hypothetical indexes.

HypoPG's hypothetical indexes live in this backend's memory only, outside any transaction (the
rolled-back transaction explain_json plans in does not remove them); `Hypothetical` resets them
after every candidate so that each plan sees exactly one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from pressroom.insights.advisor_candidates import (
    Candidate,
    IndexColumn,
    PlanFacts,
)
from pressroom.insights.plans import PlanError, explain_json

SCANNED_RELATIONS = """
SELECT r.schema, r.name, c.oid::int8 AS oid,
       coalesce(pg_partition_root(c.oid), c.oid)::int8 AS root
  FROM unnest($1::text[], $2::text[]) AS r(schema, name)
  JOIN pg_namespace n ON n.nspname = r.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.name
"""

TABLE_FACTS = """
SELECT c.oid::int8 AS oid, n.oid::int8 AS namespace, n.nspname AS schema, c.relname AS name,
       c.relkind = 'p' AS partitioned,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted,
       greatest(c.reltuples, 0)::float8 AS reltuples
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = $1 AND c.relkind IN ('r', 'p', 'm')
"""

TABLE_COLUMNS = """
SELECT a.attname AS name, quote_ident(a.attname) AS quoted, s.n_distinct::float8 AS n_distinct
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                      AND s.attname = a.attname AND s.inherited = (c.relkind = 'p')
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum
"""

# Key columns and their order (indoption bit 1: DESC, bit 2: NULLS FIRST) of the b-tree indexes
# that can stand in for a candidate: valid, not partial, on plain columns.
TABLE_INDEXES = """
SELECT ARRAY(SELECT a.attname::text
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE k.n <= i.indnkeyatts ORDER BY k.n) AS columns,
       i.indoption::int2[] AS options
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
 WHERE i.indrelid = $1 AND am.amname = 'btree' AND i.indisvalid AND i.indpred IS NULL
   AND i.indexprs IS NULL
"""

PARTITION_TREE = """
SELECT t.relid::int8 AS oid, t.parentrelid::int8 AS parent, t.isleaf, t.level,
       n.oid::int8 AS namespace, c.relname AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted,
       quote_ident(n.nspname) AS quoted_schema
  FROM pg_partition_tree($1::int8::oid::regclass) t
  JOIN pg_class c ON c.oid = t.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
 ORDER BY t.level, c.relname
"""

PRUNING = "SELECT current_setting('enable_partition_pruning')"
SET_PRUNING = "SELECT set_config('enable_partition_pruning', $1, false)"
# {schema}: HypoPG's own schema, quoted; extensions need not be on the search path.
HYPOPG_SCHEMA = """
SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'hypopg'
"""
HYPOPG_CREATE = "SELECT indexrelid FROM {schema}.hypopg_create_index($1)"
HYPOPG_SIZE = "SELECT {schema}.hypopg_relation_size($1)::int8"
HYPOPG_RESET = "SELECT {schema}.hypopg_reset()"


# -- plans -----------------------------------------------------------------------------------------


def pruned(node: Mapping[str, Any]) -> bool:
    """Whether partitions were left out of the plan at executor startup ("Subplans Removed")."""
    if node.get("Subplans Removed"):
        return True
    return any(pruned(child) for child in node.get("Plans", ()))


async def plan_statement(
    conn: asyncpg.Connection, query: str, *, whole: bool = False
) -> tuple[dict[str, Any], bool]:
    """The statement's plan, and whether it had to be planned `whole` (without partition
    pruning).

    Before PostgreSQL 16 a generic plan is explained by executing the prepared statement with
    NULLs, and the executor prunes the partitions those NULLs rule out (all of them, for
    `at > NULL`) before EXPLAIN prints the plan: the costs are the planner's, for every
    partition, but the scans whose conditions the advisor reads are gone. Such a statement is
    planned again with partition pruning off, which leaves the generic plan's costs as they were
    (the planner cannot prune on a parameter anyway) and shows every partition's scan.
    """
    if not whole:
        plan = await explain_json(conn, query)
        if not pruned(plan["Plan"]):
            return plan, False
    previous = await conn.fetchval(PRUNING)
    await conn.fetchval(SET_PRUNING, "off")
    try:
        return await explain_json(conn, query), True
    finally:
        await conn.fetchval(SET_PRUNING, previous)


# -- catalogue facts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partition:
    oid: int
    parent: int | None
    leaf: bool
    namespace: int
    name: str
    quoted: str
    quoted_schema: str


@dataclass(frozen=True, slots=True)
class TableInfo:
    oid: int
    namespace: int
    schema: str
    name: str
    quoted: str
    partitioned: bool
    reltuples: float
    columns: Mapping[str, str]  # name -> quoted
    distinct: Mapping[str, float]  # estimated distinct values per column
    existing: tuple[tuple[IndexColumn, ...], ...]
    partitions: tuple[Partition, ...]  # the partition tree, root first, for partitioned tables

    def definition(self, candidate: Candidate) -> str:
        """The column list of CREATE INDEX, quoted: `site_id, published_at DESC`."""
        return ", ".join(self.columns[c.name] + c.suffix() for c in candidate.columns)

    def label(self, candidate: Candidate) -> str:
        return f"{self.schema}.{self.name} ({candidate.label()})"


def _distinct(n_distinct: float | None, reltuples: float) -> float:
    if n_distinct is None:
        return 0.0
    return -n_distinct * reltuples if n_distinct < 0 else n_distinct


def _existing(columns: Sequence[str], options: Sequence[int]) -> tuple[IndexColumn, ...]:
    return tuple(
        IndexColumn(name, bool(option & 1), bool(option & 2))
        for name, option in zip(columns, options, strict=False)
    )


class Catalogue:
    """Catalogue facts the advisor needs, each read once per advice."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.roots: dict[tuple[str, str], int] = {}
        self.scanned: dict[tuple[str, str], int] = {}  # scanned relation -> its own oid
        self.tables: dict[int, TableInfo | None] = {}

    async def resolve(self, facts: PlanFacts) -> None:
        wanted = {(s.schema, s.name) for s in facts.scans} - set(self.roots)
        if not wanted:
            return
        schemas, names = zip(*sorted(wanted), strict=True)
        for row in await self.conn.fetch(SCANNED_RELATIONS, list(schemas), list(names)):
            self.roots[(row["schema"], row["name"])] = row["root"]
            self.scanned[(row["schema"], row["name"])] = row["oid"]
        for key in wanted:
            root = self.roots.get(key)
            if root is not None and root not in self.tables:
                self.tables[root] = await self._table(root)

    def scanned_oids(self, facts: PlanFacts) -> set[int]:
        """The relations the plan reads (partitions included), once `resolve`d."""
        return {
            self.scanned[(s.schema, s.name)]
            for s in facts.scans
            if (s.schema, s.name) in self.scanned
        }

    async def _table(self, oid: int) -> TableInfo | None:
        row = await self.conn.fetchrow(TABLE_FACTS, oid)
        if row is None:
            return None  # a foreign table, say: nothing to index
        columns = await self.conn.fetch(TABLE_COLUMNS, oid)
        indexes = await self.conn.fetch(TABLE_INDEXES, oid)
        partitions: tuple[Partition, ...] = ()
        if row["partitioned"]:
            partitions = tuple(
                Partition(
                    p["oid"],
                    p["parent"],
                    p["isleaf"],
                    p["namespace"],
                    p["name"],
                    p["quoted"],
                    p["quoted_schema"],
                )
                for p in await self.conn.fetch(PARTITION_TREE, oid)
            )
        return TableInfo(
            oid=oid,
            namespace=row["namespace"],
            schema=row["schema"],
            name=row["name"],
            quoted=row["quoted"],
            partitioned=row["partitioned"],
            reltuples=row["reltuples"],
            columns={c["name"]: c["quoted"] for c in columns},
            distinct={c["name"]: _distinct(c["n_distinct"], row["reltuples"]) for c in columns},
            existing=tuple(_existing(i["columns"], i["options"]) for i in indexes),
            partitions=partitions,
        )


# -- hypothetical indexes ----------------------------------------------------------------------


class Hypothetical:
    """Hypothetical indexes on one backend; `reset` drops all of them. Every method leaves none
    behind, so each plan sees only the candidate it is asked about."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._schema: str | None = None

    async def _sql(self, template: str) -> str:
        if self._schema is None:
            schema = await self.conn.fetchval(HYPOPG_SCHEMA)
            if schema is None:
                raise asyncpg.UndefinedFunctionError("hypopg is not installed")
            self._schema = str(schema)
        return template.format(schema=self._schema)

    async def create(self, table: TableInfo, candidate: Candidate) -> list[int]:
        """The hypothetical index (or indexes, one per leaf partition when HypoPG will not put
        one on a partitioned parent); [] when HypoPG refuses the candidate (a column type
        without a b-tree operator class, say)."""
        columns = table.definition(candidate)
        try:
            return [await self._create(table.quoted, columns)]
        except asyncpg.UndefinedFunctionError:
            raise
        except asyncpg.PostgresError:
            if not table.partitioned:
                return []
        created: list[int] = []
        try:
            for leaf in (p for p in table.partitions if p.leaf):
                created.append(await self._create(leaf.quoted, columns))
        except asyncpg.PostgresError:
            await self.reset()
            return []
        return created

    async def _create(self, quoted_table: str, columns: str) -> int:
        oid: int = await self.conn.fetchval(
            await self._sql(HYPOPG_CREATE), f"CREATE INDEX ON {quoted_table} ({columns})"
        )
        return oid

    async def size(self, table: TableInfo, candidate: Candidate) -> int:
        """HypoPG's size estimate; for a partitioned table the sum over its leaf partitions
        (an index on the parent itself holds no rows)."""
        try:
            if table.partitioned:
                oids = []
                for leaf in (p for p in table.partitions if p.leaf):
                    try:
                        oids.append(await self._create(leaf.quoted, table.definition(candidate)))
                    except asyncpg.PostgresError:
                        continue
            else:
                oids = await self.create(table, candidate)
            total = 0
            for oid in oids:
                total += int(await self.conn.fetchval(await self._sql(HYPOPG_SIZE), oid) or 0)
            return total
        finally:
            await self.reset()

    async def cost(
        self, table: TableInfo, candidate: Candidate, query: str, *, whole: bool
    ) -> float | None:
        """The statement's planned cost with the candidate in place, planned `whole` if it was
        without the candidate (plan_statement); None if it cannot say."""
        try:
            if not await self.create(table, candidate):
                return None
            plan, _ = await plan_statement(self.conn, query, whole=whole)
            return float(plan["Plan"]["Total Cost"])
        except PlanError:
            return None
        finally:
            await self.reset()

    async def reset(self) -> None:
        await self.conn.fetchval(await self._sql(HYPOPG_RESET))
