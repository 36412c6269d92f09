"""pressroom_fa and the per-language vectors and queries, on the pairs written for pressroom."""

from __future__ import annotations

from importlib import resources

import asyncpg
import pytest

from pressroom.search.normalize import PERSIAN_STOPWORDS, stopwords_sql_definition
from tests.search.pairs import PAIRS


def test_the_migration_holds_the_generated_stopwords() -> None:
    migration = (
        resources.files("pressroom.db.migrations") / "0003_search_config.up.sql"
    ).read_text()
    assert stopwords_sql_definition() in migration, (
        "regenerate 0003 from stopwords_sql_definition()"
    )


def test_there_are_forty_pairs_or_more() -> None:
    assert len(PAIRS) >= 40


@pytest.mark.parametrize(("language", "query", "document", "matches"), PAIRS)
async def test_pairs(
    reader: asyncpg.Connection, language: str, query: str, document: str, matches: bool
) -> None:
    found = await reader.fetchval(
        "SELECT pressroom.search_vector($1, $3) @@ pressroom.plain_search_query($1, $2)",
        language,
        query,
        document,
    )
    assert found is matches


async def test_stopwords_never_reach_a_vector(reader: asyncpg.Connection) -> None:
    text = " ".join(PERSIAN_STOPWORDS) + " کتاب"
    lexemes = await reader.fetchval(
        "SELECT array_agg(lexeme) FROM unnest(pressroom.search_vector('fa', $1))", text
    )
    assert lexemes == ["کتاب"]


async def test_a_query_of_stopwords_only_is_empty(reader: asyncpg.Connection) -> None:
    nodes = await reader.fetchval(
        "SELECT numnode(pressroom.plain_search_query('fa', 'از در به که'))"
    )
    assert nodes == 0


async def test_half_space_variants_give_one_vector(reader: asyncpg.Connection) -> None:
    vectors = await reader.fetch(
        "SELECT pressroom.search_vector('fa', v)::text AS v FROM unnest($1::text[]) AS v",
        ["کتاب‌ها", "کتابها", "کتاب ها", "كتابها"],
    )
    assert {row["v"] for row in vectors} == {"'کتاب':1"}


async def test_quotes_and_backslashes_in_queries_are_safe(reader: asyncpg.Connection) -> None:
    for nasty in ["it's", "a\\b", "'; DROP TABLE x; --", "!&|<->():*"]:
        await reader.fetchval("SELECT pressroom.plain_search_query('en', $1)", nasty)
