"""Sections turned into what the templates draw: formatted cells, links and row actions.

Templates stay free of logic: every value is formatted here, by its column's Kind, with the same
`format_value` the terminal uses, and every statement gets its full text next to its preview.
All strings here are plain text; Jinja's autoescaping escapes them when a page is rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from pressroom.insights.formatting import format_value
from pressroom.insights.model import (
    NUMERIC_KINDS,
    Chart,
    Column,
    Finding,
    Kind,
    Section,
    Status,
    Table,
    worst_first,
)
from pressroom.insights.window import assume_utc

EXPLAIN_PATH = "/dashboard/explain"
# Longer statements are not put in a link's query string; queryid links have no such limit.
MAX_LINKED_SQL = 2000
STATUSES = frozenset(s.value for s in Status)


@dataclass(frozen=True, slots=True)
class RowAction:
    """A button that posts `fields` to `path` (which then asks for confirmation)."""

    label: str
    path: str
    fields: dict[str, str]
    danger: bool = False


@dataclass(frozen=True, slots=True)
class CellView:
    css: str  # num, text, sql, status, time
    text: str  # what the cell shows
    full: str | None = None  # the whole statement, or the exact timestamp
    link: str | None = None  # the statement's plan
    status: str | None = None


@dataclass(frozen=True, slots=True)
class TableView:
    title: str
    note: str | None
    columns: list[tuple[str, str]]  # name, css class
    rows: list[list[CellView]]
    actions: list[list[RowAction]] = field(default_factory=list)

    @property
    def has_actions(self) -> bool:
        return any(self.actions)


@dataclass(frozen=True, slots=True)
class FindingView:
    check: str
    title: str
    status: str
    detail: str
    advice: str | None
    fix_sql: tuple[str, ...]
    section: str


@dataclass(frozen=True, slots=True)
class SectionView:
    name: str
    title: str
    status: str
    problems: list[FindingView]  # warn and fail, worst first
    passed: list[FindingView]
    tables: list[TableView]
    charts: list[Chart]


RowActions = Callable[[Table, dict[str, Any]], list[RowAction]]


def explain_link(row: dict[str, Any], statement: str) -> str | None:
    # Tables carry a queryid as an int or as text (64-bit ids do not survive JSON doubles),
    # in a column named "queryid", "Query id" or the like.
    queryid = next(
        (v for k, v in row.items() if k.lower().replace(" ", "").replace("_", "") == "queryid"),
        None,
    )
    if isinstance(queryid, int | str) and not isinstance(queryid, bool):
        text = str(queryid).strip()
        if text.lstrip("-").isdigit():
            return f"{EXPLAIN_PATH}?{urlencode({'queryid': text})}"
    if len(statement) <= MAX_LINKED_SQL:
        return f"{EXPLAIN_PATH}?{urlencode({'statement': statement})}"
    return None


def format_cell(value: Any, column: Column, row: dict[str, Any], *, link_sql: bool) -> CellView:
    kind = column.kind
    if value is None:
        return CellView("num" if kind in NUMERIC_KINDS else "text", "")
    if kind is Kind.SQL:
        full = str(value)
        return CellView(
            "sql",
            format_value(full, kind),
            full=full,
            link=explain_link(row, full) if link_sql else None,
        )
    if kind is Kind.STATUS:
        status = str(value)
        return CellView("status", status, status=status if status in STATUSES else None)
    if kind is Kind.TIMESTAMP and isinstance(value, datetime):
        moment = assume_utc(value)
        return CellView("time", format_value(moment, kind), full=moment.isoformat())
    try:
        text = format_value(value, kind)
    except (TypeError, ValueError):
        text = str(value)
    return CellView("num" if kind in NUMERIC_KINDS else "text", text)


def table_view(
    table: Table, *, link_sql: bool = False, row_actions: RowActions | None = None
) -> TableView:
    names = [column.name for column in table.columns]
    rows: list[list[CellView]] = []
    actions: list[list[RowAction]] = []
    for values in table.rows:
        record = dict(zip(names, values, strict=False))
        rows.append(
            [
                format_cell(value, column, record, link_sql=link_sql)
                for value, column in zip(values, table.columns, strict=False)
            ]
        )
        actions.append(row_actions(table, record) if row_actions else [])
    columns = [(c.name, "num" if c.kind in NUMERIC_KINDS else c.kind.value) for c in table.columns]
    return TableView(table.title, table.note, columns, rows, actions)


def finding_view(finding: Finding) -> FindingView:
    return FindingView(
        finding.check,
        finding.title,
        finding.status.value,
        finding.detail,
        finding.advice,
        finding.fix_sql,
        finding.check.split(".", 1)[0],
    )


def section_view(
    section: Section, *, link_sql: bool = False, row_actions: RowActions | None = None
) -> SectionView:
    ordered = worst_first(section.findings)
    return SectionView(
        section.name,
        section.title,
        section.status.value,
        [finding_view(f) for f in ordered if f.status is not Status.PASS],
        [finding_view(f) for f in ordered if f.status is Status.PASS],
        [table_view(t, link_sql=link_sql, row_actions=row_actions) for t in section.tables],
        list(section.charts),
    )
