"""The index advisor: which indexes would make the statements that cost the most cheaper, and
which existing indexes they never use.

For the SELECT statements of the current database that take the most total time according to
pg_stat_statements, the advisor asks the planner, not a rule of thumb: each statement is planned
as it is (a generic plan, as its `$n` placeholders stand for any value), candidate indexes are
read off that plan (advisor_candidates), each candidate is created as a HypoPG hypothetical index
(it exists only in this backend's memory: nothing is built, locked or written) and the statement
is planned again. A candidate is recommended only when it at least halves the statement's
planned cost; smaller gains rarely pay for an index's writes and space. Of the candidates that
do, the cheapest plan wins, and a narrower index when it is within 10% of that.

Recommendations are then merged across statements: every winning index is tried on every
evaluated statement on its table, and the indexes are chosen greedily so that one index serving
several statements (within 20% of each statement's own best) is recommended once, listing each
statement's cost before and after.

Partitioned tables: the planner scans partitions, and HypoPG (1.3 on PostgreSQL 15) accepts a
hypothetical index on the partitioned parent and applies it to every partition, as a real
index on the parent would; where it refuses, the advisor puts one on each leaf partition instead.
The recommendation is one index on the parent. CREATE INDEX CONCURRENTLY cannot build that, so
the fix is PostgreSQL's recipe for building it without blocking writes: an index ON ONLY the
parent, each partition's index built concurrently and attached to it.

Statements that are not SELECTs (EXPLAIN of a DML statement plans fine, but the advisor leaves
writes to their authors), catalogue and system statements, the doctor's own schema and
statements that cannot be planned (reported with PlanError's safe message) are left out and
listed. Every hypothetical index is dropped (hypopg_reset) before the advisor returns.

`create_index` builds a recommendation (or any CREATE INDEX CONCURRENTLY statement, and nothing
else) with a short lock timeout, and drops the INVALID index a failed concurrent build leaves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import asyncpg

from pressroom.insights.advisor_build import create_index
from pressroom.insights.advisor_candidates import (
    Candidate,
    PlanFacts,
    alias_map,
    candidates,
    plan_facts,
    usage_by_table,
)
from pressroom.insights.advisor_model import (
    Advice,
    Evaluated,
    IndexBuildError,
    Recommendation,
    Skipped,
    StatementCost,
    UnsafeStatementError,
    UnusedIndex,
)
from pressroom.insights.advisor_server import (
    Catalogue,
    Hypothetical,
    TableInfo,
    plan_statement,
)
from pressroom.insights.formatting import human_bytes, human_seconds, ratio_percent
from pressroom.insights.indexes import StatisticsWindow, statistics_window
from pressroom.insights.model import Column, Finding, Kind, Options, Section, Status, Table
from pressroom.insights.plans import PlanError
from pressroom.insights.snapshots import statement_source
from pressroom.insights.statement_kinds import statement_kind
from pressroom.insights.target import HYPOPG, PG_STAT_STATEMENTS, Target

__all__ = [
    "NAME",
    "TITLE",
    "Advice",
    "Evaluated",
    "IndexBuildError",
    "Recommendation",
    "Skipped",
    "StatementCost",
    "UnsafeStatementError",
    "UnusedIndex",
    "advise",
    "create_index",
    "inspect",
]

NAME = "advisor"
TITLE = "Index advisor"

REQUIRED_GAIN = 0.5  # recommended only when the planned cost at least halves
# A narrower index wins over the cheapest when its cost is this close to the cheapest's, or
# when what the wider one saves on top is a sliver of the statement's cost without an index
# (a 2-value status column appended to two selective ones, say).
NARROWER_WITHIN = 1.10
NEGLIGIBLE = 0.02
# An index serves another statement when its cost there is this close to that one's best.
SHARED_WITHIN = 1.20
MAX_NAME_BYTES = 63  # NAMEDATALEN - 1
# Hypothetical plans per statement at most, so that a statement joining many tables cannot make
# the advice take minutes; candidates come best guesses first.
MAX_PLANS_PER_STATEMENT = 40
# Statements fetched per statement evaluated: DML, utility and catalogue statements share the
# ranking and are passed over.
FETCH_FACTOR = 5
MIN_FETCH = 100
# What a query (or DML) statement starts with, after comments and parentheses.
QUERY_START = r"^(\s|/\*([^*]|\*[^/])*\*/|--[^\n]*\n|\()*(select|with|values|table|insert|update|delete|merge)\M"

# Utility statements (SET, PREPARE, EXPLAIN, ...) are left out here, not after fetching: the
# doctor's own EXPLAINs alone add hundreds of them, and they would crowd the window.
# {schema}: the extension's own schema, quoted (it need not be on the search path).
TOP_STATEMENTS = """
SELECT queryid, min(query) AS query, sum(calls)::int8 AS calls,
       sum(total_exec_time)::float8 AS total_ms
  FROM {schema}.pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND queryid IS NOT NULL
   AND (query ~* $2 OR query = '<insufficient privilege>')
 GROUP BY queryid
 ORDER BY sum(total_exec_time) DESC, queryid
 LIMIT $1
