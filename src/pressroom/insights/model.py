"""The shape every inspection returns, so that the terminal, JSON and the dashboard render any
section alike without knowing what it inspected."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    WARN = "warn"
    FAIL = "fail"

    @property
    def severity(self) -> int:
        return {"pass": 0, "warn": 1, "fail": 2}[self.value]


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe of `statuses`; nothing found is a pass."""
    return max(statuses, key=lambda s: s.severity, default=Status.PASS)


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's verdict: what was found, why it matters, and how to fix it.

    `check` is a stable identifier (`indexes.unused`) scripts can match on; `fix_sql` holds
    statements a person can run as they are, in order.
    """

    check: str
    title: str
    status: Status
    detail: str
    advice: str | None = None
    fix_sql: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "advice": self.advice,
            "fix_sql": list(self.fix_sql),
        }


class Kind(StrEnum):
    """How a column's values are shown; JSON always carries the raw value."""

    TEXT = "text"
    NUMBER = "number"  # counts, rounded for display
    BYTES = "bytes"  # an integer number of bytes
    MS = "ms"  # milliseconds
    SECONDS = "seconds"  # an age or a duration in seconds
    PERCENT = "percent"  # 0..100
    TIMESTAMP = "timestamp"  # datetime with a time zone
    SQL = "sql"  # statement text, shown in monospace and shortened in tables
    STATUS = "status"  # a Status value


# Kinds whose values are quantities: right-aligned on the terminal and in the dashboard.
NUMERIC_KINDS = frozenset({Kind.NUMBER, Kind.BYTES, Kind.MS, Kind.SECONDS, Kind.PERCENT})


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the order people should read them: failures, then warnings, then passes."""
    return sorted(findings, key=lambda finding: -finding.status.severity)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    note: str | None = None  # what the table is, or why it is empty

    def as_json(self) -> dict[str, Any]:
        names = [column.name for column in self.columns]
        return {
            "title": self.title,
            "columns": [{"name": c.name, "kind": c.kind.value} for c in self.columns],
            "rows": [dict(zip(names, row, strict=True)) for row in self.rows],
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: list[tuple[datetime, float]]


@dataclass(frozen=True, slots=True)
class Chart:
    """Values over time, for instance from the snapshots; `unit` is a Kind for the axis."""

    title: str
    unit: Kind
    series: list[Series]

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "unit": self.unit.value,
            "series": [
                {"name": s.name, "points": [[t.isoformat(), v] for t, v in s.points]}
                for s in self.series
            ],
        }


@dataclass(slots=True)
class Section:
    name: str  # the CLI argument and URL path: "queries"
    title: str
    findings: list[Finding] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return worst(f.status for f in self.findings)

    def count(self, status: Status) -> int:
        """How many of the section's findings have `status`."""
        return sum(f.status is status for f in self.findings)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status.value,
            "findings": [f.as_json() for f in self.findings],
            "tables": [t.as_json() for t in self.tables],
            "charts": [c.as_json() for c in self.charts],
        }


@dataclass(frozen=True, slots=True)
class Options:
    """What a person asked to see: a time window over the snapshots and how many rows, plus
    what the settings section cannot learn over a connection.

    `since`/`until` None: since the statistics were last reset, up to now. `server_memory_mb`
    and `server_cpus` describe a server on another host (a local one is detected);
    `memory_budget_mb` is the share of memory PostgreSQL was tuned for (the local stack's
    `pg_memory_budget_mb`).
    """

    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    server_memory_mb: int | None = None
    server_cpus: int | None = None
    server_storage: Literal["ssd", "hdd"] = "ssd"
    memory_budget_mb: int | None = None
    # Statistics must span this long before an index never scanned is called unused: minutes
    # after a restart or a reset, every index the weekly report needs looks unused.
    unused_after_s: float = 86_400.0
