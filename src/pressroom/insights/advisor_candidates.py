"""What a plan says about the indexes a statement could use, and the candidate indexes to try.

The index advisor reads each statement's VERBOSE JSON plan rather than the statement itself: the
plan has already expanded views into their base tables, partitioned tables into the partitions
it scans, and `$n` placeholders into the conditions they end up in. Every condition in the plan
(Filter, Index Cond, Hash Cond, Sort Key, ...) is an expression string in which each column is
qualified by the alias of the relation that provides it, so parsing those strings with pglast
gives, per scanned relation, the columns compared with `=` (equality: an index's leading
columns), with `<`/`>` (a range: one column after the equalities), tested `IS NULL`, and sorted.

From those the candidates are built: each column alone, the equality columns together (most
distinct first), equality columns plus one range column, and equality columns plus the sort keys
in the order and direction the statement sorts, so a `WHERE site_id = $1 ORDER BY published_at
DESC LIMIT 20` gets `(site_id, published_at DESC)` and reads its 20 rows in order without
sorting. B-tree indexes longer than three columns rarely pay for their size; none is proposed.

This module is pure: it reads plans and catalogue facts handed to it and never talks to the
server, so every rule here can be read (and tested) on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pglast
from pglast import ast, enums
from pglast.parser import ParseError
from pglast.visitors import Visitor

from pressroom.insights.statement_kinds import SYSTEM_SCHEMAS

MAX_COLUMNS = 3
MAX_CANDIDATES = 24
# Schemas whose statements are the server's or the doctor's own business, never the workload's.

# Plan node fields that hold one boolean expression.
CONDITION_FIELDS = (
    "Filter",
    "Index Cond",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
)
# EXPLAIN prints sub-plans as pseudo-expressions the SQL grammar does not know; they can be
# nothing an index on the outer relation serves, so they are read as NULL.
SUBPLAN = re.compile(r"\(alternatives: [^()]*\)|(?:hashed )?SubPlan \d+")
PARTITION_ALIAS = re.compile(r"^(?P<base>.+)_\d+$")
RANGE_OPERATORS = frozenset({"<", ">", "<=", ">="})


class Use(StrEnum):
    EQUALITY = "equality"
    RANGE = "range"
    NULL = "null"  # IS NULL: a b-tree finds it like an equality


@dataclass(frozen=True, slots=True)
class IndexColumn:
    """One key column of an index, with its order (b-tree defaults: ASC NULLS LAST,
    DESC NULLS FIRST)."""

    name: str
    descending: bool = False
    nulls_first: bool | None = None  # None: the default for the direction

    @property
    def effective_nulls_first(self) -> bool:
        return self.descending if self.nulls_first is None else self.nulls_first

    def same_order(self, other: IndexColumn) -> bool:
        return (
            self.descending == other.descending
            and self.effective_nulls_first == other.effective_nulls_first
        )

    def reverse_order(self, other: IndexColumn) -> bool:
        return (
            self.descending != other.descending
            and self.effective_nulls_first != other.effective_nulls_first
        )

    def suffix(self) -> str:
        """The order as CREATE INDEX writes it after the column name ('' for the default)."""
        text = " DESC" if self.descending else ""
        if self.nulls_first is not None and self.nulls_first != self.descending:
            text += " NULLS FIRST" if self.nulls_first else " NULLS LAST"
        return text

    def label(self) -> str:
        return self.name + self.suffix()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A hypothetical index: its key columns, of which the first `equality` serve equalities
    (their order among themselves does not matter to a statement)."""

    columns: tuple[IndexColumn, ...]
    # How the statement uses the columns, for explaining the index (not part of its identity).
    equality: int = field(default=0, compare=False)
    ordered: bool = field(default=False, compare=False)  # the columns after `equality` sort

    def label(self) -> str:
        return ", ".join(column.label() for column in self.columns)


@dataclass(frozen=True, slots=True)
class Predicate:
    alias: str
    column: str
    use: Use


@dataclass(frozen=True, slots=True)
class SortColumn:
    alias: str
    column: IndexColumn


@dataclass(frozen=True, slots=True)
class Scan:
    """A relation a plan node reads, as EXPLAIN VERBOSE names it."""

    schema: str
    name: str
    alias: str


