"""The search syntax compiled to tsquery, checked against real vectors."""

from __future__ import annotations

import asyncpg
import pytest

from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import compile_query

CASES = [
    # (language, search, document, matches)
    ("en", '"state of the art"', "a state of the art design", True),
    ("en", '"state of the art"', "the art of the state", False),
    ("fa", '"سازمان ملل"', "نشست سازمان ملل متحد", True),
    ("fa", '"سازمان ملل"', "ملل و سازمان", False),
    # A Persian stopword inside a phrase still counts as a word between the others.
    ("fa", '"کتاب از تهران"', "کتاب از تهران رسید", True),
    ("fa", '"کتاب از تهران"', "کتاب تهران رسید", False),
    ("fa", '"کتاب از تهران"', "کتاب به تهران رسید", True),  # any stopword holds the place
    ("en", "tehran -weather", "tehran traffic report", True),
    ("en", "tehran -weather", "tehran weather report", False),
    ("en", 'tehran -"air pollution"', "tehran air quality and pollution", True),
    ("en", 'tehran -"air pollution"', "tehran air pollution", False),
    ("en", "metro or tram", "the new tram line", True),
    ("en", "metro or tram", "the new bus line", False),
    ("fa", "دلار یا یورو", "قیمت یورو", True),
    ("en", "covid-19", "covid-19 cases rise", True),
    ("fa", "كتابها", "کتاب‌های تازه", True),  # Arabic keyboard, joined plural
    ("en", "running", "she runs daily", True),  # English stemming
    ("fa", "running", "ورزش running در پارک", True),  # English inside Persian text
    ("en", "'; DROP TABLE articles; --", "drop table articles", True),  # words, nothing more
    # tsquery operators are plain punctuation: no prefix match, no negation.
    ("en", "tehr:* (storm)", "tehran storm", False),
    ("en", "tehran & !weather", "tehran weather", True),
    # Three places: both pairs, but not one after the other, are not the phrase.
    ("en", '"new york city"', "new york and york city", False),
    ("en", '"new york city"', "new york city hall", True),
    ("fa", '"ژاله حسین‌زاده"', "ژاله حسین و حسین زاده", False),
    ("fa", '"ژاله حسین‌زاده"', "گفت‌وگو با ژاله حسین زاده", True),
    ("en", 'tehran or "new york city"', "new york and york city", False),
    ("en", 'tehran or "new york city"', "to new york city", True),
    ("en", 'tehran -"new york city"', "tehran and new york city", False),
]


@pytest.mark.parametrize(("language", "search", "document", "matches"), CASES)
async def test_compiled_queries(
    reader: asyncpg.Connection, language: str, search: str, document: str, matches: bool
) -> None:
    compiled = await compile_query(reader, parse_query(search), language)
    assert not compiled.empty
    found = await reader.fetchval(
        "SELECT pressroom.search_vector($1, $2) @@ $3::tsquery",
        language,
        document,
        compiled.tsquery,
    )
    assert found is matches, compiled.tsquery


@pytest.mark.parametrize("in_head", [True, False])
@pytest.mark.parametrize(("language", "search", "document", "matches"), CASES)
async def test_lead_and_rest_match_exactly_where_the_whole_does(
    reader: asyncpg.Connection,
    language: str,
    search: str,
    document: str,
    matches: bool,
    in_head: bool,
) -> None:
    """Migration 0021 finds documents by the words' first term that is not an exclusion and
    the rest, as two conditions, and migration 0024 a phrase of three places by its pairs,
    its positions checked in the head or else in the terms: together they hold exactly where
    all of them do, whether the document's text is its head or its body."""
    compiled = await compile_query(reader, parse_query(f"{search} harbour"), language)
    lead, rest = compiled.split()
    assert lead
    assert not lead.startswith("!")
    assert rest  # "harbour" at least
    vector = "pressroom.search_vector($1, $2)"
    empty = "''::tsvector"
    head, body = (vector, empty) if in_head else (empty, vector)
    terms = f"pressroom.search_terms({head}, {body})"
    positions = f"($6::tsquery IS NULL OR {head} @@ $6::tsquery OR {terms} @@ $6::tsquery)"
    row = await reader.fetchrow(
        f"SELECT {terms} @@ $3::tsquery,"
        f" {terms} @@ $4::tsquery AND {terms} @@ $5::tsquery AND {positions}",
        language,
        f"{document} harbour",
        compiled.matching,
        lead,
        rest,
        compiled.positions or None,
    )
    assert row is not None
    whole, split = row
    assert whole is split is matches, compiled


