"""EXPLAIN as a tree that says where the time goes: per plan node, inclusive and exclusive time,
row misestimates, buffers, and the few nodes that are hot.

The plan comes from plans.explain_json, which owns the safety: always a transaction rolled back,
ANALYZE only in a READ ONLY one (a statement that writes fails instead of running, and nothing
it did persists), a statement timeout, one statement only, generic plans for `$n` statements,
and error messages that never quote table data.

Time. PostgreSQL reports each node's actual total time as an average per loop, including its
children. Inclusive time is that times the loops; exclusive time is the inclusive time minus the
children's inclusive time, never below zero. Three kinds of child need care:

- Parallel workers. Below a Gather (Merge), loops count every process that ran the node, and
  time × loops adds up the processes' times, which run side by side. A node's time there is its
  slowest process's (VERBOSE lists each worker's; the leader's is what they leave of the sum),
  which is what the Gather waits for; without the list, the sum divided by the processes (the
  workers launched and the leader, which takes part by default).
- InitPlans and SubPlans run while the node they hang from evaluates its expressions, so their
  time is inside that node's and is subtracted from it like any child's. (An InitPlan whose value
  is first needed by a node further down is timed there too; the clamp at zero keeps its parent
  from going negative, and the total then counts it twice: a small, rare overstatement.)
- CTEs. A materialised CTE's plan hangs from the top of the plan as an InitPlan, but it runs when
  a CTE Scan reads from it, inside that scan's time. So its time is subtracted from the CTE Scans
  that read it (in proportion to their own time when there are several), not from where it
  hangs.

Costs are the planner's estimates, per loop too. Inclusive cost is the total cost times the loops
the planner expects: one for most nodes, the outer side's rows for the inner side of a Nested
Loop, the parent's rows for a SubPlan. Exclusive cost is what the node adds over its children
(for costs, InitPlans and CTEs are charged to the node they hang from, as the planner does).

Hot nodes are those with at least HOT_SHARE of all exclusive time (of exclusive cost when the
statement was not run): where making the statement faster has to start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg

from pressroom.insights import plans
from pressroom.insights.formatting import human_number, rounded
from pressroom.insights.model import Column, Finding, Kind, Section, Status, Table
from pressroom.insights.plans import PlanError
from pressroom.insights.target import Target

NAME = "explain"
TITLE = "Explain"

HOT_SHARE = 0.2
MISESTIMATE_FACTOR = 10.0
# A misestimate between 1 and 9 rows changes no plan; one this large can.
MISESTIMATE_MIN_ROWS = 100
# A sequential scan that throws away this share of rows of a table at least this large.
SEQ_SCAN_REMOVED_SHARE = 0.9
LARGE_TABLE_ROWS = 10_000
DEPTH_INDENT = "   "

QUERY_CANCELED = "57014"
READ_ONLY_TRANSACTION = "25006"

TABLE_ROWS = """
SELECT r.schema, r.relation, format('%I.%I', r.schema, r.relation) AS qualified,
       nullif(c.reltuples, -1)::float8 AS reltuples
  FROM unnest($1::text[], $2::text[]) AS r(schema, relation)
  JOIN pg_namespace n ON n.nspname = r.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.relation
"""

CONDITION_KEYS = ("Hash Cond", "Merge Cond", "Recheck Cond", "Join Filter")


@dataclass(frozen=True, slots=True)
class PlanNode:
    """One node of the plan; rows are per loop where the planner's are, totals otherwise."""

    id: int  # preorder position: 0 is the root
    parent: int | None
    children: tuple[int, ...]
    depth: int
    node_type: str
    label: str  # "Index Scan using t_pkey on public.t", "Hash Left Join", ...
    subplan: str | None  # "InitPlan 1 (returns $0)", "SubPlan 2", "CTE recent"
    relation: str | None  # schema-qualified and quoted, for statements: public."Odd Name"
    table_rows: float | None  # the scanned relation's row count as last analyzed
    estimated_rows: float  # per loop
    actual_rows: float | None  # over all loops
    loops: int | None
    inclusive_ms: float | None
    exclusive_ms: float | None
    inclusive_cost: float
    exclusive_cost: float
    misestimate: float | None  # max(estimated/actual, actual/estimated), each at least 1 row
    shared_hit: int | None  # blocks, with the children's (as PostgreSQL counts them)
    shared_read: int | None
    share_percent: float  # of all exclusive time (cost when not run)
    hot: bool
    filter: str | None
    index_cond: str | None
    rows_removed_by_filter: float | None  # over all loops
    conditions: dict[str, str] = field(default_factory=dict)
    spill: str | None = None  # how a sort, hash or aggregate went to disk


