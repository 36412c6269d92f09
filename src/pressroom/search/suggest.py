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

from pressroom.content.pages import Params
from pressroom.search.corrections import apply_corrections, corrected_words
from pressroom.search.engine import SearchFilter, search_conditions
from pressroom.search.ranking import TITLE_VECTOR, Window, planned_once, windows
from pressroom.search.syntax import QUOTES, SearchSyntax, parse_query
from pressroom.search.tsquery import compile_query


@dataclass(frozen=True, slots=True)
class Suggestions:
    items: list[dict[str, Any]]
    corrected: str | None  # the corrected text the items were found for, if any


def titles_query(
    where: SearchFilter, window: Window, tsquery: str, limit: int
) -> tuple[str, list[object]]:
    param = Params()
    conditions = search_conditions(param, where, window, param(tsquery), TITLE_VECTOR)
    sql = f"""
SELECT d.article_id AS id, d.title, s.domain, d.published_at
  FROM pressroom.search_documents d
  JOIN pressroom.sites s ON s.id = d.site_id
 WHERE {conditions}
 ORDER BY d.published_at DESC, d.article_id DESC
 LIMIT {param(limit)}
"""  # noqa: S608 - constant fragments; every value is a bound parameter
    return sql, param.values


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
    items: list[dict[str, Any]] = []
    for window in windows(now, None, None):
        sql, args = titles_query(where, window, compiled.tsquery, limit - len(items))
        items += [
            {
                "id": str(row["id"]),
                "title": row["title"],
                "site": row["domain"],
                "published_at": row["published_at"],
            }
            for row in await conn.fetch(sql, *args)
        ]
        if len(items) >= limit:
            break
    return items


async def suggest_titles(
    conn: asyncpg.Connection,
    q: str,
    where: SearchFilter,
    *,
    limit: int,
    now: datetime | None = None,
) -> Suggestions:
    """Titles for what has been typed so far; SearchSyntaxError when nothing readable was typed."""
    syntax = parse_query(q)
    moment = now or datetime.now(UTC)
    # A word is still being typed unless a space or a closing quote follows it.
    prefix = not (q[-1:].isspace() or q[-1:] in QUOTES)
    async with planned_once(conn):
        return await _suggest(conn, syntax, where, prefix, limit, moment)


async def _suggest(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    where: SearchFilter,
    prefix: bool,
    limit: int,
    moment: datetime,
) -> Suggestions:
    items = await _titles(conn, syntax, where, prefix, limit, moment)
    if len(items) >= limit:
        return Suggestions(items, None)
    corrections = await corrected_words(conn, syntax, last_is_prefix=prefix)
    if not corrections:
        return Suggestions(items, None)
    corrected = apply_corrections(syntax, corrections)
    more = await _titles(conn, parse_query(corrected), where, prefix, limit, moment)
    seen = {item["id"] for item in items}
    merged = items + [item for item in more if item["id"] not in seen]
    return Suggestions(merged[:limit], corrected if len(merged) > len(items) else None)