async def test_a_phrase_of_three_places_is_indexed_by_its_pairs(
    reader: asyncpg.Connection,
) -> None:
    """The index reads no phrase operator, which would make GIN walk each word's postings and
    recheck every candidate against its terms in TOAST: the positions are checked apart."""
    compiled = await compile_query(reader, parse_query('"new york city" tehran'), "en")
    assert all("<" not in term for term in compiled.indexed), compiled
    assert compiled.positions == "('new' <-> 'york' <-> 'citi')", compiled
    # Two places are their pair exactly, and an exclusion keeps its positions: nothing apart.
    for search in ['"new york" tehran', 'tehran -"new york city"']:
        compiled = await compile_query(reader, parse_query(search), "en")
        assert compiled.positions == "", compiled
        assert compiled.indexed == compiled.finding, compiled


async def test_stopwords_only_is_empty_and_says_which(reader: asyncpg.Connection) -> None:
    compiled = await compile_query(reader, parse_query('از "و در" the'), "fa")
    assert compiled.empty
    assert compiled.ignored == ("از", "و در", "the")


async def test_an_exclusion_alone_is_not_a_search(reader: asyncpg.Connection) -> None:
    compiled = await compile_query(reader, parse_query("از -تهران"), "fa")
    assert compiled.empty


TITLE_MATCHES = "SELECT pressroom.title_vector('en', $1, 1, now()) @@ $2::tsquery"


async def test_the_last_word_can_be_the_beginning_of_a_title_word(
    reader: asyncpg.Connection,
) -> None:
    compiled = await compile_query(reader, parse_query("tehran met"), "en", prefix_last=True)
    assert await reader.fetchval(TITLE_MATCHES, "Tehran metro opens", compiled.tsquery)
    assert not await reader.fetchval(TITLE_MATCHES, "Tehran opens a mall", compiled.tsquery)
    # Only titles hold the beginnings of words: a search's terms never match them.
    in_body = await reader.fetchval(
        "SELECT pressroom.search_terms(pressroom.article_head_vector('en', 'News', ''),"
        " pressroom.article_body_vector('en', 'Tehran metro opens')) @@ $1::tsquery",
        compiled.tsquery,
    )
    assert not in_body


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("كتاب‌ه", "کتاب‌های تازه"),  # Arabic kaf typed; the half-space splits the word, as in titles
        ("۱۲٫", "افزایش 12.5 درصدی"),  # Persian digits and decimal separator
        ("TEHR", "tehran metro"),  # case
        ("metropolitanarea", "metropolitanareas grow"),  # past the indexed length: its beginning
    ],
)
async def test_a_word_being_typed_is_normalised_as_titles_are(
    reader: asyncpg.Connection, typed: str, title: str
) -> None:
    compiled = await compile_query(reader, parse_query(typed), None, prefix_last=True)
    assert await reader.fetchval(TITLE_MATCHES, title, compiled.tsquery)


async def test_punctuation_being_typed_is_not_a_prefix(reader: asyncpg.Connection) -> None:
    compiled = await compile_query(reader, parse_query('tehran "?!'), "en", prefix_last=True)
    assert (compiled.tsquery, compiled.ignored) == ("('tehran')", ("?!",))