@dataclass(frozen=True, slots=True)
class ExplainResult:
    query: str
    analyzed: bool
    generic: bool  # $n placeholders: the plan any parameters would get
    nodes: tuple[PlanNode, ...]
    planning_ms: float | None
    execution_ms: float | None
    total_cost: float

    @property
    def root(self) -> PlanNode:
        return self.nodes[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "analyzed": self.analyzed,
            "generic": self.generic,
            "planning_ms": self.planning_ms,
            "execution_ms": self.execution_ms,
            "total_cost": self.total_cost,
            "nodes": [asdict(node) for node in self.nodes],
        }


# -- reading PostgreSQL's JSON plan ------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    """A node while the tree is being measured."""

    id: int
    parent: int | None
    depth: int
    json: dict[str, Any]
    processes: int  # that share the node's time: > 1 below a Gather
    estimated_loops: float
    children: list[int] = field(default_factory=list)
    inclusive_ms: float | None = None
    exclusive_ms: float | None = None
    inclusive_cost: float = 0.0
    exclusive_cost: float = 0.0

    @property
    def subplan(self) -> str | None:
        name: str | None = self.json.get("Subplan Name")
        return name

    @property
    def cte(self) -> str | None:
        """The CTE this node computes, if it is a CTE's plan."""
        name = self.subplan
        return name.removeprefix("CTE ") if name and name.startswith("CTE ") else None


def _walk(plan: dict[str, Any]) -> list[_Raw]:
    nodes: list[_Raw] = []

    def visit(
        node: dict[str, Any], parent: _Raw | None, processes: int, estimated_loops: float
    ) -> None:
        raw = _Raw(
            len(nodes),
            parent.id if parent else None,
            parent.depth + 1 if parent else 0,
            node,
            processes,
            estimated_loops,
        )
        nodes.append(raw)
        if parent is not None:
            parent.children.append(raw.id)
        below = processes
        if node["Node Type"] in ("Gather", "Gather Merge"):
            launched = node.get("Workers Launched", node.get("Workers Planned", 0))
            below = int(launched) + 1
        children: list[dict[str, Any]] = node.get("Plans", [])
        outer_rows = next(
            (float(c["Plan Rows"]) for c in children if c.get("Parent Relationship") == "Outer"),
            1.0,
        )
        for child in children:
            visit(child, raw, below, estimated_loops * _loops_factor(node, child, outer_rows))

    visit(plan, None, 1, 1.0)
    return nodes


def _loops_factor(parent: dict[str, Any], child: dict[str, Any], outer_rows: float) -> float:
    """How many times the planner expects `child` to run per run of `parent`."""
    relationship = child.get("Parent Relationship")
    if relationship == "Inner" and parent["Node Type"] == "Nested Loop":
        return max(outer_rows, 1.0)
    if relationship == "SubPlan":
        return max(float(parent["Plan Rows"]), 1.0)
    return 1.0


def _measure(nodes: list[_Raw], analyzed: bool) -> None:
    """Inclusive and exclusive time and cost of every node (see the module docstring)."""
    for raw in nodes:
        raw.inclusive_cost = float(raw.json["Total Cost"]) * raw.estimated_loops
        if analyzed:
            raw.inclusive_ms = _elapsed_ms(raw)
    for raw in nodes:
        kids = [nodes[i] for i in raw.children]
        raw.exclusive_cost = max(0.0, raw.inclusive_cost - sum(k.inclusive_cost for k in kids))
        if analyzed:
            assert raw.inclusive_ms is not None
            timed = [k for k in kids if k.cte is None]
            raw.exclusive_ms = raw.inclusive_ms - sum(k.inclusive_ms or 0.0 for k in timed)
    if analyzed:
        _charge_ctes_to_their_scans(nodes)
        for raw in nodes:
            raw.exclusive_ms = max(0.0, raw.exclusive_ms or 0.0)


def _elapsed_ms(raw: _Raw) -> float:
    """The node's time over all its loops; below a Gather, that of its slowest process."""
    node = raw.json
    total = float(node.get("Actual Total Time", 0.0)) * int(node.get("Actual Loops", 0))
    if raw.processes == 1:
        return total
    workers = [
        float(w.get("Actual Total Time", 0.0)) * int(w.get("Actual Loops", 0))
        for w in node.get("Workers", [])
    ]
    if not workers:
        return total / raw.processes
    # The leader's share is what the workers' times leave of the sum.
    return max(total - sum(workers), *workers)


