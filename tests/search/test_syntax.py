"""The search box syntax: each rule on Persian and English searches, and any text at all."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressroom.errors import PressroomError
from pressroom.search import syntax
from pressroom.search.syntax import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    Alternatives,
    Clause,
    SearchSyntax,
    SearchSyntaxError,
    Term,
    parse_query,
)


def word(text: str) -> Term:
    return Term(text, phrase=False, negated=False)


def phrase(text: str) -> Term:
    return Term(text, phrase=True, negated=False)


def minus(text: str) -> Term:
    return Term(text, phrase=False, negated=True)


def minus_phrase(text: str) -> Term:
    return Term(text, phrase=True, negated=True)


def either(*terms: Term) -> Alternatives:
    return Alternatives(terms)


CASES: list[tuple[str, tuple[Clause, ...]]] = [
    # Words, separated by any whitespace but the half-space.
    ("tehran", (word("tehran"),)),
    ("  قیمت   دلار ", (word("قیمت"), word("دلار"))),
    ("a\tb\nc\u00a0d\u2003e\u3000f", tuple(word(w) for w in "abcdef")),
    ("کتاب\u200cهای جدید", (word("کتاب\u200cهای"), word("جدید"))),
    ("\u200cکتاب\u200c \u200c", (word("کتاب"),)),  # a half-space at a word's edge is dropped
    ("Tehran NEWS", (word("Tehran"), word("NEWS"))),  # case is the search config's business
    # Control characters and lone surrogates separate words and never stay in one.
    ("a\x00b", (word("a"), word("b"))),
    ("a\x1bb\x7fc", (word("a"), word("b"), word("c"))),
    ("a\ud800b", (word("a"), word("b"))),
    # Phrases, in every kind of quotes.
    ('"سازمان ملل"', (phrase("سازمان ملل"),)),
    ('"new york" times', (phrase("new york"), word("times"))),
    ("“new york”", (phrase("new york"),)),
    ("«قیمت دلار»", (phrase("قیمت دلار"),)),
    ("„new york‟", (phrase("new york"),)),
    ("»new york«", (phrase("new york"),)),
    ("« new \t\x00 york  »", (phrase("new york"),)),
    ('"a or b" "x یا y" "| -c"', (phrase("a or b"), phrase("x یا y"), phrase("| -c"))),
    # An unclosed quote takes the rest; empty quotes are nothing.
    ('tehran "new york', (word("tehran"), phrase("new york"))),
    ("«قیمت دلار", (phrase("قیمت دلار"),)),
    ('tehran ""', (word("tehran"),)),
    ('tehran " \u200c "', (word("tehran"),)),
    ('tehran -""', (word("tehran"),)),
    ('tehran "', (word("tehran"),)),
    # A quote inside a word starts a phrase there, and a closing quote ends it.
    ('ab"cd ef"', (word("ab"), phrase("cd ef"))),
    ('"cd ef"gh', (phrase("cd ef"), word("gh"))),
    ('"a""b"', (phrase("a"), phrase("b"))),
    ('"a"-b', (phrase("a"), minus("b"))),
    ('-ab"cd"', (minus("ab"), phrase("cd"))),
    # Exclusions.
    ('"سازمان ملل" -آمریکا', (phrase("سازمان ملل"), minus("آمریکا"))),
    ('tehran -"air pollution"', (word("tehran"), minus_phrase("air pollution"))),
    ("دلار −یورو", (word("دلار"), minus("یورو"))),  # U+2212 minus sign
    ("news --weather", (word("news"), minus("weather"))),
    ("news -\u200cweather", (word("news"), minus("weather"))),
    ("news -or", (word("news"), minus("or"))),
    # A minus sign on its own is ignored; a hyphen inside a word belongs to it.
    ("news - weather", (word("news"), word("weather"))),
    ("news -- weather -", (word("news"), word("weather"))),
    ('- "new york"', (phrase("new york"),)),
    ("covid-19", (word("covid-19"),)),
    ("e-mail", (word("e-mail"),)),
    ("news- -e-mail", (word("news-"), minus("e-mail"))),
    ("x−y", (word("x−y"),)),
    # OR, in every spelling, binding tighter than the implicit AND.
    ("tehran or isfahan", (either(word("tehran"), word("isfahan")),)),
    ("tehran OR isfahan", (either(word("tehran"), word("isfahan")),)),
    ("tehran Or isfahan", (either(word("tehran"), word("isfahan")),)),
    ("tehran | isfahan", (either(word("tehran"), word("isfahan")),)),
    ("تهران یا اصفهان", (either(word("تهران"), word("اصفهان")),)),
    ("تهران يا اصفهان", (either(word("تهران"), word("اصفهان")),)),
    ("«قیمت دلار» یا یورو", (either(phrase("قیمت دلار"), word("یورو")),)),
    (
        'tehran or "new york" -weather',
        (either(word("tehran"), phrase("new york")), minus("weather")),
    ),
    ("a or b or c", (either(word("a"), word("b"), word("c")),)),
    ("a b or c d", (word("a"), either(word("b"), word("c")), word("d"))),
    ("a or b c or d", (either(word("a"), word("b")), either(word("c"), word("d")))),
    # A dangling OR is dropped.
    ("or tehran", (word("tehran"),)),
    ("tehran or", (word("tehran"),)),
    ("| tehran |", (word("tehran"),)),
    ("a or or b", (either(word("a"), word("b")),)),
    ("a or | یا b", (either(word("a"), word("b")),)),
    ("a or -b", (word("a"), minus("b"))),
    ("-a or b", (minus("a"), word("b"))),
    ("a or -b or c", (word("a"), minus("b"), word("c"))),
    ('a or -"b c" or d', (word("a"), minus_phrase("b c"), word("d"))),
    ('a or "" or b', (either(word("a"), word("b")),)),
    ("a or - b", (either(word("a"), word("b")),)),
    # OR only as a word of its own.
    ("a|b", (word("a|b"),)),
    ("orange or", (word("orange"),)),
    ("یاس", (word("یاس"),)),
    ("a ||", (word("a"), word("||"))),
    # Other punctuation is data, never syntax.
    ("a & b", (word("a"), word("&"), word("b"))),
    (
        "!tehran (news) it's c:* d\\e",
        tuple(map(word, ["!tehran", "(news)", "it's", "c:*", "d\\e"])),
    ),
    ("'a b'", (word("'a"), word("b'"))),
]


@pytest.mark.parametrize(("query", "clauses"), CASES)
def test_parses(query: str, clauses: tuple[Clause, ...]) -> None:
    assert parse_query(query) == SearchSyntax(clauses)


def test_leaves_are_every_term_in_order() -> None:
    parsed = parse_query('a "b c" or d -e f | g')
    assert parsed.leaves() == (
        word("a"),
        phrase("b c"),
        word("d"),
        minus("e"),
        word("f"),
        word("g"),
    )


ERRORS = [
    ("", "at least one word"),
    ("   \t\n\u00a0", "at least one word"),
    ("\x00\ud800\u200c", "at least one word"),
    ('"" - -- «»', "at least one word"),
    ("or", "put it in double quotes"),
    ("یا | OR", "put it in double quotes"),
    ("-tehran", "not only words to exclude"),
    ('-tehran -"new york"', "not only words to exclude"),
    ("-a or -b", "not only words to exclude"),
    ("x" * (MAX_QUERY_LENGTH + 1), f"the limit is {MAX_QUERY_LENGTH}"),
    (" ".join("w" * (MAX_TERMS + 1)), f"the limit is {MAX_TERMS}"),
    (" or ".join("w" * (MAX_TERMS + 1)), f"the limit is {MAX_TERMS}"),
]


@pytest.mark.parametrize(("query", "message"), ERRORS)
def test_rejects(query: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match=message):
        parse_query(query)


def test_limits_are_inclusive() -> None:
    assert len(parse_query(" ".join("w" * MAX_TERMS)).leaves()) == MAX_TERMS
    assert parse_query("x" * MAX_QUERY_LENGTH).leaves() == (word("x" * MAX_QUERY_LENGTH),)


def test_error_is_a_pressroom_error() -> None:
    # The CLI and the API show PressroomError messages to the user as they are.
    assert issubclass(SearchSyntaxError, PressroomError)


def test_docstring_states_the_limits() -> None:
    doc = syntax.__doc__ or ""
    assert f"{MAX_QUERY_LENGTH} characters" in doc
    assert f"{MAX_TERMS} words and phrases" in doc


@pytest.mark.parametrize(
    "terms",
    [(word("a"),), (word("a"), minus("b")), ()],
)
def test_alternatives_need_two_positive_terms(terms: tuple[Term, ...]) -> None:
    with pytest.raises(ValueError, match="two or more positive terms"):
        Alternatives(terms)


# Text that exercises the syntax: its own characters, whitespace, controls and surrogates, mixed
# with arbitrary text and arbitrary code points.
SYNTAX_PIECES = st.sampled_from(
    [
        *('"', "“", "”", "«", "»", "„", "‟", "-", "−", "--"),
        *(" ", "\u200c", "\u00a0", "\t", "\x00"),
        *("or", "OR", " or ", " | ", " یا ", "يا"),
        *("(", ")", "&", "!", ":*", "'", "\\"),
    ]
)
ANY_CODE_POINT = st.integers(min_value=0, max_value=0x10FFFF).map(chr)
LONE_SURROGATE = st.integers(min_value=0xD800, max_value=0xDFFF).map(chr)


@st.composite
def queries(draw: st.DrawFn) -> str:
    """Syntax pieces, words and any code point, lone surrogates included."""
    pieces = st.one_of(SYNTAX_PIECES, st.text(max_size=6), ANY_CODE_POINT, LONE_SURROGATE)
    return "".join(draw(st.lists(pieces, max_size=40)))


def check_well_formed(query: str) -> None:
    try:
        parsed = parse_query(query)
    except SearchSyntaxError:
        return
    leaves = parsed.leaves()
    assert 1 <= len(leaves) <= MAX_TERMS
    assert any(not leaf.negated for leaf in leaves)
    for leaf in leaves:
        assert leaf.text
        assert leaf.text == leaf.text.strip().strip("\u200c")
        assert not any(unicodedata.category(char) in ("Cc", "Cs") for char in leaf.text)
    for clause in parsed.clauses:
        if isinstance(clause, Alternatives):
            assert len(clause.terms) >= 2
            assert not any(term.negated for term in clause.terms)


@given(st.text())
def test_any_text_parses_or_is_rejected(query: str) -> None:
    check_well_formed(query)


@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=MAX_QUERY_LENGTH + 20))
def test_any_long_text_parses_or_is_rejected(query: str) -> None:
    check_well_formed(query)


@given(queries())
def test_any_code_points_parse_or_are_rejected(query: str) -> None:
    check_well_formed(query)


LETTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo"])
PLAIN_WORDS = st.text(LETTERS, min_size=1, max_size=8).filter(
    lambda text: text.lower() != "or" and text not in ("یا", "يا")
)


@given(st.lists(PLAIN_WORDS, min_size=1, max_size=MAX_TERMS))
def test_plain_words_come_back_in_order(words: list[str]) -> None:
    assert parse_query(" ".join(words)) == SearchSyntax(tuple(map(word, words)))
