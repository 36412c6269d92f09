"""The index advisor's results: recommendations with the statements they serve, statements
evaluated and left out, unused indexes; every one turns into JSON as it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pressroom.errors import PressroomError
from pressroom.insights.model import Finding


class IndexBuildError(PressroomError):
    """An index could not be built; what was left behind has been cleaned up (or is named)."""


class UnsafeStatementError(PressroomError):
    """create_index was given something other than a CREATE INDEX CONCURRENTLY statement."""


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementCost:
    """One statement, with its planned cost without and with an index."""

    queryid: int
    calls: int
    total_ms: float
    query: str
    cost_before: float
    cost_after: float

    @property
    def ratio(self) -> float:
        """Cost after / cost before: 0.1 is a plan ten times cheaper."""
        return self.cost_after / self.cost_before if self.cost_before > 0 else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "queryid": self.queryid,
            "calls": self.calls,
            "total_ms": self.total_ms,
            "query": self.query,
            "cost_before": self.cost_before,
            "cost_after": self.cost_after,
            "ratio": self.ratio,
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    """An index to build: `create_sql` is the one statement that defines it, `statements` what
    to run to build it without blocking writes (the same statement, except on a partitioned
    table)."""

    schema: str
    table_name: str
    table: str  # schema-qualified, quoted as SQL needs it
    name: str  # the index's name (unquoted)
    columns: tuple[str, ...]  # as in the definition: 'site_id', 'published_at DESC'
    create_sql: str
    statements: tuple[str, ...]
    partitioned: bool
    size_bytes: int  # HypoPG's estimate
    helps: tuple[StatementCost, ...]
    why: str = ""  # what each column does for the statements

    @property
    def best_ratio(self) -> float:
        return min((h.ratio for h in self.helps), default=1.0)

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "table": self.table,
            "name": self.name,
            "columns": list(self.columns),
            "create_sql": self.create_sql,
            "statements": list(self.statements),
            "partitioned": self.partitioned,
            "size_bytes": self.size_bytes,
            "helps": [cost.as_json() for cost in self.helps],
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A statement the advisor planned, and the best index it found for it (if any)."""

    queryid: int
    calls: int
    total_ms: float
    query: str
    cost: float
    candidates: int
    best: str | None  # "table (columns)" of the cheapest candidate that met the bar
    best_cost: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "queryid": self.queryid,
            "calls": self.calls,
            "total_ms": self.total_ms,
            "query": self.query,
            "cost": self.cost,
            "candidates": self.candidates,
            "best": self.best,
            "best_cost": self.best_cost,
        }


@dataclass(frozen=True, slots=True)
class Skipped:
    queryid: int
    calls: int
    total_ms: float
    query: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "queryid": self.queryid,
            "calls": self.calls,
            "total_ms": self.total_ms,
            "query": self.query,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class UnusedIndex:
    schema: str
    name: str
    table: str  # schema.table
    size_bytes: int
    partitioned: bool
    drop_sql: str

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "name": self.name,
            "table": self.table,
            "size_bytes": self.size_bytes,
            "partitioned": self.partitioned,
            "drop_sql": self.drop_sql,
        }


@dataclass(frozen=True, slots=True)
class Advice:
    recommendations: tuple[Recommendation, ...] = ()
    evaluated: tuple[Evaluated, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    # Statements passed over without a row of their own: {"utility": 3, "catalogue": 12, ...}
    passed_over: Mapping[str, int] = field(default_factory=dict)
    unused: tuple[UnusedIndex, ...] = ()
    missing: tuple[Finding, ...] = ()  # extensions the advisor needs and does not have

    def as_json(self) -> dict[str, Any]:
        return {
            "recommendations": [r.as_json() for r in self.recommendations],
            "evaluated": [e.as_json() for e in self.evaluated],
            "skipped": [s.as_json() for s in self.skipped],
            "passed_over": dict(self.passed_over),
            "unused": [u.as_json() for u in self.unused],
            "missing": [m.as_json() for m in self.missing],
        }