def _charge_ctes_to_their_scans(nodes: list[_Raw]) -> None:
    for cte in (raw for raw in nodes if raw.cte is not None):
        scans = [
            raw
            for raw in nodes
            if raw.json["Node Type"] == "CTE Scan" and raw.json.get("CTE Name") == cte.cte
        ]
        time = sum(scan.inclusive_ms or 0.0 for scan in scans)
        for scan in scans:
            share = (scan.inclusive_ms or 0.0) / time if time else 1.0 / len(scans)
            scan.exclusive_ms = (scan.exclusive_ms or 0.0) - (cte.inclusive_ms or 0.0) * share


def _kind(node: dict[str, Any]) -> str:
    kind: str = node["Node Type"]
    if kind == "ModifyTable":
        kind = str(node.get("Operation", kind))
    elif kind == "Aggregate":
        strategies = {
            "Hashed": "HashAggregate",
            "Sorted": "GroupAggregate",
            "Mixed": "MixedAggregate",
        }
        kind = strategies.get(node.get("Strategy", ""), kind)
    elif kind == "SetOp" and node.get("Strategy") == "Hashed":
        kind = "HashSetOp"
    join = node.get("Join Type")
    if join and join != "Inner":
        kind = f"{kind.removesuffix(' Join')} {join} Join"
    if node.get("Partial Mode") in ("Partial", "Finalize"):
        kind = f"{node['Partial Mode']} {kind}"
    if node.get("Parallel Aware"):
        kind = f"Parallel {kind}"
    return kind


def _label(node: dict[str, Any]) -> str:
    label = _kind(node)
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    target = None
    if "Relation Name" in node:
        target = ".".join(p for p in (node.get("Schema"), node["Relation Name"]) if p)
        if node.get("Alias") not in (None, node["Relation Name"]):
            target += f" {node['Alias']}"
    elif "CTE Name" in node:
        target = node["CTE Name"]
    elif "Function Name" in node:
        target = node["Function Name"]
    elif node["Node Type"] == "Subquery Scan" and "Alias" in node:
        target = node["Alias"]
    if target:
        label += f" on {target}"
    return label


def _spill(node: dict[str, Any]) -> str | None:
    """How this node went to disk for want of work_mem; None if it did not (or was not run)."""
    processes = [node, *node.get("Workers", [])]
    if node["Node Type"] in ("Sort", "Incremental Sort"):
        disk = [p for p in processes if p.get("Sort Space Type") == "Disk"]
        if disk:
            used = sum(int(p.get("Sort Space Used", 0)) for p in disk)
            return f"sort spilled {human_number(used)} kB to disk ({disk[0].get('Sort Method')})"
    if node["Node Type"] == "Hash":
        batches = int(node.get("Hash Batches", 1))
        if batches > 1:
            return f"hash split into {batches} batches on disk"
    if node["Node Type"] == "Aggregate":
        used = sum(int(p.get("Disk Usage", 0)) for p in processes)
        if used:
            return f"hash aggregate spilled {human_number(used)} kB to disk"
    return None


def _misestimate(node: dict[str, Any]) -> float | None:
    loops = int(node.get("Actual Loops", 0))
    if not loops:
        return None  # never ran: nothing to compare with
    # The planner never estimates below one row; an actual zero counts as one too, so an
    # estimate of 1 for an empty result is right and 1000 for it is off by 1000.
    estimated = max(float(node["Plan Rows"]), 1.0)
    actual = max(float(node["Actual Rows"]), 1.0)
    return max(estimated / actual, actual / estimated)


def _optional(node: dict[str, Any], key: str, loops: int) -> float | None:
    value = node.get(key)
    return None if value is None else float(value) * loops


