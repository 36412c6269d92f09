from __future__ import annotations

from datetime import UTC, date, datetime

from pressroom.content.partitions import MONTHS_AHEAD, months_ahead


def test_the_months_after_one_are_created_with_it() -> None:
    ahead = months_ahead(date(2015, 11, 1), datetime(2026, 11, 21, tzinfo=UTC))
    assert len(ahead) == MONTHS_AHEAD
    assert min(ahead) == date(2015, 12, 1)
    assert max(ahead) == date(2016, 11, 1)


def test_none_later_than_next_month() -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    assert months_ahead(date(2026, 9, 1), now) == {
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
    }
    assert months_ahead(date(2026, 12, 1), now) == set()
    assert months_ahead(date(2030, 1, 1), now) == set()
