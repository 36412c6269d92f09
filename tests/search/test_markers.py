"""Time markers: a span of time as the fewest day, month, year and decade markers.

The cover is checked day by day against the span, and the markers the database gives a
document against the ones Python looks for (the two must agree, or a search misses articles).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.db.targets import DatabaseTargets
from pressroom.search.markers import END_DAY, FIRST_DAY, lexeme, time_markers

DAYS = st.dates(min_value=FIRST_DAY, max_value=END_DAY - timedelta(days=1))


def _marker_of(day: date, marker: str) -> bool:
    kind, value = marker[1], marker[2:]
    if kind == "c":
        return day.year // 10 == int(value)
    if kind == "y":
        return f"{day:%Y}" == value
    if kind == "m":
        return f"{day:%Y-%m}" == value
    return kind == "d" and f"{day:%Y-%m-%d}" == value


def _markers(query: str) -> list[str]:
    return [part.strip().strip("'") for part in query.split("|")]


@settings(max_examples=300)
@given(DAYS, st.integers(min_value=1, max_value=3000), st.data())
def test_a_span_is_covered_by_exactly_its_days(
    first: date, length: int, data: st.DataObject
) -> None:
    end = min(first + timedelta(days=length), END_DAY)
    query = time_markers(
        datetime(first.year, first.month, first.day, tzinfo=UTC),
        datetime(end.year, end.month, end.day, tzinfo=UTC),
    )
    assert query is not None
    markers = _markers(query)
    inside = data.draw(st.dates(min_value=first, max_value=end - timedelta(days=1)))
    assert sum(_marker_of(inside, marker) for marker in markers) == 1
    for outside in (first - timedelta(days=1), end):
        if FIRST_DAY <= outside < END_DAY:
            assert not any(_marker_of(outside, marker) for marker in markers)
    # Few markers whatever the span: at most a month of days and eleven months at each edge.
    assert len(markers) <= 2 * (30 + 11 + 9) + 20


def test_spans_round_out_to_whole_days_and_open_ends() -> None:
    start = datetime(2026, 11, 15, 13, 0, tzinfo=UTC)
    assert _markers(time_markers(start, start + timedelta(hours=1)) or "") == ["§d2026-11-15"]
    week = _markers(time_markers(datetime(2026, 11, 15, tzinfo=UTC), None) or "")
    assert week[:16] == [f"§d2026-11-{day}" for day in range(15, 31)]
    assert week[16:] == ["§m2026-12", "§y2027", "§y2028", "§y2029"] + [
        f"§c{decade}" for decade in range(203, 210)
    ]
    assert time_markers(None, start) is None  # open towards the past: markers narrow nothing
    midnight = datetime(2026, 11, 15, tzinfo=UTC)
    assert time_markers(midnight, midnight) == lexeme("§none")  # empty: nothing matches


def test_lexemes_are_quoted_for_tsquery() -> None:
    assert lexeme("it's a \\ b") == "'it''s a \\\\ b'"


async def test_documents_carry_the_markers_searches_look_for(corpus: DatabaseTargets) -> None:
    conn = await asyncpg.connect(corpus.reader)
    try:
        rows = await conn.fetch(
            "SELECT d.published_at, d.site_id, d.language, m.lexeme"
            "  FROM (SELECT * FROM pressroom.search_documents ORDER BY article_id LIMIT 50) d,"
            "       unnest(d.head) AS m WHERE m.lexeme LIKE '§%'"
        )
        by_article: dict[tuple[datetime, int, str], set[str]] = {}
        for row in rows:
            key = (row["published_at"], row["site_id"], row["language"])
            by_article.setdefault(key, set()).add(row["lexeme"])
        assert len(by_article) >= 10
        for (published_at, site_id, language), found in by_article.items():
            day = published_at.astimezone(UTC)
            expected = {f"§s{site_id}", f"§l{language}"} | set(
                _markers(time_markers(day, day + timedelta(microseconds=1)) or "")
            )
            expected |= {f"§c{day.year // 10}", f"§y{day:%Y}", f"§m{day:%Y-%m}"}
            assert found == expected
    finally:
        await conn.close()