"""
NAME_TAKEN = "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = $1 AND relname = $2)"
QUOTE_IDENT = "SELECT quote_ident($1)"

# Indexes on the tables the statements read that pg_stat_user_indexes has never seen scanned,
# leaving out those that enforce something (primary key, unique, exclusion, replica identity):
# they do their work on writes, unread. Indexes of partitions attached to a partitioned index
# cannot be dropped alone and are judged through their parent (UNUSED_PARTITIONED_INDEXES).
UNUSED_INDEXES = """
SELECT n.nspname AS schema, ic.relname AS name, tn.nspname AS table_schema, t.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(ic.relname) AS quoted,
       pg_relation_size(ic.oid)::int8 AS size_bytes
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
 WHERE i.indrelid = ANY($1::oid[])
   AND s.idx_scan = 0
   AND i.indisvalid AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
   AND NOT i.indisreplident
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
   AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
"""

UNUSED_PARTITIONED_INDEXES = """
SELECT n.nspname AS schema, ic.relname AS name, tn.nspname AS table_schema, t.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(ic.relname) AS quoted,
       coalesce(sum(pg_relation_size(leaf.relid)), 0)::int8 AS size_bytes,
       array_agg(ln.nspname::text ORDER BY leaf.relid) AS leaf_schemas,
       array_agg(lc.relname::text ORDER BY leaf.relid) AS leaf_names
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  CROSS JOIN LATERAL pg_partition_tree(i.indexrelid) leaf
  JOIN pg_class lc ON lc.oid = leaf.relid
  JOIN pg_namespace ln ON ln.oid = lc.relnamespace
  LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = leaf.relid
 WHERE i.indrelid = ANY($1::oid[]) AND ic.relkind = 'I'
   AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
   AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
 GROUP BY n.nspname, ic.relname, tn.nspname, t.relname, ic.oid