@dataclass(slots=True)
class PlanFacts:
    """What one plan tells the advisor, before any catalogue lookup."""

    scans: list[Scan] = field(default_factory=list)
    predicates: list[Predicate] = field(default_factory=list)
    sorts: list[list[SortColumn]] = field(default_factory=list)
    indexes_used: set[tuple[str, str]] = field(default_factory=set)  # (schema, index name)

    @property
    def system(self) -> bool:
        return any(scan.schema in SYSTEM_SCHEMAS for scan in self.scans)


@dataclass(slots=True)
class Usage:
    """How the statement uses one table's columns, across every scan of it in the plan."""

    equality: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    sorts: list[tuple[IndexColumn, ...]] = field(default_factory=list)

    def add(self, column: str, use: Use) -> None:
        target = self.ranges if use is Use.RANGE else self.equality
        if column not in target:
            target.append(column)


# -- reading plans ---------------------------------------------------------------------------------


def plan_facts(plan: Mapping[str, Any]) -> PlanFacts:
    """Scans, conditions, sort keys and indexes of a plan (EXPLAIN VERBOSE, FORMAT JSON)."""
    facts = PlanFacts()
    _walk(plan["Plan"], facts, heap_schema=None)
    return facts


def _walk(node: Mapping[str, Any], facts: PlanFacts, heap_schema: str | None) -> None:
    alias: str | None = None
    if "Relation Name" in node and "Schema" in node:
        alias = node.get("Alias") or node["Relation Name"]
        facts.scans.append(Scan(node["Schema"], node["Relation Name"], alias))
        heap_schema = node["Schema"]
    if "Index Name" in node and heap_schema is not None:
        facts.indexes_used.add((heap_schema, node["Index Name"]))
    for name in CONDITION_FIELDS:
        if isinstance(node.get(name), str):
            facts.predicates.extend(predicates(node[name], alias))
    if isinstance(node.get("Sort Key"), list):
        keys = sort_columns(node["Sort Key"], alias)
        if keys:
            facts.sorts.append(keys)
    for child in node.get("Plans", ()):
        # A Bitmap Index Scan names its index but not its table: the heap scan above it does.
        _walk(child, facts, heap_schema if node.get("Node Type") == "Bitmap Heap Scan" else None)


def _parse_expression(text: str) -> ast.Node | None:
    try:
        statement = pglast.parse_sql("SELECT " + SUBPLAN.sub("NULL", text))[0].stmt
    except ParseError:
        return None
    targets = statement.targetList if isinstance(statement, ast.SelectStmt) else None
    if not targets or len(targets) != 1:
        return None
    target = targets[0]
    value = target.val if isinstance(target, ast.ResTarget) else None
    return value if isinstance(value, ast.Node) else None


def _conjuncts(node: ast.Node) -> Iterator[ast.Node]:
    if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.AND_EXPR:
        for arg in node.args or ():
            yield from _conjuncts(arg)
    else:
        yield node


