"""From the search box's syntax to a PostgreSQL tsquery.

Each word or phrase goes through pressroom.phrase_search_query(), the same normalisation,
parser and stopword list as documents (migrations 0003, 0004), in one round trip for the whole
search. The tsquery operators that join them (&, |, !) are written here around the texts
PostgreSQL returned, so nothing the user typed is ever read as tsquery syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from pressroom.search.expiring import ExpiringCache
from pressroom.search.syntax import Alternatives, SearchSyntax, Term

# A phrase's pairs of neighbouring words are what a search over documents' terms finds it by
# (migration 0011); titles, which suggestions match, have no pairs. A word or phrase being typed
# is the beginnings of its words, which only titles have (migration 0012).
LEAF_QUERIES = """
SELECT CASE WHEN leaf.prefix THEN pressroom.prefix_search_query(leaf.text)
            ELSE pressroom.phrase_search_query(leaf.language, leaf.text)
       END::text,
       paired.pairs::text,
       paired.pairs IS NOT NULL AND pressroom.phrase_places(leaf.language, leaf.text) = 2
  FROM unnest($1::text[], $2::text[], $3::boolean[]) WITH ORDINALITY
           AS leaf(language, text, prefix, n)
 CROSS JOIN LATERAL (
     SELECT CASE WHEN NOT leaf.prefix
                 THEN pressroom.phrase_pairs(leaf.language, leaf.text) END AS pairs) AS paired
 ORDER BY leaf.n