HAVING coalesce(sum(s.idx_scan), 0) = 0
"""


# -- the advice ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Statement:
    queryid: int
    calls: int
    total_ms: float
    query: str
    cost: float
    whole: bool  # planned without partition pruning (plan_statement)
    tables: set[int]
    costs: dict[tuple[int, Candidate], float] = field(default_factory=dict)
    tried: int = 0
    best: tuple[int, Candidate] | None = None

    def helped_by(self, key: tuple[int, Candidate]) -> float | None:
        """The cost under `key` if that index meets the bar for this statement."""
        cost = self.costs.get(key)
        if cost is None or cost > self.cost * REQUIRED_GAIN:
            return None
        if self.best is not None and not self.close(cost, self.costs[self.best], SHARED_WITHIN):
            return None
        return cost

    def close(self, cost: float, cheapest: float, within: float) -> bool:
        return cost <= cheapest * within or cost - cheapest <= self.cost * NEGLIGIBLE

    def record(self, key: tuple[int, Candidate], cost: float) -> StatementCost:
        return StatementCost(self.queryid, self.calls, self.total_ms, self.query, self.cost, cost)


def _best(statement: _Statement) -> tuple[int, Candidate] | None:
    good = [
        (cost, key)
        for key, cost in statement.costs.items()
        if cost <= statement.cost * REQUIRED_GAIN
    ]
    if not good:
        return None
    cheapest = min(cost for cost, _ in good)
    near = [(len(key[1].columns), cost, key[1].label(), key) for cost, key in good]
    near = [entry for entry in near if statement.close(entry[1], cheapest, NARROWER_WITHIN)]
    return min(near, key=lambda entry: entry[:3])[3]


async def advise(target: Target, limit: int = 20) -> Advice:
    """Index recommendations for the `limit` SELECT statements of this database that take the
    most total time, and the indexes on their tables they never use."""
    missing = tuple(
        target.missing(extension, check)
        for extension, check in (
            (PG_STAT_STATEMENTS, "advisor.pg_stat_statements"),
            (HYPOPG, "advisor.hypopg"),
        )
        if not target.has(extension)
    )
    if missing:
        return Advice(missing=missing)
    conn = target.conn
    hypothetical = Hypothetical(conn)
    try:
        await hypothetical.reset()
        return await _advise(conn, hypothetical, limit)
    except asyncpg.UndefinedFunctionError:
        # HypoPG dropped since the target was described.
        return Advice(missing=(target.missing(HYPOPG, "advisor.hypopg"),))
    finally:
        with contextlib.suppress(asyncpg.PostgresError):  # hypopg gone, and its indexes too
            await hypothetical.reset()


async def _advise(conn: asyncpg.Connection, hypothetical: Hypothetical, limit: int) -> Advice:
    catalogue = Catalogue(conn)
    source = await statement_source(conn)
    if source is None:
        return Advice()
    top = TOP_STATEMENTS.format(schema=source.schema)
    rows = await conn.fetch(top, max(limit * FETCH_FACTOR, MIN_FETCH), QUERY_START)
    statements: list[_Statement] = []
    skipped: list[Skipped] = []
    passed_over: dict[str, int] = {}
    used_indexes: set[tuple[str, str]] = set()
    touched: set[int] = set()
    for row in rows:
        if len(statements) >= limit:
            break
        queryid, calls, total_ms, query = (
            row["queryid"],
            row["calls"],
            row["total_ms"],
            row["query"],
        )
        kind = statement_kind(query)
        if kind is None:
            try:
                plan, whole = await plan_statement(conn, query)
            except PlanError as exc:
                kind = ("unplannable", f"cannot be planned: {exc}")
        if kind is not None:
            category, reason = kind
            if category in ("write", "unreadable", "unplannable"):
                skipped.append(Skipped(queryid, calls, total_ms, query, reason))
            else:
                passed_over[category] = passed_over.get(category, 0) + 1
            continue
        facts = plan_facts(plan)
        if facts.system:
            passed_over["catalogue"] = passed_over.get("catalogue", 0) + 1
            continue
        await catalogue.resolve(facts)
        used_indexes |= facts.indexes_used
        touched |= catalogue.scanned_oids(facts)
        statement = _Statement(
            queryid, calls, total_ms, query, float(plan["Plan"]["Total Cost"]), whole, set()
        )
        await _evaluate(statement, facts, catalogue, hypothetical)
        touched |= statement.tables
        statements.append(statement)
    recommendations = await _merge(statements, catalogue, hypothetical)
    unused = await _unused(conn, touched, used_indexes)
    evaluated = tuple(_evaluated(s, catalogue) for s in statements)
    return Advice(
        recommendations=tuple(recommendations),
        evaluated=evaluated,
        skipped=tuple(skipped),
        passed_over=passed_over,
        unused=tuple(unused),
    )


async def _evaluate(
    statement: _Statement, facts: PlanFacts, catalogue: Catalogue, hypothetical: Hypothetical
) -> None:
    aliases = alias_map(facts.scans, catalogue.roots)
    for oid, usage in usage_by_table(facts, aliases).items():
        table = catalogue.tables.get(oid)
        if table is None:
            continue
        statement.tables.add(oid)
        for candidate in candidates(usage, table.distinct, table.existing, table.columns):
            if statement.tried >= MAX_PLANS_PER_STATEMENT:
                break
            cost = await hypothetical.cost(table, candidate, statement.query, whole=statement.whole)
            statement.tried += 1
            if cost is not None:
                statement.costs[(oid, candidate)] = cost
    statement.best = _best(statement)


def _evaluated(statement: _Statement, catalogue: Catalogue) -> Evaluated:
    best = statement.best
    table = catalogue.tables.get(best[0]) if best else None
    return Evaluated(
        statement.queryid,
        statement.calls,
        statement.total_ms,
        statement.query,
        statement.cost,
        statement.tried,
        table.label(best[1]) if best and table else None,
        statement.costs[best] if best else None,
    )


async def _merge(
    statements: Sequence[_Statement], catalogue: Catalogue, hypothetical: Hypothetical
) -> list[Recommendation]:
    """One recommendation per index, each statement listed under the index that serves it."""
    winners = sorted(
        {s.best for s in statements if s.best is not None},
        key=lambda key: (key[0], key[1].label()),
    )
    if not winners:
        return []
    # Every winner on every evaluated statement of its table: one index may serve several.
    for statement in statements:
        for key in winners:
            if key[0] in statement.tables and key not in statement.costs:
                table = catalogue.tables[key[0]]
                assert table is not None
                cost = await hypothetical.cost(
                    table, key[1], statement.query, whole=statement.whole
                )
                if cost is not None:
                    statement.costs[key] = cost
    left = list(statements)
    chosen: list[tuple[tuple[int, Candidate], list[StatementCost]]] = []
    while True:
        scored = []
        for key in winners:
            served = [(s, c) for s in left if (c := s.helped_by(key)) is not None]
            if served:
                saving = sum(s.total_ms * (1 - c / s.cost) for s, c in served if s.cost > 0)
                scored.append((-len(served), -saving, len(key[1].columns), key[1].label(), key))
        if not scored:
            break
        key = min(scored, key=lambda entry: entry[:4])[4]
        served_now = [s for s in left if s.helped_by(key) is not None]
        chosen.append((key, [s.record(key, s.costs[key]) for s in served_now]))
        left = [s for s in left if s not in served_now]
    taken: set[tuple[int, str]] = set()
    recommendations = []
    for (oid, candidate), helps in chosen:
        table = catalogue.tables[oid]
        assert table is not None
        size = await hypothetical.size(table, candidate)
        recommendations.append(
            await _recommendation(catalogue.conn, table, candidate, size, helps, taken)
        )
    return recommendations


def index_name(table: str, columns: Iterable[str]) -> str:
    """`<table>_<columns>_idx`, cut to PostgreSQL's 63 bytes without splitting a character."""
    suffix = "_idx"
    base = "_".join([table, *columns])
    encoded = base.encode()[: MAX_NAME_BYTES - len(suffix)]
    return encoded.decode(errors="ignore") + suffix


