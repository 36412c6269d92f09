"""Full-text search over articles: ranked, filtered, paginated, highlighted.

The order is `score DESC, id DESC` (search/ranking.py explains the score). Pages continue by
keyset on that pair; the cursor also carries the moment the first page was computed, so
freshness, and with it every score, is the same on every page of one search.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson

from pressroom.content.articles import list_item
from pressroom.content.cursor import (
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
    filter_fingerprint,
)
from pressroom.content.pages import Params
from pressroom.search.corrections import correct_search
from pressroom.search.markers import language_marker, time_markers
from pressroom.search.ranking import (
    BODY_ONLY_RELEVANCE,
    MATCH_VECTOR,
    RANK_VECTOR,
    Window,
    older_bound,
    planned_once,
    windows,
)
from pressroom.search.syntax import SearchSyntax, parse_query
from pressroom.search.tsquery import CompiledQuery, compile_query

MARK_START, MARK_END = "\ue000", "\ue001"  # private-use: never in text once stripped from it

STOPWORDS_ONLY_HINT = (
    "Every word of this search is too common to search for (words such as 'the', 'و', 'از') "
    "or is punctuation. Add a more specific word."
)


@dataclass(frozen=True, slots=True)
class SearchFilter:
    site: str | None = None  # domain
    language: str | None = None
    published_after: datetime | None = None  # inclusive
    published_before: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class Total:
    value: int
    exact: bool


@dataclass(slots=True)
class SearchResult:
    items: list[dict[str, Any]]
    next_cursor: str | None
    total: Total
    ignored: tuple[str, ...] = ()  # words and phrases made only of stopwords
    hint: str | None = None
    did_you_mean: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The body of GET /search."""
        return {
            "items": self.items,
            "next_cursor": self.next_cursor,
            "total": {"value": self.total.value, "exact": self.total.exact},
            "ignored_words": list(self.ignored),
            "hint": self.hint,
            "did_you_mean": self.did_you_mean,
        }


@dataclass(slots=True)
class _Scan:
    """Candidates found so far, best first, and what the windows read."""

    best: list[asyncpg.Record] = field(default_factory=list)
    matches: int = 0
    oldest_read: datetime | None = None
    complete: bool = True


def _fingerprint(q: str, where: SearchFilter) -> str:
    after, before = where.published_after, where.published_before
    return filter_fingerprint(
        [
            "search",
            q,
            where.site,
            where.language,
            after.isoformat() if after else None,
            before.isoformat() if before else None,
        ]
    )


def _decode(cursor: str, fingerprint: str) -> tuple[datetime, float, int]:
    try:
        as_of_ms, score, last_id = orjson.loads(decode_cursor(cursor, fingerprint))
        as_of = datetime.fromtimestamp(as_of_ms / 1000, UTC)
        if not isinstance(last_id, int) or not isinstance(score, float):
            raise TypeError
    except (ValueError, TypeError, OverflowError, OSError):
        raise InvalidCursorError("cursor is malformed") from None
    return as_of, score, last_id


def _encode(as_of: datetime, score: float, last_id: int, fingerprint: str) -> str:
    as_of_ms = int(as_of.timestamp() * 1000)
    return encode_cursor(orjson.dumps([as_of_ms, score, last_id]).decode(), fingerprint)


# Highlighting runs on the normalised text, the text the query's words were matched in, so
# "كتاب" typed on an Arabic keyboard highlights "کتاب". Titles are highlighted whole; summaries
# give up to two fragments. Bodies are never read: snippets come from title and summary.
TITLE_HEADLINE = f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_END}"
SUMMARY_HEADLINE = (
    f'MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … ", '
    f"StartSel={MARK_START}, StopSel={MARK_END}"
)


