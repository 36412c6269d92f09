"""How people type time windows, and how values read in the terminal and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pressroom.insights.formatting import format_value, human_bytes, human_seconds, shorten_sql
from pressroom.insights.model import Kind
from pressroom.insights.window import WindowError, parse_moment, parse_window

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h", NOW - timedelta(hours=1)),
        ("90m", NOW - timedelta(minutes=90)),
        (" 7d ", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1.5h", NOW - timedelta(minutes=90)),
        ("2026-11-20T08:00:00Z", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("2026-11-20T08:00:00", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("2026-11-20T10:00:00+02:00", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_moments_people_type(text: str | None, expected: datetime | None) -> None:
    assert parse_moment(text, NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["yesterday", "1y", "-1h", "1h; DROP TABLE x", "99999999d", "99999999999999999999d", "1e400s"],
)
def test_anything_else_is_a_clear_error(text: str) -> None:
    with pytest.raises(WindowError):
        parse_moment(text, NOW)


def test_a_window_must_run_forwards() -> None:
    assert parse_window("2h", "1h", NOW) == (NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    with pytest.raises(WindowError, match="before its end"):
        parse_window("1h", "2h", NOW)


def test_values_read_the_same_everywhere() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(3 * 1024**3) == "3.0 GB"
    assert human_seconds(42) == "42.0 s"
    assert human_seconds(3 * 3600 + 5 * 60) == "3 h 5 min"
    assert human_seconds(2 * 86400 + 3600) == "2 d 1 h"
    assert format_value(0.25, Kind.MS) == "0.250 ms"
    assert format_value(2500, Kind.MS) == "2.5 s"
    assert format_value(12345, Kind.NUMBER) == "12,345"
    assert format_value(99.5, Kind.PERCENT) == "99.5%"
    assert format_value(None, Kind.BYTES) == ""
    long_sql = "SELECT " + ", ".join(f"column_{i}" for i in range(50)) + " FROM t"
    assert len(shorten_sql(long_sql)) == 120
    assert format_value(long_sql, Kind.SQL, full_sql=True) == long_sql
