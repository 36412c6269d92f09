"""Time markers: a span of time as the fewest blocks of 1, 2, 4 ... 65,536 days.

The cover is checked day by day against the span, and the markers the database gives a
document against the ones Python looks for (the two must agree, or a search misses articles),
and so is the cover the database computes for the walk's floors (pressroom.time_blocks(),
migration 0023) against Python's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.db.targets import DatabaseTargets
from pressroom.search.markers import (
    ALL_DAYS,
    END_DAY,
    FIRST_DAY,
    TOP_BLOCK,
    block,
    lexeme,
    time_markers,
)

DAYS = st.dates(min_value=FIRST_DAY, max_value=END_DAY - timedelta(days=1))


def _number(day: date) -> int:
    return (day - FIRST_DAY).days


def _block(marker: str) -> tuple[int, int]:
    """A time block's size (log2 of its days) and index."""
    assert marker.startswith("§t"), marker
    size_log2, index = marker[2:].split(".")
    return int(size_log2), int(index)


def _days_in(markers: list[str]) -> int:
    return sum(1 << _block(marker)[0] for marker in markers)


def _marker_of(day: date, marker: str) -> bool:
    size_log2, index = _block(marker)
    return _number(day) >> size_log2 == index


def _blocks_of(day: date) -> set[str]:
    return {block(size_log2, _number(day) >> size_log2) for size_log2 in range(TOP_BLOCK + 1)}


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
    assert _days_in(markers) == (end - first).days
    # Few markers whatever the span: at most two blocks of each size.
    assert len(markers) <= 2 * (TOP_BLOCK + 1)
    assert len(set(markers)) == len(markers)


def test_spans_round_out_to_whole_days_and_open_ends() -> None:
    start = datetime(2026, 11, 15, 13, 0, tzinfo=UTC)
    day = _number(start.date())
    assert _markers(time_markers(start, start + timedelta(hours=1)) or "") == [block(0, day)]
    # Open towards the future: from its first day, blocks ever larger, one of each size at most.
    onwards = _markers(time_markers(datetime(2026, 11, 15, tzinfo=UTC), None) or "")
    assert onwards[0] == block(0, day)
    assert len(onwards) <= TOP_BLOCK + 1
    assert _days_in(onwards) == ALL_DAYS - day
    for later in (day, day + 1, day + 1000, _number(END_DAY) - 1):
        assert sum(_marker_of(FIRST_DAY + timedelta(days=later), m) for m in onwards) == 1
    assert not any(_marker_of(start.date() - timedelta(days=1), m) for m in onwards)
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
            expected = {f"§s{site_id}", f"§l{language}"} | _blocks_of(day.date())
            assert found == expected
            # The day's own block is what a search of that day looks for.
            assert set(_markers(time_markers(day, day + timedelta(microseconds=1)) or "")) <= found
    finally:
        await conn.close()


# Moments of any second, midnights among them, from before the first day to after the last.
MOMENTS = st.datetimes(
    min_value=datetime(1890, 1, 1), max_value=datetime(2110, 1, 1), timezones=st.just(UTC)
)


async def test_the_database_covers_a_span_as_python_does(reader: asyncpg.Connection) -> None:
    spans: list[tuple[datetime, datetime | None]] = []

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        MOMENTS,
        st.one_of(st.none(), st.integers(min_value=-86_400, max_value=4000 * 86_400)),
        st.booleans(),
    )
    def collect(start: datetime, length_s: int | None, at_midnight: bool) -> None:
        if at_midnight:
            start = start.replace(hour=0, minute=0, second=0, microsecond=0)
        spans.append((start, None if length_s is None else start + timedelta(seconds=length_s)))

    collect()
    rows = await reader.fetch(
        "SELECT pressroom.time_blocks(s.start_at, s.end_at)::text AS found,"
        "       s.expected::tsquery::text AS expected"
        "  FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[]) WITH ORDINALITY"
        "       AS s(start_at, end_at, expected, n)"
        " ORDER BY s.n",
        [start for start, _ in spans],
        [end for _, end in spans],
        [time_markers(start, end) for start, end in spans],
    )
    for (start, end), row in zip(spans, rows, strict=True):
        # Python's text as PostgreSQL writes the same tsquery.
        assert row["found"] == row["expected"], (start, end)
    assert any(end is None for _, end in spans)
