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

from pressroom.search.expiring import ExpiringCache
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


# Each word's answer ('' for a word to keep), by the word and whether it is being typed. Kept by
# the callers, one per database (the API keeps one for its pool): a search that finds nothing
# and a suggestion short of titles ask for their words, and most are known words that simply
# never meet (two words, or a word and a site) or a title's rarer beginnings, which paid a
# round trip each time to be told so. A word that becomes known with new titles is no longer
# corrected once its entry expires (ExpiringCache: ten minutes).
CorrectionMemory = ExpiringCache[tuple[str, bool], str]


async def corrected_words(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    *,
    last_is_prefix: bool,
    memory: CorrectionMemory | None = None,
) -> dict[int, str]:
    """Position (among the words of the positive terms) → correction, for the words to change;
    the words `memory` knows are not asked for again."""
    memory = CorrectionMemory() if memory is None else memory
    words = _words(syntax)
    keys = [(word, last_is_prefix and n == len(words) - 1) for n, word in enumerate(words)]
    answers = {key: answer for key in keys if (answer := memory.get(key)) is not None}
    if missing := [key for key in dict.fromkeys(keys) if key not in answers]:
        # The statement's position of the word being typed counts from 1; 0 is none.
        typed = next((n for n, (_, prefix) in enumerate(missing, 1) if prefix), 0)
        rows = await conn.fetch(CORRECTIONS, [word for word, _ in missing], typed)
        for key, row in zip(missing, rows, strict=True):
            answers[key] = row[0] or ""
            memory.put(key, answers[key])
    return {n: answers[key] for n, key in enumerate(keys) if answers[key]}


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
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    language: str | None,
    memory: CorrectionMemory | None = None,
) -> Correction | None:
    """The search with its unknown words replaced by known ones, if any were, compiled; None
    when every word is known, or the corrected search has no word left to search for."""
    corrections = await corrected_words(conn, syntax, last_is_prefix=False, memory=memory)
    if not corrections:
        return None
    text = apply_corrections(syntax, corrections)
    compiled = await compile_query(conn, parse_query(text), language)
    return None if compiled.empty else Correction(text, compiled)