def _nodes(
    raws: list[_Raw], analyzed: bool, tables: dict[tuple[str, str], tuple[str, float | None]]
) -> tuple[PlanNode, ...]:
    if analyzed:
        weights = [raw.exclusive_ms or 0.0 for raw in raws]
    else:
        weights = [raw.exclusive_cost for raw in raws]
    total = sum(weights)
    built = []
    for raw, weight in zip(raws, weights, strict=True):
        node = raw.json
        loops = int(node.get("Actual Loops", 0))
        table = tables.get((node.get("Schema", ""), node.get("Relation Name", "")))
        share = 100.0 * weight / total if total else 0.0
        removed = node.get("Rows Removed by Filter", node.get("Rows Removed by Join Filter"))
        built.append(
            PlanNode(
                id=raw.id,
                parent=raw.parent,
                children=tuple(raw.children),
                depth=raw.depth,
                node_type=node["Node Type"],
                label=_label(node),
                subplan=raw.subplan,
                relation=table[0] if table else None,
                table_rows=table[1] if table else None,
                estimated_rows=float(node["Plan Rows"]),
                actual_rows=float(node["Actual Rows"]) * loops if analyzed else None,
                loops=loops if analyzed else None,
                inclusive_ms=raw.inclusive_ms,
                exclusive_ms=raw.exclusive_ms,
                inclusive_cost=raw.inclusive_cost,
                exclusive_cost=raw.exclusive_cost,
                misestimate=_misestimate(node) if analyzed else None,
                shared_hit=node.get("Shared Hit Blocks"),
                shared_read=node.get("Shared Read Blocks"),
                share_percent=share,
                hot=share >= HOT_SHARE * 100,
                filter=node.get("Filter", node.get("Join Filter")),
                index_cond=node.get("Index Cond", node.get("Recheck Cond")),
                rows_removed_by_filter=None if removed is None else float(removed) * loops,
                conditions={k: node[k] for k in CONDITION_KEYS if k in node},
                spill=_spill(node) if analyzed else None,
            )
        )
    return tuple(built)


def _relations(raws: list[_Raw]) -> set[tuple[str, str]]:
    return {
        (raw.json["Schema"], raw.json["Relation Name"])
        for raw in raws
        if "Schema" in raw.json and "Relation Name" in raw.json
    }


def build_result(
    query: str,
    document: dict[str, Any],
    *,
    analyzed: bool,
    tables: dict[tuple[str, str], tuple[str, float | None]] | None = None,
) -> ExplainResult:
    """The tree of an EXPLAIN (FORMAT JSON) document."""
    raws = _walk(document["Plan"])
    _measure(raws, analyzed)
    planning = document.get("Planning Time")
    execution = document.get("Execution Time")
    return ExplainResult(
        query=query,
        analyzed=analyzed,
        generic=plans.placeholder_count(query) > 0,
        nodes=_nodes(raws, analyzed, tables or {}),
        planning_ms=None if planning is None else float(planning),
        execution_ms=None if execution is None else float(execution),
        total_cost=float(document["Plan"]["Total Cost"]),
    )


def _clearer(error: PlanError, timeout_ms: int) -> PlanError:
    if error.sqlstate == QUERY_CANCELED:
        return PlanError(
            f"the statement was cancelled: it ran longer than the {timeout_ms} ms statement "
            "timeout (or someone cancelled it); explain it without ANALYZE to see its plan",
            error.sqlstate,
        )
    if error.sqlstate == READ_ONLY_TRANSACTION:
        return PlanError(
            "with ANALYZE the statement runs, and only read-only statements may: this one "
            "writes (a data-modifying statement or CTE, a sequence's nextval(), or a function "
            "that writes), so it was stopped and nothing it did was kept; explain it without "
            "ANALYZE to see its plan",
            error.sqlstate,
        )
    return error


async def explain(
    target: Target,
    query: str,
    *,
    analyze: bool = False,
    timeout_ms: int = plans.DEFAULT_TIMEOUT_MS,
) -> ExplainResult:
    """The plan of `query` as a tree; with `analyze`, run (read-only, rolled back, under
    `timeout_ms`) for actual times, rows and buffers. Errors are PlanError with messages safe
    to show."""
    try:
        document = await plans.explain_json(
            target.conn, query, analyze=analyze, timeout_ms=timeout_ms
        )
    except PlanError as exc:
        raise _clearer(exc, timeout_ms) from None
    relations = sorted(_relations(_walk(document["Plan"])))
    tables: dict[tuple[str, str], tuple[str, float | None]] = {}
    if relations:
        try:
            rows = await target.conn.fetch(
                TABLE_ROWS, [schema for schema, _ in relations], [name for _, name in relations]
            )
        except asyncpg.PostgresError as exc:
            raise plans.safe_error(exc) from None
        tables = {(r["schema"], r["relation"]): (r["qualified"], r["reltuples"]) for r in rows}
    return build_result(query, document, analyzed=analyze, tables=tables)


