"""The search box's syntax: words, "phrases", -exclusions and OR.

How to write a search:

- Words: type the words you are looking for, separated by spaces. An article must contain all of
  them. Type words such as `covid-19` or `e-mail` as they are: a hyphen inside a word belongs to
  the word.
- Phrases: put words in double quotes to find them next to each other and in that order:
  `"سازمان ملل"`, `"new york"`. Typographic quotes “…”, „…” and guillemets «…» work the same
  way. A quote you forget to close takes the rest of the search as the phrase. A quote typed in
  the middle of a word starts a phrase there: `ab"cd ef"` is the word `ab` and the phrase
  `cd ef`. Inside quotes every word is searched for as written, `or` and `یا` included.
- Exclusions: put a minus sign directly in front of a word or a phrase to leave out the articles
  that contain it: `دلار -یورو`, `tehran -"air pollution"`. A minus sign on its own is ignored,
  and a search needs at least one word that is not excluded.
- Alternatives: put `or`, `OR`, `|`, or `یا` between words or phrases when any one of them will
  do: `«قیمت دلار» یا یورو`, `tehran or "new york"`. OR joins only its two neighbours, so
  `election tehran or isfahan` finds articles about the election in Tehran or in Isfahan. An OR
  with nothing to join (at the start or the end of the search, doubled, or next to an excluded
  word) is ignored. To search for the word "or" itself, put it in quotes.
- Brackets do not group, and other punctuation (`&`, `!`, `'`, `:`…) has no special meaning.

A search may be up to 500 characters long and have up to 32 words and phrases.

For the code: parse_query() only splits the text; it leaves case, stemming and stopwords to the
text search configuration, so each leaf carries the text as typed. Whitespace is whatever
str.isspace() says except the zero-width non-joiner (U+200C), which is part of Persian words and
is kept inside them (a half-space at either end of a word is dropped). Control characters and
lone surrogates separate words like spaces do: PostgreSQL could not store them in a query
anyway, and an error would only puzzle the person typing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pressroom.errors import PressroomError

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "Alternatives",
    "Clause",
    "SearchSyntax",
    "SearchSyntaxError",
    "Term",
    "parse_query",
]

MAX_QUERY_LENGTH = 500  # characters
MAX_TERMS = 32

# Any of these opens a phrase and any of them closes it: pairing them exactly would break on
# the mixed or reversed pairs that keyboards and word processors produce, for nothing in return.
QUOTES = frozenset('"\u201c\u201d\u00ab\u00bb\u201e\u201f')
MINUS_SIGNS = frozenset("-\u2212")
OR_WORDS = frozenset({"|", "یا", "يا"})  # and "or" in any case, checked apart
ZWNJ = "\u200c"
_SEPARATOR_CATEGORIES = frozenset({"Cc", "Cs"})


class SearchSyntaxError(PressroomError):
    """The search text cannot be turned into a search; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Term:
    """A word, or the words of a quoted phrase, exactly as typed."""

    text: str
    phrase: bool
    negated: bool


@dataclass(frozen=True, slots=True)
class Alternatives:
    """Terms joined by OR: an article matches with any one of them."""

    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        # "NOT a OR b" has no useful meaning in a search box, and an OR of one is just a term;
        # the tsquery builder relies on neither ever reaching it.
        if len(self.terms) < 2 or any(term.negated for term in self.terms):
            raise ValueError(f"alternatives need two or more positive terms: {self.terms!r}")


Clause = Term | Alternatives


@dataclass(frozen=True, slots=True)
class SearchSyntax:
    """A parsed search: every clause must match."""

    clauses: tuple[Clause, ...]

    def leaves(self) -> tuple[Term, ...]:
        """Every term in the order it was typed."""
        return tuple(_clause_terms(self.clauses))


class _OrOperator:
    """The OR token, until grouping decides whether it joins anything."""


_OR = _OrOperator()
_Token = Term | _OrOperator


