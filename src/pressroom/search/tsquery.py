"""From the search box's syntax to a PostgreSQL tsquery.

Each word or phrase goes through pressroom.phrase_search_query(), the same normalisation,
parser and stopword list as documents (migrations 0003, 0004), in one round trip for the whole
search. The tsquery operators that join them (&, |, !) are written here around the texts
PostgreSQL returned, so nothing the user typed is ever read as tsquery syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from pressroom.search.syntax import Alternatives, SearchSyntax, Term

LEAF_QUERIES = """
SELECT pressroom.phrase_search_query($1, leaf.text, leaf.n = $3, $4)::text
  FROM unnest($2::text[]) WITH ORDINALITY AS leaf(text, n)
 ORDER BY leaf.n
"""

DEFAULT_LANGUAGE = "fa"  # pressroom_fa also stems English words, so it suits a search of both


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    tsquery: str  # '' when no word is left to search for
    ignored: tuple[str, ...]  # the words and phrases made only of stopwords or punctuation

    @property
    def empty(self) -> bool:
        return not self.tsquery


async def compile_query(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    language: str | None,
    *,
    prefix_last: bool = False,
    weights: str = "",
) -> CompiledQuery:
    """The tsquery of a search. With prefix_last, the last word typed also matches longer words
    (suggestions as you type); weights ('A' for titles...) limits where words may match."""
    leaves = syntax.leaves()
    last = len(leaves) if prefix_last and not leaves[-1].negated else 0
    rows = await conn.fetch(
        LEAF_QUERIES, language or DEFAULT_LANGUAGE, [t.text for t in leaves], last, weights
    )
    by_leaf = {id(term): row[0] for term, row in zip(leaves, rows, strict=True)}
    ignored = tuple(term.text for term in leaves if not by_leaf[id(term)])
    parts = [part for clause in syntax.clauses if (part := _clause(clause, by_leaf))]
    if not any(not part.startswith("!") for part in parts):
        return CompiledQuery("", ignored)
    return CompiledQuery(" & ".join(parts), ignored)


def _clause(clause: Term | Alternatives, by_leaf: dict[int, str]) -> str:
    if isinstance(clause, Term):
        query = by_leaf[id(clause)]
        if not query:
            return ""
        return f"!({query})" if clause.negated else f"({query})"
    # An alternative of stopwords only would match everything; it drops out instead.
    options = [f"({by_leaf[id(term)]})" for term in clause.terms if by_leaf[id(term)]]
    return f"({' | '.join(options)})" if options else ""