async def _free_name(
    conn: asyncpg.Connection, namespace: int, wanted: str, taken: set[tuple[int, str]]
) -> str:
    """`wanted`, or `wanted` with a number, whichever no relation of the schema has yet."""
    name, number = wanted, 0
    while (namespace, name) in taken or await conn.fetchval(NAME_TAKEN, namespace, name):
        number += 1
        tail = f"{number}"
        name = wanted.encode()[: MAX_NAME_BYTES - len(tail)].decode(errors="ignore") + tail
    taken.add((namespace, name))
    return name


async def _recommendation(
    conn: asyncpg.Connection,
    table: TableInfo,
    candidate: Candidate,
    size: int,
    helps: list[StatementCost],
    taken: set[tuple[int, str]],
) -> Recommendation:
    names = [c.name for c in candidate.columns]
    definition = table.definition(candidate)
    name = await _free_name(conn, table.namespace, index_name(table.name, names), taken)
    quoted_name: str = await conn.fetchval(QUOTE_IDENT, name)
    if not table.partitioned:
        create = f"CREATE INDEX CONCURRENTLY {quoted_name} ON {table.quoted} ({definition})"
        statements: tuple[str, ...] = (create,)
    else:
        create = f"CREATE INDEX {quoted_name} ON {table.quoted} ({definition})"
        statements = await _partitioned_recipe(conn, table, definition, names, quoted_name, taken)
    return Recommendation(
        schema=table.schema,
        table_name=table.name,
        table=table.quoted,
        name=name,
        columns=tuple(table.columns[c.name] + c.suffix() for c in candidate.columns),
        create_sql=create,
        statements=statements,
        partitioned=table.partitioned,
        size_bytes=size,
        helps=tuple(sorted(helps, key=lambda h: (-h.total_ms, h.queryid))),
        why=_why(table, candidate),
    )