def parse_query(text: str) -> SearchSyntax:
    """Parse what a user typed into the search box; SearchSyntaxError says what to change."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchSyntaxError(
            f"The search is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}. "
            "Keep the words that matter most."
        )
    tokens = list(_scan(_separators_to_spaces(text)))
    syntax = SearchSyntax(tuple(_clauses(tokens)))
    _check(syntax, saw_or=any(token is _OR for token in tokens))
    return syntax


def _check(syntax: SearchSyntax, *, saw_or: bool) -> None:
    leaves = syntax.leaves()
    if not leaves:
        hint = ' To search for the word "or" itself, put it in double quotes.' if saw_or else ""
        raise SearchSyntaxError("Type at least one word to search for." + hint)
    if len(leaves) > MAX_TERMS:
        raise SearchSyntaxError(
            f"The search has {len(leaves)} words and phrases; the limit is {MAX_TERMS}. "
            "Remove some, or put words that belong together in quotes to make one phrase."
        )
    if all(leaf.negated for leaf in leaves):
        raise SearchSyntaxError(
            "A search needs at least one word to look for, not only words to exclude: "
            "add a word without a minus sign in front of it."
        )


def _separators_to_spaces(text: str) -> str:
    # Done once up front so that the scanner has a single separator, the plain space.
    return "".join(" " if _is_separator(char) else char for char in text)


def _is_separator(char: str) -> bool:
    if char == ZWNJ:
        return False
    return char.isspace() or unicodedata.category(char) in _SEPARATOR_CATEGORIES


def _scan(text: str) -> Iterator[_Token]:
    """Terms and OR operators, left to right; empty words and phrases are left out."""
    pos = 0
    while pos < len(text):
        if text[pos] in (" ", ZWNJ):
            pos += 1
            continue
        negated, pos = _skip_minus_signs(text, pos)
        if pos < len(text) and text[pos] in QUOTES:
            words, pos = _read_phrase(text, pos + 1)
            if words:
                yield Term(words, phrase=True, negated=negated)
            continue
        word, pos = _read_word(text, pos)
        if not negated and _is_or(word):
            yield _OR
        elif word:
            yield Term(word, phrase=False, negated=negated)


def _skip_minus_signs(text: str, pos: int) -> tuple[bool, int]:
    # "--word" is read as "-word": a doubled minus is a typo, not a double negation.
    start = pos
    while pos < len(text) and text[pos] in MINUS_SIGNS:
        pos += 1
    return pos > start, pos


def _read_word(text: str, pos: int) -> tuple[str, int]:
    end = pos
    while end < len(text) and text[end] != " " and text[end] not in QUOTES:
        end += 1
    return text[pos:end].strip(ZWNJ), end


def _read_phrase(text: str, pos: int) -> tuple[str, int]:
    """The words up to the closing quote (or the end), and the position after that quote."""
    end = pos
    while end < len(text) and text[end] not in QUOTES:
        end += 1
    words = (word.strip(ZWNJ) for word in text[pos:end].split(" "))
    return " ".join(word for word in words if word), end + 1


def _is_or(word: str) -> bool:
    return word in OR_WORDS or (word.isascii() and word.lower() == "or")


def _clauses(tokens: Iterable[_Token]) -> Iterator[Clause]:
    return (_clause(group) for group in _or_groups(tokens))


def _or_groups(tokens: Iterable[_Token]) -> list[list[Term]]:
    """Runs of positive terms joined by OR; any other term stands alone."""
    groups: list[list[Term]] = []
    joining = False
    for token in tokens:
        if isinstance(token, _OrOperator):
            # An OR joins only if a positive term precedes it; otherwise it is dropped, and a
            # repeated OR changes nothing.
            joining = bool(groups) and not groups[-1][-1].negated
        elif joining and not token.negated:
            groups[-1].append(token)
            joining = False
        else:
            groups.append([token])
            joining = False
    return groups


def _clause(group: list[Term]) -> Clause:
    return group[0] if len(group) == 1 else Alternatives(tuple(group))


def _clause_terms(clauses: Iterable[Clause]) -> Iterator[Term]:
    for clause in clauses:
        if isinstance(clause, Term):
            yield clause
        else:
            yield from clause.terms
