"""Search windows and the score bound: pure functions, checked without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from pressroom.search.ranking import freshness, older_bound, windows

AS_OF = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)
WEEK = timedelta(days=7)


def test_windows_cover_all_time_once_newest_first_on_midnights() -> None:
    found = list(windows(AS_OF, None, None))
    assert found[0].end is None
    assert found[0].start == datetime(2026, 11, 20, tzinfo=UTC)  # the last 2 days, today included
    assert found[1].start == datetime(2026, 11, 15, tzinfo=UTC)  # the rest of the last 7
    assert found[-1].start is None
    for newer, older in pairwise(found):
        assert older.end == newer.start
    assert all(w.start is None or w.start.time().hour == 0 for w in found)
    spans = [w.end - w.start for w in found[2:-1] if w.start and w.end]
    assert spans == [timedelta(days=7 * 2**n) for n in range(8)]  # 7, 14, ... 896 days
    assert found[-1].end == datetime(2026, 11, 22, tzinfo=UTC) - timedelta(days=1792)


def test_windows_stop_at_the_searchs_own_bounds() -> None:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    end = datetime(2026, 11, 1, tzinfo=UTC)
    found = list(windows(AS_OF, start, end))
    assert found[0].start is not None
    assert found[0].start < end  # windows entirely after `end` are skipped
    last = found[-1].start
    assert last is not None
    assert last <= start  # nothing older than `start` is read


def test_the_same_day_gives_the_same_windows() -> None:
    morning = list(windows(AS_OF.replace(hour=1), None, None))
    evening = list(windows(AS_OF.replace(hour=23), None, None))
    assert morning == evening


def test_nothing_older_than_a_window_can_outscore_its_bound() -> None:
    window = next(iter(windows(AS_OF, None, None)))
    assert window.start is not None
    bound = older_bound(window, AS_OF, WEEK)
    # The freshest possible older article, with the best possible relevance (1).
    assert 1.0 * freshness(AS_OF - (window.start - timedelta(microseconds=1)), WEEK) <= bound
    assert freshness(timedelta(days=-3), WEEK) == 1.0  # dated ahead: no bonus beyond 1
    assert freshness(WEEK, WEEK) == pytest.approx(0.5)
