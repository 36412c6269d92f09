"""The Python id scheme and the SQL one are the same function."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.content.ids import (
    DISCRIMINATOR_MASK,
    EARLIEST,
    LATEST,
    article_id_time,
    make_article_id,
    to_milliseconds,
)

moments = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None),
    max_value=LATEST.replace(tzinfo=None, year=2099),
    timezones=st.just(UTC),
).map(to_milliseconds)


@given(moments, st.integers(min_value=0, max_value=DISCRIMINATOR_MASK))
def test_id_round_trips_to_its_publication_time(moment: datetime, discriminator: int) -> None:
    article_id = make_article_id(moment, discriminator)
    assert article_id_time(article_id) == moment
    assert article_id & DISCRIMINATOR_MASK == discriminator
    assert -(2**63) <= article_id < 2**63


@given(moments, moments)
def test_ids_sort_in_publication_order(a: datetime, b: datetime) -> None:
    if a < b:
        assert make_article_id(a, DISCRIMINATOR_MASK) < make_article_id(b, 0)


def test_times_outside_the_range_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        make_article_id(datetime(1850, 1, 1, tzinfo=UTC), 0)
    with pytest.raises(ValueError, match="timezone"):
        make_article_id(datetime(2020, 1, 1), 0)


async def test_sql_and_python_agree(reader: asyncpg.Connection) -> None:
    @settings(max_examples=200, deadline=None)
    @given(moments, st.integers(min_value=0, max_value=DISCRIMINATOR_MASK))
    def check(moment: datetime, discriminator: int) -> None:
        samples.append((moment, discriminator))

    samples: list[tuple[datetime, int]] = []
    check()
    rows = await reader.fetch(
        "SELECT pressroom.make_article_id(t, d) AS id, pressroom.article_id_time(pressroom.make_article_id(t, d)) AS t "
        "FROM unnest($1::timestamptz[], $2::bigint[]) AS u(t, d)",
        [m for m, _ in samples],
        [d for _, d in samples],
    )
    for (moment, discriminator), row in zip(samples, rows, strict=True):
        assert row["id"] == make_article_id(moment, discriminator)
        assert row["t"] == moment