async def _partitioned_recipe(
    conn: asyncpg.Connection,
    table: TableInfo,
    definition: str,
    names: Sequence[str],
    quoted_name: str,
    taken: set[tuple[int, str]],
) -> tuple[str, ...]:
    """An index on a partitioned table, built without blocking writes: the parent's index ON
    ONLY the parent (no rows, so instant), each partition's built CONCURRENTLY and attached.
    Once every partition's index is attached the parent's index becomes valid. IF NOT EXISTS
    and ATTACH (a no-op when already attached) make the sequence safe to run again."""
    root = table.partitions[0] if table.partitions else None
    quoted_schema = root.quoted_schema if root else ""
    index_of = {table.oid: f"{quoted_schema}.{quoted_name}"}
    statements = [f"CREATE INDEX IF NOT EXISTS {quoted_name} ON ONLY {table.quoted} ({definition})"]
    for partition in table.partitions:
        if partition.oid == table.oid or partition.parent not in index_of:
            continue
        name = await _free_name(conn, partition.namespace, index_name(partition.name, names), taken)
        quoted: str = await conn.fetchval(QUOTE_IDENT, name)
        how = "CONCURRENTLY IF NOT EXISTS" if partition.leaf else "IF NOT EXISTS"
        only = "" if partition.leaf else "ONLY "
        statements.append(f"CREATE INDEX {how} {quoted} ON {only}{partition.quoted} ({definition})")
        index_of[partition.oid] = f"{partition.quoted_schema}.{quoted}"
        statements.append(
            f"ALTER INDEX {index_of[partition.parent]} ATTACH PARTITION {index_of[partition.oid]}"
        )
    return tuple(statements)


async def _unused(
    conn: asyncpg.Connection, touched: set[int], used: set[tuple[str, str]]
) -> list[UnusedIndex]:
    if not touched:
        return []
    oids = sorted(touched)
    found: list[UnusedIndex] = []
    for row in await conn.fetch(UNUSED_INDEXES, oids):
        if (row["schema"], row["name"]) in used:
            continue
        found.append(
            UnusedIndex(
                row["schema"],
                row["name"],
                f"{row['table_schema']}.{row['table_name']}",
                row["size_bytes"],
                False,
                f"DROP INDEX CONCURRENTLY IF EXISTS {row['quoted']}",
            )
        )
    for row in await conn.fetch(UNUSED_PARTITIONED_INDEXES, oids):
        leaves = set(zip(row["leaf_schemas"], row["leaf_names"], strict=True))
        if (row["schema"], row["name"]) in used or leaves & used:
            continue
        found.append(
            UnusedIndex(
                row["schema"],
                row["name"],
                f"{row['table_schema']}.{row['table_name']}",
                row["size_bytes"],
                True,
                # CONCURRENTLY cannot drop an index of a partitioned table.
                f"DROP INDEX IF EXISTS {row['quoted']}",
            )
        )
    return sorted(found, key=lambda u: (u.table, u.name))


def _why(table: TableInfo, candidate: Candidate) -> str:
    """What the index's columns do for the statements, as a sentence."""
    labels = [table.columns[c.name] + c.suffix() for c in candidate.columns]
    leading = ", ".join(labels[: candidate.equality])
    rest = ", ".join(labels[candidate.equality :])
    if candidate.ordered:
        order = (
            f"the index returns the rows in the statement's ORDER BY order ({rest}), so "
            "nothing is sorted and a LIMIT stops reading early"
        )
        if leading:
            return f"Equality on {leading} narrows the rows and {order}."
        return order[:1].upper() + order[1:] + "."
    if leading and rest:
        return f"Equality on {leading} narrows the rows, then a range on {rest}."
    if leading:
        return f"Equality on {leading} narrows the rows."
    return f"A range on {rest} narrows the rows."


# -- the section -------------------------------------------------------------------------------

