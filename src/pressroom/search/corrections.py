"""Typo corrections: "did you mean" for searches that find nothing, and for suggestions.

Each word typed is looked up, normalised and lower-cased, in pressroom.search_words (the words
of titles and tag names, migration 0004). A word found there is kept; another is replaced by the
most similar known word by trigram similarity, if one is similar enough (pg_trgm's threshold,
0.3). The last word of a search typed as you go may be unfinished: it is kept when a known word
starts with it, and otherwise compared by word similarity, which scores a prefix well.

Whether a corrected search finds anything is the search's own business (engine.py): it has to
be asked with the search's filters, and as cheaply as a search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from pressroom.search.syntax import Alternatives, SearchSyntax, Term, parse_query
from pressroom.search.tsquery import CompiledQuery, compile_query

CORRECTIONS = """
SELECT CASE
         WHEN EXISTS (SELECT 1 FROM pressroom.search_words k WHERE k.word = w.typed) THEN NULL
         WHEN u.n = $2 AND EXISTS (SELECT 1 FROM pressroom.search_words k
                                    WHERE k.word LIKE w.pattern || '%') THEN NULL
         WHEN u.n = $2 THEN (SELECT c.word FROM pressroom.search_words c
                              WHERE w.typed OPERATOR(pressroom.<%) c.word
                              ORDER BY pressroom.word_similarity(w.typed, c.word) DESC, c.word
                              LIMIT 1)
         ELSE (SELECT c.word FROM pressroom.search_words c
                WHERE c.word OPERATOR(pressroom.%) w.typed
                ORDER BY pressroom.similarity(c.word, w.typed) DESC, c.word
                LIMIT 1)
       END AS correction
  FROM unnest($1::text[]) WITH ORDINALITY AS u(raw, n)
  CROSS JOIN LATERAL (SELECT lower(pressroom.normalize_text(u.raw)) AS typed) AS t(typed)
  CROSS JOIN LATERAL (SELECT t.typed,
                             replace(replace(replace(t.typed, '\\', '\\\\'), '%', '\\%'), '_', '\\_')
                      ) AS w(typed, pattern)
 ORDER BY u.n
"""


def _words(syntax: SearchSyntax) -> list[str]:
    return [word for term in syntax.leaves() if not term.negated for word in term.text.split()]


async def corrected_words(
    conn: asyncpg.Connection, syntax: SearchSyntax, *, last_is_prefix: bool
) -> dict[int, str]:
    """Position (among the words of the positive terms) → correction, for the words to change."""
    words = _words(syntax)
    prefix_position = len(words) if last_is_prefix else 0
    rows = await conn.fetch(CORRECTIONS, words, prefix_position)
    return {i: row[0] for i, row in enumerate(rows) if row[0] is not None}


def render(syntax: SearchSyntax, replace: Callable[[str], str]) -> str:
    """The search as text again, each word of a positive term passed through `replace`."""

    def term(t: Term) -> str:
        if t.negated:
            return f'-"{t.text}"' if t.phrase else f"-{t.text}"
        text = " ".join(replace(word) for word in t.text.split())
        return f'"{text}"' if t.phrase else text

    return " ".join(
        " or ".join(term(t) for t in clause.terms)
        if isinstance(clause, Alternatives)
        else term(clause)
        for clause in syntax.clauses
    )


def apply_corrections(syntax: SearchSyntax, corrections: dict[int, str]) -> str:
    position = iter(range(len(_words(syntax))))
    return render(syntax, lambda word: corrections.get(next(position), word))


@dataclass(frozen=True, slots=True)
class Correction:
    text: str  # the search as typed, its misspelt words replaced
    compiled: CompiledQuery


async def corrected_search(
    conn: asyncpg.Connection, syntax: SearchSyntax, language: str | None
) -> Correction | None:
    """The search with its unknown words replaced by known ones, if any were, compiled; None
    when every word is known, or the corrected search has no word left to search for."""
    corrections = await corrected_words(conn, syntax, last_is_prefix=False)
    if not corrections:
        return None
    text = apply_corrections(syntax, corrections)
    compiled = await compile_query(conn, parse_query(text), language)
    return None if compiled.empty else Correction(text, compiled)