# -- the section -------------------------------------------------------------------------------


def _indented(node: PlanNode) -> str:
    arrow = "-> " if node.depth else ""
    prefix = f"{node.subplan}: " if node.subplan else ""
    return f"{DEPTH_INDENT * node.depth}{arrow}{prefix}{node.label}"


def node_details(node: PlanNode, *, index_label: str = "index") -> list[str]:
    """What a node tests and where it went to disk, one phrase each, for the table here and the
    dashboard's tree; a condition that is also the index condition or filter is named once."""
    details = []
    if node.index_cond:
        details.append(f"{index_label}: {node.index_cond}")
    details += [
        f"{key.lower()}: {value}"
        for key, value in node.conditions.items()
        if value not in (node.index_cond, node.filter)
    ]
    if node.filter:
        details.append(f"filter: {node.filter}")
    if node.rows_removed_by_filter:
        # A count over all loops, whole; rounded so it reads as one wherever it is shown.
        details.append(f"{human_number(round(node.rows_removed_by_filter))} rows removed by filter")
    if node.spill:
        details.append(node.spill)
    return details


def _details(node: PlanNode) -> str | None:
    return "; ".join(node_details(node)) or None


def plan_table(result: ExplainResult) -> Table:
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    if result.analyzed:
        columns = (
            Column("node"),
            Column("estimated rows", Kind.NUMBER),
            Column("actual rows", Kind.NUMBER),
            Column("loops", Kind.NUMBER),
            Column("inclusive ms", Kind.MS),
            Column("exclusive ms", Kind.MS),
            Column("share", Kind.PERCENT),
            Column("misestimate ×", Kind.NUMBER),
            Column("shared hit", Kind.NUMBER),
            Column("shared read", Kind.NUMBER),
            Column("hot"),
            Column("details"),
        )
        rows = [
            (
                _indented(n),
                n.estimated_rows,
                n.actual_rows,
                n.loops,
                rounded(n.inclusive_ms),
                rounded(n.exclusive_ms),
                rounded(n.share_percent, 1),
                rounded(n.misestimate, 1),
                n.shared_hit,
                n.shared_read,
                "hot" if n.hot else "",
                _details(n),
            )
            for n in result.nodes
        ]
        note = (
            f"Run once, read-only and rolled back: planning {result.planning_ms or 0:.3f} ms, "
            f"execution {result.execution_ms or 0:.3f} ms. Rows estimated are per loop, actual "
            "rows over all loops; times below a Gather are divided among its processes."
        )
    else:
        columns = (
            Column("node"),
            Column("estimated rows", Kind.NUMBER),
            Column("cost", Kind.NUMBER),
            Column("exclusive cost", Kind.NUMBER),
            Column("share", Kind.PERCENT),
            Column("hot"),
            Column("details"),
        )
        rows = [
            (
                _indented(n),
                n.estimated_rows,
                rounded(n.inclusive_cost, 2),
                rounded(n.exclusive_cost, 2),
                rounded(n.share_percent, 1),
                "hot" if n.hot else "",
                _details(n),
            )
            for n in result.nodes
        ]
        note = (
            "The planner's estimates only: the statement was not run"
            + (" (a generic plan: it has $n placeholders)" if result.generic else "")
            + f". Total cost {result.total_cost:.2f}."
        )
    return Table("Plan", columns, rows, note)


NOT_RUN = "Not checked: the statement was not run; explain it with ANALYZE to compare."


def misestimates(result: ExplainResult) -> Finding:
    check, title = "explain.misestimate", "Row estimates"
    if not result.analyzed:
        return Finding(check, title, Status.PASS, NOT_RUN)
    off = [
        n
        for n in result.nodes
        if (n.misestimate or 0) >= MISESTIMATE_FACTOR
        and max(n.estimated_rows, _actual_per_loop(n)) >= MISESTIMATE_MIN_ROWS
    ]
    if not off:
        return Finding(
            check,
            "Row estimates are close",
            Status.PASS,
            f"Every node's row estimate is within {MISESTIMATE_FACTOR:.0f}× of what it returned.",
        )
    listed = "; ".join(
        f"{n.label}: estimated {human_number(n.estimated_rows)} rows, got "
        f"{human_number(_actual_per_loop(n))} per loop ({n.misestimate:.0f}×)"
        for n in off[:3]
    )
    # The tables whose statistics fed the estimate: the node's own and those below it.
    tables = sorted(
        {m.relation for n in off for m in (n, *_below(result, n)) if m.relation is not None}
    )
    return Finding(
        check,
        f"{len(off)} plan node(s) misestimate their rows {MISESTIMATE_FACTOR:.0f}× or more",
        Status.WARN,
        f"{listed}. The planner chose joins, their order and memory for row counts it got "
        "wrong, so the plan may suit a different statement.",
        advice="Refresh the statistics of the tables involved (ANALYZE). If an estimate stays "
        "wrong and the condition combines columns that depend on each other (city and postcode, "
        "say), tell the planner with extended statistics: CREATE STATISTICS <name> "
        "(dependencies, mcv) ON <column>, <column> FROM <table>; then ANALYZE the table.",
        fix_sql=tuple(f"ANALYZE {table};" for table in tables),
    )