RECOMMENDED = (
    Column("Index"),
    Column("Table"),
    Column("Columns"),
    Column("Estimated size", Kind.BYTES),
    Column("Statements", Kind.NUMBER),
    Column("Best cost after/before", Kind.PERCENT),
    Column("Statement to run", Kind.SQL),
)
HELPED = (
    Column("Index"),
    Column("Query id"),
    Column("Calls", Kind.NUMBER),
    Column("Total time", Kind.MS),
    Column("Cost before", Kind.NUMBER),
    Column("Cost after", Kind.NUMBER),
    Column("Cost after/before", Kind.PERCENT),
    Column("Statement", Kind.SQL),
)
EVALUATED = (
    Column("Query id"),
    Column("Calls", Kind.NUMBER),
    Column("Total time", Kind.MS),
    Column("Cost", Kind.NUMBER),
    Column("Candidates", Kind.NUMBER),
    Column("Best index at least halving the cost"),
    Column("Its cost", Kind.NUMBER),
    Column("Statement", Kind.SQL),
)
SKIPPED = (
    Column("Query id"),
    Column("Calls", Kind.NUMBER),
    Column("Total time", Kind.MS),
    Column("Why left out"),
    Column("Statement", Kind.SQL),
)
UNUSED = (
    Column("Index"),
    Column("Table"),
    Column("Size", Kind.BYTES),
    Column("Statement to drop it", Kind.SQL),
)


async def inspect(target: Target, options: Options) -> Section:
    section = Section(NAME, TITLE)
    advice = await advise(target, options.limit)
    if advice.missing:
        section.findings.extend(advice.missing)
        return section
    section.findings.extend(_recommendation_finding(r) for r in advice.recommendations)
    if not advice.recommendations:
        section.findings.append(_no_recommendation(advice))
    window = await statistics_window(target)
    section.findings.append(_unused_finding(advice.unused, window, options.unused_after_s))
    section.tables.extend(_tables(advice, options.limit))
    return section


def _recommendation_finding(rec: Recommendation) -> Finding:
    count = len(rec.helps)
    top = rec.helps[0]
    statements = "1 statement" if count == 1 else f"{count} statements"
    detail = (
        f"A hypothetical index on {rec.schema}.{rec.table_name} ({', '.join(rec.columns)}) "
        f"cuts the planned cost of {statements} among the costliest: query {top.queryid} "
        f"({top.calls} calls, {top.total_ms:.0f} ms in total) from {top.cost_before:.0f} to "
        f"{top.cost_after:.0f} ({ratio_percent(top.ratio)}% of before)"
        + (f", and {count - 1} more (listed below)" if count > 1 else "")
        + f". {rec.why} Estimated size: {human_bytes(rec.size_bytes)}."
    )
    costs = (
        "The costs are the planner's estimates for generic plans (any parameter values) with a "
        "HypoPG hypothetical index; check the statements' plans with EXPLAIN once it is built."
    )
    if rec.partitioned:
        advice = (
            f"{rec.table} is partitioned, and CREATE INDEX CONCURRENTLY cannot build an index on "
            "a partitioned table. The statements below build it without blocking writes: the "
            "index ON ONLY the parent (instant), then each partition's index CONCURRENTLY, "
            "attached to it; the parent's index is valid once every partition's is attached. "
            f"The single statement `{rec.create_sql}` builds the same index but blocks writes "
            "to every partition until it finishes. " + costs
        )
    else:
        advice = (
            "Build it with the statement below: CONCURRENTLY does not block writes while it "
            "builds (it takes longer, cannot run inside a transaction, and a failed build leaves "
            "an INVALID index behind that must be dropped). " + costs
        )
    return Finding(
        check="advisor.recommendation",
        title=f"Index {rec.name} would serve {statements}",
        status=Status.WARN,
        detail=detail,
        advice=advice,
        fix_sql=tuple(statement + ";" for statement in rec.statements),
    )


def _no_recommendation(advice: Advice) -> Finding:
    if advice.evaluated:
        detail = (
            f"None of the {len(advice.evaluated)} costliest SELECT statements gets at least "
            f"{ratio_percent(1 - REQUIRED_GAIN):.0f}% cheaper with any candidate index: the "
            "existing indexes serve them, or their tables are too small or the rows they read "
            "too many for an index to pay."
        )
    else:
        detail = "pg_stat_statements records no SELECT statement of this database to evaluate."
    return Finding(
        check="advisor.no_recommendation",
        title="No index to add",
        status=Status.PASS,
        detail=detail,
    )