def _column(node: Any, default_alias: str | None) -> tuple[str, str] | None:
    """(alias, column) when `node` is a plain column reference, possibly cast (a varchar column
    compared as text is still served by an index on the column)."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not isinstance(node, ast.ColumnRef):
        return None
    names = [part.sval for part in node.fields or () if isinstance(part, ast.String) and part.sval]
    if len(names) != len(node.fields or ()):
        return None  # a.* or similar
    if len(names) == 1 and default_alias is not None:
        return default_alias, names[0]
    if len(names) == 2:
        return names[0], names[1]
    return None


class _Aliases(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.aliases: set[str | None] = set()

    def visit_ColumnRef(self, ancestors: Any, node: ast.ColumnRef) -> None:
        fields = node.fields or ()
        first = fields[0]
        self.aliases.add(first.sval if len(fields) > 1 and isinstance(first, ast.String) else None)


def _aliases(node: Any) -> set[str | None]:
    visitor = _Aliases()
    if isinstance(node, ast.Node):
        visitor(node)
    return visitor.aliases


def _comparison(
    column_side: Any, other_side: Any, use: Use, default_alias: str | None
) -> Iterator[Predicate]:
    found = _column(column_side, default_alias)
    if found is not None and found[0] not in _aliases(other_side):
        yield Predicate(found[0], found[1], use)


def predicates(expression: str, default_alias: str | None = None) -> list[Predicate]:
    """The indexable conditions in one plan expression: `a.x = $1` (equality), `a.x = b.y`
    (equality on both sides: a join key), `a.x = ANY (...)` (an IN list), `a.t > $1` (a range),
    `a.x IS NULL`, and a bare boolean column. OR-ed, negated and function-wrapped conditions need
    other kinds of index and are left out."""
    root = _parse_expression(expression)
    if root is None:
        return []
    found: list[Predicate] = []
    for conjunct in _conjuncts(root):
        found.extend(_conjunct_predicates(conjunct, default_alias))
    return found


def _conjunct_predicates(node: ast.Node, default_alias: str | None) -> Iterator[Predicate]:
    if isinstance(node, ast.A_Expr) and node.name and len(node.name) == 1:
        operator = node.name[0].sval if isinstance(node.name[0], ast.String) else ""
        if node.kind == enums.A_Expr_Kind.AEXPR_OP and operator == "=":
            yield from _comparison(node.lexpr, node.rexpr, Use.EQUALITY, default_alias)
            yield from _comparison(node.rexpr, node.lexpr, Use.EQUALITY, default_alias)
        elif node.kind == enums.A_Expr_Kind.AEXPR_OP and operator in RANGE_OPERATORS:
            yield from _comparison(node.lexpr, node.rexpr, Use.RANGE, default_alias)
            yield from _comparison(node.rexpr, node.lexpr, Use.RANGE, default_alias)
        elif node.kind == enums.A_Expr_Kind.AEXPR_OP_ANY and operator == "=":
            yield from _comparison(node.lexpr, node.rexpr, Use.EQUALITY, default_alias)
    elif isinstance(node, ast.NullTest) and node.nulltesttype == enums.NullTestType.IS_NULL:
        found = _column(node.arg, default_alias)
        if found is not None:
            yield Predicate(found[0], found[1], Use.NULL)
    elif isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.NOT_EXPR:
        found = _column((node.args or (None,))[0], default_alias)
        if found is not None:
            yield Predicate(found[0], found[1], Use.EQUALITY)  # NOT flag: flag = false
    else:
        found = _column(node, default_alias)
        if found is not None:
            yield Predicate(found[0], found[1], Use.EQUALITY)  # a boolean column: flag = true


def sort_columns(keys: Sequence[str], default_alias: str | None = None) -> list[SortColumn]:
    """The leading sort keys that are plain columns, with their direction (`a.t DESC`)."""
    try:
        statement = pglast.parse_sql("SELECT 1 ORDER BY " + ", ".join(keys))[0].stmt
    except ParseError:
        return []
    found: list[SortColumn] = []
    clauses = statement.sortClause if isinstance(statement, ast.SelectStmt) else None
    for sort_by in clauses or ():
        if not isinstance(sort_by, ast.SortBy):
            break
        column = _column(sort_by.node, default_alias)
        if column is None or sort_by.useOp:
            break  # the order beyond an expression key cannot come from a column index
        descending = sort_by.sortby_dir == enums.SortByDir.SORTBY_DESC
        nulls: bool | None = None
        if sort_by.sortby_nulls == enums.SortByNulls.SORTBY_NULLS_FIRST:
            nulls = True
        elif sort_by.sortby_nulls == enums.SortByNulls.SORTBY_NULLS_LAST:
            nulls = False
        if nulls == descending:
            nulls = None  # the default for the direction: leave it out of the index definition
        found.append(SortColumn(column[0], IndexColumn(column[1], descending, nulls)))
    return found


# -- from plans to candidates ----------------------------------------------------------------------


def alias_map(scans: Iterable[Scan], roots: Mapping[tuple[str, str], int]) -> dict[str, int]:
    """Which table (by the oid of its partition root) each alias in the plan stands for.

    The scans of a partitioned table `ev` are aliased `ev_1`, `ev_2`, ... by EXPLAIN, while a
    Sort above their Append names the parent's alias `ev`; so a partition's alias without its
    number stands for the root as well, unless that alias is taken by a scan of its own.
    """
    mapping: dict[str, int] = {}
    derived: dict[str, set[int]] = {}
    for scan in scans:
        root = roots.get((scan.schema, scan.name))
        if root is None:
            continue
        mapping[scan.alias] = root
        match = PARTITION_ALIAS.match(scan.alias)
        if match:
            derived.setdefault(match["base"], set()).add(root)
    for base, found in derived.items():
        if base not in mapping and len(found) == 1:
            mapping[base] = next(iter(found))
    return mapping


def usage_by_table(facts: PlanFacts, aliases: Mapping[str, int]) -> dict[int, Usage]:
    usage: dict[int, Usage] = {}
    for predicate in facts.predicates:
        table = aliases.get(predicate.alias)
        if table is not None:
            usage.setdefault(table, Usage()).add(predicate.column, predicate.use)
    for keys in facts.sorts:
        # The longest leading run of keys from one table: an index on it gives at least a
        # presorted prefix (incremental sort) even when later keys come from elsewhere.
        table = aliases.get(keys[0].alias)
        if table is None:
            continue
        run = []
        for key in keys:
            if aliases.get(key.alias) != table:
                break
            run.append(key.column)
        entry = usage.setdefault(table, Usage())
        if tuple(run) not in entry.sorts:
            entry.sorts.append(tuple(run))
    return usage


def candidates(
    usage: Usage,
    distinct: Mapping[str, float],
    existing: Sequence[tuple[IndexColumn, ...]],
    columns: Iterable[str],
) -> list[Candidate]:
    """Candidate indexes for one table, best guesses first, none that an existing index already
    provides and none on a column the table does not have (system columns, say)."""
    known = set(columns)
    position = {name: n for n, name in enumerate(usage.equality)}
    # Most distinct first: the leading column then narrows the most on its own, so the index
    # also serves statements that compare only that column.
    equality = sorted(
        (c for c in usage.equality if c in known),
        key=lambda c: (-distinct.get(c, 0.0), position[c]),
    )[:MAX_COLUMNS]
    ranges = [c for c in usage.ranges if c in known and c not in equality]
    found: list[Candidate] = []

    def add(columns: Sequence[IndexColumn], eq: int, ordered: bool = False) -> None:
        found.append(Candidate(tuple(columns[:MAX_COLUMNS]), min(eq, MAX_COLUMNS), ordered))

    for name in equality:
        add([IndexColumn(name)], 1)
    for name in ranges:
        add([IndexColumn(name)], 0)
    for count in range(2, len(equality) + 1):
        add([IndexColumn(c) for c in equality[:count]], count)
    for name in ranges:
        for count in range(1, min(len(equality), MAX_COLUMNS - 1) + 1):
            add([*(IndexColumn(c) for c in equality[:count]), IndexColumn(name)], count)
    for sort in usage.sorts:
        # A column held equal is constant in the result, so it adds nothing to the order.
        keys = [key for key in sort if key.name not in equality]
        if not keys or any(key.name not in known for key in keys):
            continue
        for count in range(0, min(len(equality), MAX_COLUMNS - 1) + 1):
            add([*(IndexColumn(c) for c in equality[:count]), *keys], count, ordered=True)
    unique: dict[tuple[IndexColumn, ...], Candidate] = {}
    for candidate in found:
        if any(provides(index, candidate) for index in existing):
            continue
        first = unique.setdefault(candidate.columns, candidate)
        if candidate.ordered and not first.ordered:
            # The same columns serve a range and the order: (kind, at) for `at > $1 ... ORDER
            # BY at`; say the better thing about it.
            unique[candidate.columns] = Candidate(first.columns, first.equality, ordered=True)
    return list(unique.values())[:MAX_CANDIDATES]


def provides(index: Sequence[IndexColumn], candidate: Candidate) -> bool:
    """Whether an existing index with key columns `index` serves whatever `candidate` would:
    the same leading columns (the equality ones in any order), read in the same order or its
    exact reverse (a b-tree scans backwards as well as forwards)."""
    width = len(candidate.columns)
    if len(index) < width:
        return False
    leading = index[:width]
    eq = candidate.equality
    if {c.name for c in leading[:eq]} != {c.name for c in candidate.columns[:eq]}:
        return False
    rest = list(zip(leading[eq:], candidate.columns[eq:], strict=True))
    if any(have.name != want.name for have, want in rest):
        return False
    return all(have.same_order(want) for have, want in rest) or all(
        have.reverse_order(want) for have, want in rest
    )