def _below(result: ExplainResult, node: PlanNode) -> Iterator[PlanNode]:
    for child in node.children:
        yield result.nodes[child]
        yield from _below(result, result.nodes[child])


def _actual_per_loop(node: PlanNode) -> float:
    return (node.actual_rows or 0.0) / max(node.loops or 1, 1)


def _wasteful_scan(node: PlanNode, analyzed: bool) -> bool:
    if node.node_type != "Seq Scan" or not node.filter:
        return False
    if analyzed:
        removed, kept = node.rows_removed_by_filter or 0.0, node.actual_rows or 0.0
        scanned = removed + kept
        return scanned >= LARGE_TABLE_ROWS and removed >= SEQ_SCAN_REMOVED_SHARE * scanned
    if not node.table_rows or node.table_rows < LARGE_TABLE_ROWS:
        return False
    return node.estimated_rows <= (1 - SEQ_SCAN_REMOVED_SHARE) * node.table_rows


def sequential_scans(result: ExplainResult) -> Finding:
    check = "explain.seq_scan"
    wasteful = [n for n in result.nodes if _wasteful_scan(n, result.analyzed)]
    if not wasteful:
        return Finding(
            check,
            "No sequential scan discards most of a large table",
            Status.PASS,
            "Every large table is read through an index or mostly kept.",
        )
    if result.analyzed:
        listed = "; ".join(
            f"{n.label} kept {human_number(n.actual_rows or 0)} rows and discarded "
            f"{human_number(n.rows_removed_by_filter or 0)} (filter: {n.filter})"
            for n in wasteful[:3]
        )
    else:
        listed = "; ".join(
            f"{n.label} is expected to keep {human_number(n.estimated_rows)} of "
            f"{human_number(n.table_rows or 0)} rows (filter: {n.filter})"
            for n in wasteful[:3]
        )
    return Finding(
        check,
        f"{len(wasteful)} sequential scan(s) read a large table to keep few rows",
        Status.WARN,
        f"{listed}. Every row is read and tested, however few match; the cost grows with the "
        "table.",
        advice="An index on the filtered columns lets PostgreSQL read only the matching rows: "
        "run the index advisor (`pressroom doctor advisor`) to find one that the planner "
        "would use, or index the columns the filter compares.",
    )


def spills(result: ExplainResult) -> Finding:
    check, title = "explain.spill", "Sorts and hashes in memory"
    if not result.analyzed:
        return Finding(check, title, Status.PASS, NOT_RUN)
    spilled = [n for n in result.nodes if n.spill]
    if not spilled:
        return Finding(check, title, Status.PASS, "Every sort, hash and aggregate fit in work_mem.")
    listed = "; ".join(f"{n.label}: {n.spill}" for n in spilled[:3])
    return Finding(
        check,
        f"{len(spilled)} node(s) spilled to disk",
        Status.WARN,
        f"{listed}. Writing and reading temporary files is much slower than working in memory.",
        advice="Give this statement more work_mem, above the amount spilled: SET work_mem = "
        "'<size>' in its session or transaction, or ALTER ROLE <role> SET work_mem for the role "
        "that runs it. Raising it for the whole server multiplies by every sort and hash of "
        "every connection; or make the statement sort or hash fewer rows.",
    )


def explain_section(result: ExplainResult) -> Section:
    """The result for the generic renderers: the plan as an indented table, and findings."""
    return Section(
        NAME,
        TITLE,
        findings=[misestimates(result), sequential_scans(result), spills(result)],
        tables=[plan_table(result)],
    )
