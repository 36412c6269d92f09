"""What the templates get: formatted cells, explain links, row buttons, windows and the pages
a form may return to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.datastructures import QueryParams

from pressroom.insights.model import Column, Finding, Kind, Section, Status, Table
from pressroom.web.actions import CANCEL_PATH, CREATE_INDEX_PATH, TERMINATE_PATH
from pressroom.web.pages import activity_actions, advisor_actions, safe_back
from pressroom.web.selection import read_selection
from pressroom.web.views import section_view, table_view

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_cells_are_formatted_by_kind() -> None:
    table = Table(
        "t",
        (
            Column("queryid"),
            Column("query", Kind.SQL),
            Column("size", Kind.BYTES),
            Column("time", Kind.MS),
            Column("share", Kind.PERCENT),
            Column("at", Kind.TIMESTAMP),
            Column("status", Kind.STATUS),
            Column("age", Kind.SECONDS),
            Column("missing", Kind.NUMBER),
        ),
        [("-42", "SELECT  *\n FROM t " + "x" * 200, 1536, 1250.0, 12.345, NOW, "warn", 90, None)],
    )
    (row,) = table_view(table, link_sql=True).rows
    texts = [cell.text for cell in row]
    assert texts[2:5] == ["1.5 kB", "1.2 s", "12.3%"]
    assert texts[7] == "1 min 30 s"
    assert texts[8] == ""
    sql = row[1]
    assert sql.css == "sql"
    assert sql.text.startswith("SELECT * FROM t x")
    assert sql.text.endswith("…")
    assert sql.full is not None
    assert sql.full.startswith("SELECT  *\n FROM t")  # the whole statement, as written
    assert sql.link == "/dashboard/explain?queryid=-42"
    assert row[5].css == "time"
    assert row[5].full == NOW.isoformat()
    assert row[6].status == "warn"
    assert [css for _, css in table_view(table).columns][2:5] == ["num", "num", "num"]


def test_statements_without_a_queryid_link_by_text_when_short() -> None:
    table = Table("t", (Column("query", Kind.SQL),), [("SELECT 1",), ("SELECT " + "1" * 3000,)])
    short, long = table_view(table, link_sql=True).rows
    assert short[0].link == "/dashboard/explain?statement=SELECT+1"
    assert long[0].link is None
    assert table_view(table).rows[0][0].link is None


def test_findings_are_split_worst_first() -> None:
    section = Section(
        "x",
        "X",
        findings=[
            Finding("x.a", "a", Status.PASS, "fine"),
            Finding("x.b", "b", Status.WARN, "hmm"),
            Finding("x.c", "c", Status.FAIL, "bad"),
        ],
    )
    view = section_view(section)
    assert view.status == "fail"
    assert [f.check for f in view.problems] == ["x.c", "x.b"]
    assert [f.check for f in view.passed] == ["x.a"]
    assert view.problems[0].section == "x"


def test_activity_rows_get_cancel_and_terminate_buttons() -> None:
    table = Table("Long-running queries", (Column("pid"), Column("query", Kind.SQL)), [])
    actions = activity_actions(table, {"pid": 4242, "query": "SELECT 1"})
    assert [(a.label, a.path, a.fields) for a in actions] == [
        ("Cancel", CANCEL_PATH, {"pid": "4242"}),
        ("Terminate", TERMINATE_PATH, {"pid": "4242"}),
    ]
    assert actions[1].danger
    blocked = activity_actions(table, {"blocked pid": 7, "root blockers": "11, 12"})
    assert [a.label for a in blocked] == ["Cancel", "Terminate", "Terminate 11", "Terminate 12"]
    assert activity_actions(table, {"root blockers": "11, 12 (deadlock)"}) == []
    assert activity_actions(table, {"pid": None}) == []


def test_recommended_indexes_get_a_create_button_by_name() -> None:
    table = Table(
        "Recommended indexes",
        (Column("Index"), Column("Statement to run", Kind.SQL)),
        [],
    )
    (action,) = advisor_actions(
        table, {"Index": "posts_ref_idx", "Statement to run": "CREATE INDEX CONCURRENTLY ..."}
    )
    assert (action.path, action.fields) == (CREATE_INDEX_PATH, {"index": "posts_ref_idx"})
    assert advisor_actions(table, {"Index": "x", "Statement to run": "DROP INDEX x"}) == []


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/dashboard/queries?window=1d", "/dashboard/queries?window=1d"),
        ("/dashboard/space/", "/dashboard/space"),
        ("/dashboard/space?window=custom&since=2h&x=1", "/dashboard/space?window=custom&since=2h"),
        ("https://evil.example/dashboard", "/dashboard"),
        ("//evil.example/dashboard", "/dashboard"),
        ("/dashboard/../admin", "/dashboard"),
        ("/elsewhere", "/dashboard"),
        ("", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_forms_only_return_to_dashboard_pages(back: str | None, expected: str) -> None:
    assert safe_back(back) == expected


def test_windows() -> None:
    preset = read_selection(QueryParams("window=1h"))
    assert preset.options.since is not None
    assert datetime.now(UTC) - preset.options.since - timedelta(hours=1) < timedelta(minutes=1)
    assert preset.suffix() == "?window=1h"
    assert read_selection(QueryParams("")).options.since is None
    assert read_selection(QueryParams("")).suffix() == ""
    custom = read_selection(QueryParams("since=2026-05-01T08:00&until=2026-05-01T09:00Z"))
    assert custom.choice == "custom"
    assert custom.options.since == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert custom.options.until == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    assert read_selection(QueryParams("limit=9999")).limit == 500
    assert read_selection(QueryParams("limit=abc")).limit == 20
    backwards = read_selection(QueryParams("window=custom&since=1h&until=2h"))
    assert backwards.error is not None
    assert backwards.options.since is None
    assert read_selection(QueryParams("window=forever")).error == "unknown window 'forever'"
