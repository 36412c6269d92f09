"""Array literals read back by PostgreSQL exactly as the values they were made from."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import asyncpg

from pressroom.db.arrays import array_literal

AWKWARD_TEXT = ["a, b", "{x}", '"quoted"', "back\\slash", "NULL", "", " spaced ", "'§m2026-11'"]


async def test_text_elements_keep_every_character(reader: asyncpg.Connection) -> None:
    values = [*AWKWARD_TEXT, None]
    assert await reader.fetchval("SELECT $1::text::text[]", array_literal(values)) == values


async def test_timestamps_and_doubles_round_trip(reader: asyncpg.Connection) -> None:
    moments = [
        datetime(2026, 12, 6, 0, 0, tzinfo=UTC),
        datetime(1900, 1, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3, minutes=30))),
        None,
    ]
    read = await reader.fetchval("SELECT $1::text::timestamptz[]", array_literal(moments))
    assert read == moments
    doubles = [1.0, 0.1, 2.0**-1000, 1 / 3, 0.0, None]
    assert await reader.fetchval("SELECT $1::text::float8[]", array_literal(doubles)) == doubles


async def test_tsquery_elements(reader: asyncpg.Connection) -> None:
    queries = ["'§d2026-11-21' | '§m2026-10'", "'a''b' & 'c\\\\d'", None]
    expected = await reader.fetchval("SELECT $1::tsquery[]", queries)
    assert await reader.fetchval("SELECT $1::text::tsquery[]", array_literal(queries)) == expected


async def test_random_text_round_trips(reader: asyncpg.Connection) -> None:
    rng = random.Random(17)
    alphabet = "\\\"{},' NULLnul \t\n§کتاب\u200c" + "\U0001f600"
    for _ in range(300):
        values: list[str | None] = [
            None if rng.random() < 0.1 else "".join(rng.choices(alphabet, k=rng.randrange(8)))
            for _ in range(rng.randrange(6))
        ]
        assert await reader.fetchval("SELECT $1::text::text[]", array_literal(values)) == values