def _unused_finding(
    unused: Sequence[UnusedIndex], window: StatisticsWindow, unused_after_s: float
) -> Finding:
    since = window.since
    if not unused:
        return Finding(
            check="advisor.unused_indexes",
            title="The evaluated statements' tables have no unused index",
            status=Status.PASS,
            detail="Every index on the tables these statements read has been scanned "
            f"{since}, enforces a constraint, or serves one of them.",
        )
    if window.seconds < unused_after_s:
        return Finding(
            check="advisor.unused_indexes",
            title="Too early to call an index unused",
            status=Status.PASS,
            detail=f"{len(unused)} index(es) on these statements' tables serve none of their "
            f"plans and have no scan counted {since}: too short to judge (this check waits for "
            f"{human_seconds(unused_after_s)} of statistics).",
        )
    names = ", ".join(f"{u.schema}.{u.name} on {u.table}" for u in unused)
    total = sum(u.size_bytes for u in unused)
    return Finding(
        check="advisor.unused_indexes",
        title=f"{len(unused)} index(es) the workload never uses",
        status=Status.WARN,
        detail=(
            f"{names}: none of the evaluated statements' plans uses them and no scan of them "
            f"was counted {since}; together {human_bytes(total)}. Every write to the table still "
            "updates them. Indexes behind primary keys, unique and exclusion constraints are "
            "not listed: they enforce rules even when never read."
        ),
        advice=(
            "Before dropping one, make sure nothing reads it on a replica (scans there are not "
            "counted here) or in a rare job (a monthly report) and that statistics have been "
            "collected long enough. DROP INDEX CONCURRENTLY does not block the table; an index "
            "of a partitioned table can only be dropped without it."
        ),
        fix_sql=tuple(u.drop_sql + ";" for u in unused),
    )


def _tables(advice: Advice, limit: int) -> list[Table]:
    recommended = Table(
        "Recommended indexes",
        RECOMMENDED,
        [
            (
                r.name,
                f"{r.schema}.{r.table_name}",
                ", ".join(r.columns),
                r.size_bytes,
                len(r.helps),
                ratio_percent(r.best_ratio),
                "; ".join(r.statements),
            )
            for r in advice.recommendations
        ],
        note=f"An index is recommended when it at least halves a statement's planned cost "
        f"(among the {limit} SELECT statements with the most total time).",
    )
    helped = Table(
        "Statements the recommended indexes serve",
        HELPED,
        [
            (
                r.name,
                str(h.queryid),
                h.calls,
                h.total_ms,
                round(h.cost_before, 2),
                round(h.cost_after, 2),
                ratio_percent(h.ratio),
                h.query,
            )
            for r in advice.recommendations
            for h in r.helps
        ],
    )
    evaluated = Table(
        "Statements evaluated",
        EVALUATED,
        [
            (
                str(e.queryid),
                e.calls,
                e.total_ms,
                round(e.cost, 2),
                e.candidates,
                e.best,
                round(e.best_cost, 2) if e.best_cost is not None else None,
                e.query,
            )
            for e in advice.evaluated
        ],
        note="Planned costs are for generic plans; statistics are cumulative, so the time "
        "window does not apply here.",
    )
    passed = ", ".join(f"{count} {kind}" for kind, count in sorted(advice.passed_over.items()))
    skipped = Table(
        "Statements left out",
        SKIPPED,
        [(str(s.queryid), s.calls, s.total_ms, s.reason, s.query) for s in advice.skipped],
        note="Writes are left out (EXPLAIN could plan them, but their indexes are their authors' "
        "trade-off), and so are statements that cannot be planned."
        + (f" Not listed: {passed} statement(s)." if passed else ""),
    )
    unused = Table(
        "Indexes the workload never uses",
        UNUSED,
        [(f"{u.schema}.{u.name}", u.table, u.size_bytes, u.drop_sql) for u in advice.unused],
        note="On the tables the evaluated statements read: used by none of their plans and "
        "never scanned since statistics were reset; constraint indexes excluded.",
    )
    return [recommended, helped, evaluated, skipped, unused]
