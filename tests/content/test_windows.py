"""Feed windows cover all time exactly once, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from pressroom.content.articles import windows

moments = st.datetimes(
    min_value=datetime(1901, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
)


@given(moments, st.none() | moments)
def test_windows_are_contiguous_and_cover_everything(top: datetime, floor: datetime | None) -> None:
    spans = list(windows(top, floor))
    assert spans[0].until is None  # open above: the query's own bounds close it
    assert spans[-1].since == floor  # down to the floor, or open below
    for newer, older in pairwise(spans):
        assert older.until == newer.since  # no gap, no overlap
        assert older.since is None or older.since < older.until  # type: ignore[operator]
    if floor is None or floor <= top:  # else the filter itself is empty, and so is the window
        assert spans[0].since is None or spans[0].since <= top
    assert len(spans) <= 9


def test_first_windows_are_month_sized() -> None:
    top = datetime(2024, 3, 15, 12, tzinfo=UTC)
    spans = list(windows(top, None))
    assert [s.since for s in spans[:4]] == [
        datetime(2024, 3, 1, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2023, 12, 1, tzinfo=UTC),
        datetime(2023, 8, 1, tzinfo=UTC),
    ]