"""

DEFAULT_LANGUAGE = "fa"  # pressroom_fa also stems English words, so it suits a search of both

LeafKey = tuple[str, str, bool]  # language, text, prefix


@dataclass(frozen=True, slots=True)
class Leaf:
    query: str  # '' for a word or phrase made only of stopwords or punctuation
    pairs: str | None  # its neighbouring words' pairs, ANDed; None for a single word
    pairs_suffice: bool = False  # two places: the pair holds exactly where the phrase does

    @property
    def narrowed(self) -> str:
        """What finds the phrase's documents exactly. Two words are their pair alone, which GIN
        answers without reading any document's positions from TOAST; longer phrases are their
        pairs (few candidates) and their positions (checked on those)."""
        if self.pairs and self.pairs_suffice:
            return self.pairs
        return f"{self.pairs} & ({self.query})" if self.pairs else self.query

    @property
    def indexed(self) -> str:
        """What the index finds the phrase's candidates by: its pairs where it has them. A
        tsquery with a phrase operator makes GIN walk each of its words' postings too (the
        common 'حسین' of «ژاله حسین‌زاده», whose half-space makes three words) and recheck
        every candidate against the document's terms, read from TOAST; its positions are
        checked apart instead (CompiledQuery.positions)."""
        return self.pairs or self.query


# Compiled words and phrases, kept a while: searches repeat (a popular name, today's topic), and
# compiling costs a round trip and about a millisecond of the database's time. Entries expire,
# so a migration that changes normalisation or stopwords is picked up without a restart.
_compiled: ExpiringCache[LeafKey, Leaf] = ExpiringCache()


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    tsquery: str  # '' when no word is left to search for; what ranking and snippets read
    ignored: tuple[str, ...]  # the words and phrases made only of stopwords or punctuation
    # What finds the documents, term by term (ANDed): phrases with their pairs.
    finding: tuple[str, ...] = ()
    # The same terms as the index reads them: each phrase of three places or more (outside an
    # exclusion) as its pairs alone; positions holds those clauses whole ('' when none). The
    # documents that match indexed and positions are exactly those that match finding.
    indexed: tuple[str, ...] = ()  # finding, where not given
    positions: str = ""

    def __post_init__(self) -> None:
        if not self.indexed:
            object.__setattr__(self, "indexed", self.finding)

    @property
    def empty(self) -> bool:
        return not self.tsquery

    @property
    def matching(self) -> str:
        """The tsquery that finds the documents."""
        return " & ".join(self.finding)

    def split(self) -> tuple[str, str]:
        """The terms as the index reads them (`indexed`), two conditions (migration 0021): the
        first term that is not an exclusion, and the rest ANDed ('' when nothing is left)."""
        for n, term in enumerate(self.indexed):
            if not term.startswith("!"):
                return term, " & ".join(self.indexed[:n] + self.indexed[n + 1 :])
        return "", " & ".join(self.indexed)


async def compile_query(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    language: str | None,
    *,
    prefix_last: bool = False,
) -> CompiledQuery:
    """The tsquery of a search. With prefix_last, the words of the last term typed match the
    beginnings of title words (suggestions as you type: only pressroom.title_vector() has
    them)."""
    leaves = syntax.leaves()
    prefixed = len(leaves) - 1 if prefix_last and not leaves[-1].negated else -1
    keys = [
        (language or DEFAULT_LANGUAGE, term.text, n == prefixed) for n, term in enumerate(leaves)
    ]
    compiled = {key: value for key in keys if (value := _compiled.get(key)) is not None}
    if missing := [key for key in dict.fromkeys(keys) if key not in compiled]:
        compiled |= await _compile_leaves(conn, missing)
    by_leaf = {id(term): compiled[key] for term, key in zip(leaves, keys, strict=True)}
    ignored = tuple(term.text for term in leaves if not by_leaf[id(term)].query)
    parts = [part for clause in syntax.clauses if (part := _clause(clause, by_leaf, False))]
    if not any(not part.startswith("!") for part in parts):
        return CompiledQuery("", ignored)
    finding = tuple(part for clause in syntax.clauses if (part := _clause(clause, by_leaf, True)))
    apart = [clause for clause in syntax.clauses if _checks_positions(clause, by_leaf)]
    if not apart:  # most searches: the index reads the terms as they are
        return CompiledQuery(" & ".join(parts), ignored, finding)
    indexed = tuple(
        part for clause in syntax.clauses if (part := _clause(clause, by_leaf, True, indexed=True))
    )
    positions = " & ".join(part for clause in apart if (part := _clause(clause, by_leaf, False)))
    return CompiledQuery(" & ".join(parts), ignored, finding, indexed, positions)


async def _compile_leaves(conn: asyncpg.Connection, keys: list[LeafKey]) -> dict[LeafKey, Leaf]:
    columns = [list(column) for column in zip(*keys, strict=True)]
    rows = await conn.fetch(LEAF_QUERIES, *columns)
    found = {key: Leaf(row[0], row[1], row[2]) for key, row in zip(keys, rows, strict=True)}
    for key, leaf in found.items():
        _compiled.put(key, leaf)
    return found


def _checks_positions(clause: Term | Alternatives, by_leaf: dict[int, Leaf]) -> bool:
    """Whether the index reads this clause without a phrase's positions, which are then
    checked apart: a clause holding a phrase of three places or more, not excluded."""
    terms = clause.terms if isinstance(clause, Alternatives) else (clause,)
    return not any(term.negated for term in terms) and any(
        (leaf := by_leaf[id(term)]).query and leaf.indexed != leaf.narrowed for term in terms
    )


def _clause(
    clause: Term | Alternatives, by_leaf: dict[int, Leaf], narrowed: bool, *, indexed: bool = False
) -> str:
    def text(term: Term) -> str:
        leaf = by_leaf[id(term)]
        # An excluded phrase is excluded whatever its pairs: they would only add work.
        if not narrowed or term.negated:
            return leaf.query
        return leaf.indexed if indexed else leaf.narrowed

    if isinstance(clause, Term):
        if not by_leaf[id(clause)].query:
            return ""
        return f"!({text(clause)})" if clause.negated else f"({text(clause)})"
    # An alternative of stopwords only would match everything; it drops out instead.
    options = [f"({text(term)})" for term in clause.terms if by_leaf[id(term)].query]
    return f"({' | '.join(options)})" if options else ""
