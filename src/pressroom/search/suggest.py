"""Title suggestions as you type, tolerant of typos.

The words typed so far must all appear in a title, the last one possibly unfinished: its
words are matched by the beginnings of title words, which the titles' own index holds as
lexemes (migration 0012), so an unfinished word is one exact lookup, not a prefix scan. Suggestions are the newest such titles, read in the
same newest-first windows as searches, so a two-letter prefix stops after the first window
that has enough titles. When too few titles match, the words are corrected (corrections.py) and
the titles of the corrected words are suggested, with the correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from pressroom.search.corrections import CorrectionMemory, apply_corrections, corrected_words
from pressroom.search.engine import NewestSeen, SearchFilter, filter_language, window_markers
from pressroom.search.syntax import QUOTES, SearchSyntax, parse_query
from pressroom.search.tsquery import compile_query


@dataclass(frozen=True, slots=True)
class Suggestions:
    items: list[dict[str, Any]]
    corrected: str | None  # the corrected text the items were found for, if any


# pressroom.suggest_windows() (migrations 0013, 0014) reads the windows newest first in the database
# and stops at the first that completes the suggestions: one statement.
SUGGEST = """
SELECT s.id, s.title, s.domain, s.published_at
  FROM pressroom.suggest_windows($1::tsquery, $2::text::text[], $9::text::text[],
                                 $3::text::timestamptz[], $4::text::timestamptz[], $5, $6,
                                 $7::tsquery, $8)
           WITH ORDINALITY AS s(id, title, domain, published_at, n)
 ORDER BY s.n
"""


def suggest_arguments(
    where: SearchFilter, tsquery: str, limit: int, anchor: datetime
) -> list[object]:
    """The arguments of SUGGEST (public so the plan test can run the same suggestion), with
    windows counted back from `anchor` (engine.NewestSeen)."""
    planned = window_markers(where, anchor)
    return [
        tsquery,
        planned.markers,
        planned.starts,
        planned.ends,
        where.site,
        where.language,
        filter_language(where),
        limit,
        planned.pairs,
    ]


async def _titles(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    where: SearchFilter,
    prefix: bool,
    limit: int,
    now: datetime,
) -> list[dict[str, Any]]:
    compiled = await compile_query(conn, syntax, where.language, prefix_last=prefix)
    if compiled.empty:
        return []
    rows = await conn.fetch(SUGGEST, *suggest_arguments(where, compiled.tsquery, limit, now))
    return [
        {
            "id": str(row["id"]),
            "title": row["title"],
            "site": row["domain"],
            "published_at": row["published_at"],
        }
        for row in rows
    ]


async def suggest_titles(
    conn: asyncpg.Connection,
    q: str,
    where: SearchFilter,
    *,
    limit: int,
    now: datetime | None = None,
    newest: NewestSeen | None = None,
    corrections: CorrectionMemory | None = None,
) -> Suggestions:
    """Titles for what has been typed so far; SearchSyntaxError when nothing readable was typed.
    `newest` (what the searches saw) anchors the windows, as it does a search's; `corrections`
    remembers the words' corrections (corrections.py)."""
    syntax = parse_query(q)
    moment = (newest or NewestSeen()).anchor(now or datetime.now(UTC))
    # A word is still being typed unless a space or a closing quote follows it.
    prefix = not (q[-1:].isspace() or q[-1:] in QUOTES)
    return await _suggest(conn, syntax, where, prefix, limit, moment, corrections)


async def _suggest(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    where: SearchFilter,
    prefix: bool,
    limit: int,
    moment: datetime,
    memory: CorrectionMemory | None,
) -> Suggestions:
    items = await _titles(conn, syntax, where, prefix, limit, moment)
    if len(items) >= limit:
        return Suggestions(items, None)
    corrections = await corrected_words(conn, syntax, last_is_prefix=prefix, memory=memory)
    if not corrections:
        return Suggestions(items, None)
    corrected = apply_corrections(syntax, corrections)
    more = await _titles(conn, parse_query(corrected), where, prefix, limit, moment)
    seen = {item["id"] for item in items}
    merged = items + [item for item in more if item["id"] not in seen]
    return Suggestions(merged[:limit], corrected if len(merged) > len(items) else None)