def search_conditions(
    param: Params, where: SearchFilter, window: Window, query: str, vector: str = MATCH_VECTOR
) -> str:
    """The WHERE clause of a search over `window` in search_documents `d`: `query` is the
    tsquery's placeholder. Each filter is also a marker condition of its own (markers.py), so
    GIN skips to the documents it allows instead of testing every match of the words."""
    conditions = [f"{vector} @@ pressroom.search_query({query}::tsquery)"]
    if where.site is not None:
        site_id = f"(SELECT id FROM pressroom.sites WHERE domain = {param(where.site)})"  # noqa: S608 - a $n placeholder
        conditions.append(f"d.site_id = {site_id}")
        conditions.append(f"{vector} @@ ('§s' || {site_id})::tsquery")
    if where.language is not None:
        conditions.append(f"d.language = {param(where.language)}")
        conditions.append(f"{vector} @@ {param(language_marker(where.language))}::tsquery")
    start = max(filter(None, [window.start, where.published_after]), default=None)
    end = min(filter(None, [window.end, where.published_before]), default=None)
    if start is not None:
        conditions.append(f"d.published_at >= {param(start)}")
    if end is not None:
        conditions.append(f"d.published_at < {param(end)}")
    if (markers := time_markers(start, end)) is not None:
        conditions.append(f"{vector} @@ {param(markers)}::tsquery")
    return " AND ".join(conditions)


def window_query(
    where: SearchFilter,
    window: Window,
    compiled: CompiledQuery,
    as_of: datetime,
    half_life: timedelta,
    after: tuple[float, int] | None,
    limit: int,
) -> tuple[str, list[object]]:
    """One window of a search: its matches ranked, the best `limit` of them after the cursor,
    and how many match in all (public so the plan test can EXPLAIN it)."""
    param = Params()
    query = param(compiled.tsquery)
    score = (
        f"greatest(least(ts_rank_cd({RANK_VECTOR}, {query}::tsquery), 1), {BODY_ONLY_RELEVANCE})"
        f" * power(2, -greatest(extract(epoch FROM {param(as_of)}::timestamptz - d.published_at), 0)"
        f" / {param(half_life.total_seconds())}::float8)"
    )
    conditions = search_conditions(param, where, window, param(compiled.matching))
    keyset = "true"
    if after is not None:
        keyset = f"(s.score, s.id) < ({param(after[0])}::float8, {param(after[1])}::bigint)"
    # Headlines only for the rows a window returns, after LIMIT: never for every match.
    sql = f"""
SELECT s.id, s.canonical_url, s.title, t.domain, s.language, s.author, s.published_at,
       s.score, s.matches,
       ts_headline(pressroom.search_config(s.language),
                   pressroom.normalize_text(translate(s.title, {param(MARK_START + MARK_END)}, '')),
                   {query}::tsquery, {param(TITLE_HEADLINE)}) AS title_marked,
       ts_headline(pressroom.search_config(s.language),
                   pressroom.normalize_text(translate(s.summary, {param(MARK_START + MARK_END)}, '')),
                   {query}::tsquery, {param(SUMMARY_HEADLINE)}) AS summary_marked
  FROM (SELECT d.article_id AS id, d.canonical_url, d.title, d.summary, d.site_id, d.language,
               d.author, d.published_at, {score} AS score, count(*) OVER () AS matches
          FROM pressroom.search_documents d
         WHERE {conditions}) s
  JOIN pressroom.sites t ON t.id = s.site_id
 WHERE {keyset}
 ORDER BY s.score DESC, s.id DESC
 LIMIT {param(limit)}
"""  # noqa: S608 - constant fragments; every value is a bound parameter
    return sql, param.values


def count_query(
    where: SearchFilter, window: Window, compiled: CompiledQuery, cap: int
) -> tuple[str, list[object]]:
    """How many articles of the window match, counting no further than `cap`."""
    param = Params()
    conditions = search_conditions(param, where, window, param(compiled.matching))
    sql = f"""
SELECT count(*) FROM (SELECT 1 FROM pressroom.search_documents d WHERE {conditions} LIMIT {param(cap)}) m
"""  # noqa: S608 - constant fragments; every value is a bound parameter
    return sql, param.values


async def _scan(
    conn: asyncpg.Connection,
    where: SearchFilter,
    compiled: CompiledQuery,
    as_of: datetime,
    half_life: timedelta,
    after: tuple[float, int] | None,
    wanted: int,
) -> _Scan:
    scan = _Scan()
    planned = list(windows(as_of, where.published_after, where.published_before))
    for index, window in enumerate(planned):
        sql, args = window_query(where, window, compiled, as_of, half_life, after, wanted)
        rows = await conn.fetch(sql, *args)
        scan.best = sorted(scan.best + rows, key=lambda r: (r["score"], r["id"]), reverse=True)
        del scan.best[wanted:]
        scan.matches += rows[0]["matches"] if rows else 0
        scan.oldest_read = window.start
        bound = older_bound(window, as_of, half_life)
        if len(scan.best) >= wanted and scan.best[-1]["score"] >= bound:
            scan.complete = index == len(planned) - 1
            break
    return scan


