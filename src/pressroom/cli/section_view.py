"""A doctor's Section on the terminal: findings first (what to do), then the evidence."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table as RichTable
from rich.text import Text

from pressroom.insights.formatting import format_value
from pressroom.insights.model import NUMERIC_KINDS, Chart, Finding, Kind, Section, Status, Table

STYLE = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}
MARK = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗"}
SPARKS = "▁▂▃▄▅▆▇█"
FIX_STATEMENTS_SHOWN = 12


def render_section(console: Console, section: Section, *, passes: bool = True) -> None:
    console.rule(
        Text.assemble((f"{section.title} ", "bold"), (section.status.value, STYLE[section.status]))
    )
    for finding in section.findings:
        if passes or finding.status is not Status.PASS:
            console.print(_finding(finding))
    for table in section.tables:
        console.print(_table(table))
    for chart in section.charts:
        console.print(_chart(chart))


def _finding(finding: Finding) -> Panel | Text:
    head = Text.assemble(
        (f"{MARK[finding.status]} ", STYLE[finding.status]),
        (finding.title, "bold"),
        (f"  [{finding.check}]", "dim"),
    )
    if finding.status is Status.PASS:
        return head
    parts: list[Text | Syntax] = [Text(finding.detail)]
    if finding.advice:
        parts.append(Text(finding.advice, style="italic"))
    if finding.fix_sql:
        shown = finding.fix_sql[:FIX_STATEMENTS_SHOWN]
        parts.append(Syntax("\n".join(shown), "sql", word_wrap=True))
        hidden = len(finding.fix_sql) - len(shown)
        if hidden:
            # A partitioned table's recipe has two statements per partition: hundreds.
            parts.append(
                Text(f"... and {hidden} more statements (all of them: --json)", style="dim")
            )
    return Panel(Group(*parts), title=head, title_align="left", border_style=STYLE[finding.status])


def _table(table: Table) -> RichTable | Text:
    if not table.rows:
        return Text(f"{table.title}: {table.note or 'nothing to show'}", style="dim")
    view = RichTable(title=table.title, title_justify="left", caption=table.note, expand=False)
    for column in table.columns:
        view.add_column(
            column.name,
            justify="right" if column.kind in NUMERIC_KINDS else "left",
            overflow="fold",
            min_width=30 if column.kind is Kind.SQL else None,
            max_width=60 if column.kind is Kind.SQL else None,
        )
    for row in table.rows:
        view.add_row(
            *(_cell(value, column.kind) for value, column in zip(row, table.columns, strict=True))
        )
    return view


def _cell(value: object, kind: Kind) -> Text:
    text = format_value(value, kind)
    if kind is Kind.STATUS and text:
        return Text(text, style=STYLE.get(Status(text), ""))
    return Text(text)


def sparkline(values: list[float]) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in values)


def _chart(chart: Chart) -> RichTable:
    view = RichTable(title=chart.title, title_justify="left", show_header=True)
    view.add_column("series")
    view.add_column("over time")
    view.add_column("last", justify="right")
    for series in chart.series:
        values = [value for _, value in series.points]
        last = format_value(values[-1], chart.unit) if values else ""
        view.add_row(series.name, sparkline(values), last)
    return view
