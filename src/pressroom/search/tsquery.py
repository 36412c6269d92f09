"""From the search box's syntax to a PostgreSQL tsquery.

Each word or phrase goes through pressroom.phrase_search_query(), the same normalisation,
parser and stopword list as documents (migrations 0003, 0004), in one round trip for the whole
search. The tsquery operators that join them (&, |, !) are written here around the texts
PostgreSQL returned, so nothing the user typed is ever read as tsquery syntax.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg

from pressroom.search.syntax import Alternatives, SearchSyntax, Term

LEAF_QUERIES = """
SELECT pressroom.phrase_search_query(leaf.language, leaf.text, leaf.prefix, leaf.weights)::text
  FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[]) WITH ORDINALITY
           AS leaf(language, text, prefix, weights, n)
 ORDER BY leaf.n
"""

DEFAULT_LANGUAGE = "fa"  # pressroom_fa also stems English words, so it suits a search of both

LeafKey = tuple[str, str, bool, str]  # language, text, prefix, weights


class LeafQueries:
    """Compiled words and phrases, kept a while: searches repeat (a popular name, today's
    topic), and compiling costs a round trip and about a millisecond of the database's time.
    Entries expire, so a migration that changes normalisation or stopwords is picked up
    without a restart, after at most `ttl_s`."""

    def __init__(self, max_entries: int = 10_000, ttl_s: float = 600.0) -> None:
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._entries: OrderedDict[LeafKey, tuple[str, float]] = OrderedDict()

    def get(self, key: LeafKey) -> str | None:
        found = self._entries.get(key)
        if found is None or found[1] < time.monotonic():
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: LeafKey, tsquery: str) -> None:
        self._entries[key] = (tsquery, time.monotonic() + self.ttl_s)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


_compiled = LeafQueries()


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
    prefixed = len(leaves) - 1 if prefix_last and not leaves[-1].negated else -1
    keys = [
        (language or DEFAULT_LANGUAGE, term.text, n == prefixed, weights)
        for n, term in enumerate(leaves)
    ]
    compiled = {key: value for key in keys if (value := _compiled.get(key)) is not None}
    if missing := [key for key in dict.fromkeys(keys) if key not in compiled]:
        compiled |= await _compile_leaves(conn, missing)
    by_leaf = {id(term): compiled[key] for term, key in zip(leaves, keys, strict=True)}
    ignored = tuple(term.text for term in leaves if not by_leaf[id(term)])
    parts = [part for clause in syntax.clauses if (part := _clause(clause, by_leaf))]
    if not any(not part.startswith("!") for part in parts):
        return CompiledQuery("", ignored)
    return CompiledQuery(" & ".join(parts), ignored)


async def _compile_leaves(conn: asyncpg.Connection, keys: list[LeafKey]) -> dict[LeafKey, str]:
    columns = [list(column) for column in zip(*keys, strict=True)]
    rows = await conn.fetch(LEAF_QUERIES, *columns)
    found = {key: row[0] for key, row in zip(keys, rows, strict=True)}
    for key, tsquery in found.items():
        _compiled.put(key, tsquery)
    return found


def _clause(clause: Term | Alternatives, by_leaf: dict[int, str]) -> str:
    if isinstance(clause, Term):
        query = by_leaf[id(clause)]
        if not query:
            return ""
        return f"!({query})" if clause.negated else f"({query})"
    # An alternative of stopwords only would match everything; it drops out instead.
    options = [f"({by_leaf[id(term)]})" for term in clause.terms if by_leaf[id(term)]]
    return f"({' | '.join(options)})" if options else ""