def marked_to_html(text: str) -> str:
    """Escaped text with <mark> around the matched words, safe to put in a page as it is."""
    return html.escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _hit(row: asyncpg.Record) -> dict[str, Any]:
    return list_item(row) | {
        "score": round(row["score"], 6),
        "highlight": {
            "title": marked_to_html(row["title_marked"]),
            "summary": marked_to_html(row["summary_marked"]),
        },
    }


# Matches older than the windows a search read are counted up to this many; beyond it the
# total is an estimate.
COUNT_CAP = 200


# The oldest publication time PostgreSQL's statistics know of (ANALYZE, by autovacuum or the
# loader): an estimate needs no more, and reading it costs no scan.
OLDEST_FROM_STATISTICS = """
SELECT (histogram_bounds::text::timestamptz[])[1]
  FROM pg_stats
 WHERE schemaname = 'pressroom' AND tablename = 'search_documents' AND attname = 'published_at'
"""


async def _total(
    conn: asyncpg.Connection,
    scan: _Scan,
    where: SearchFilter,
    compiled: CompiledQuery,
    as_of: datetime,
) -> Total:
    """Exact when every window was read, or when few articles match beyond them (counted up to
    COUNT_CAP). Otherwise an estimate: the matches per second of the windows read, over the
    whole span searched (news volume is roughly steady, and a total is a hint, not an
    account). A search that matched COUNT_CAP articles in the windows it read is not counted
    further: counting the matches of a very common word is the work the windows avoid."""
    if scan.complete or scan.oldest_read is None:
        return Total(scan.matches, exact=True)
    older = COUNT_CAP + 1
    if scan.matches < COUNT_CAP:
        sql, args = count_query(where, Window(None, scan.oldest_read), compiled, COUNT_CAP + 1)
        older = await conn.fetchval(sql, *args)
        if older <= COUNT_CAP:
            return Total(scan.matches + older, exact=True)
    oldest = where.published_after or await conn.fetchval(OLDEST_FROM_STATISTICS)
    newest = min(where.published_before or as_of, as_of)
    if oldest is None:
        return Total(scan.matches + older, exact=False)
    read_s = max((newest - scan.oldest_read).total_seconds(), 1.0)
    span_s = max((newest - oldest).total_seconds(), read_s)
    extrapolated = round(scan.matches * span_s / read_s)
    return Total(max(extrapolated, scan.matches + older), exact=False)


async def search_articles(
    conn: asyncpg.Connection,
    q: str,
    where: SearchFilter,
    *,
    cursor: str | None,
    limit: int,
    half_life: timedelta,
    now: datetime | None = None,
) -> SearchResult:
    """One page of results; SearchSyntaxError for a search that cannot be read, and
    InvalidCursorError for a cursor of another search."""
    syntax = parse_query(q)
    fingerprint = _fingerprint(q, where)
    after: tuple[float, int] | None = None
    as_of = now or datetime.now(UTC)
    if cursor:
        as_of, score, last_id = _decode(cursor, fingerprint)
        after = (score, last_id)
    async with planned_once(conn):
        return await _search(conn, syntax, where, as_of, half_life, after, limit, fingerprint)


async def _search(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    where: SearchFilter,
    as_of: datetime,
    half_life: timedelta,
    after: tuple[float, int] | None,
    limit: int,
    fingerprint: str,
) -> SearchResult:
    compiled = await compile_query(conn, syntax, where.language)
    if compiled.empty:
        return SearchResult([], None, Total(0, exact=True), compiled.ignored, STOPWORDS_ONLY_HINT)
    scan = await _scan(conn, where, compiled, as_of, half_life, after, limit + 1)
    page = scan.best[:limit]
    next_cursor = None
    if len(scan.best) > limit:
        next_cursor = _encode(as_of, page[-1]["score"], page[-1]["id"], fingerprint)
    result = SearchResult(
        [_hit(row) for row in page],
        next_cursor,
        await _total(conn, scan, where, compiled, as_of),
        compiled.ignored,
    )
    if not page and after is None:
        result.did_you_mean = await correct_search(conn, syntax, where.language)
    return result
