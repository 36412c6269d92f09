"""Full-text search over articles: ranked, filtered, paginated, highlighted.

The order is `score DESC, id DESC` (search/ranking.py explains the score). Pages continue by
keyset on that pair; the cursor also carries the moment the first page was computed, so
freshness, and with it every score, is the same on every page of one search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
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
from pressroom.db.arrays import array_literal
from pressroom.search.corrections import CorrectionMemory, corrected_search
from pressroom.search.markers import language_marker, time_markers
from pressroom.search.ranking import Window, older_bound, windows
from pressroom.search.snippets import (
    SUMMARY_HEADLINE,
    SUMMARY_WHOLE,
    TITLE_HEADLINE,
    escaped,
    in_original,
    marked_to_html,
    summary_opening,
)
from pressroom.search.syntax import SearchSyntax, parse_query
from pressroom.search.tsquery import CompiledQuery, compile_query

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


# A lexeme as PostgreSQL writes it in a tsquery: quoted, its quotes doubled, its backslashes
# escaped. Taken as PostgreSQL wrote it, it is valid tsquery syntax as it is.
QUOTED_LEXEME = re.compile(r"'(?:[^'\\]|''|\\.)*'")


@lru_cache(maxsize=4096)
def marks_probe(tsquery: str, weight: str = "") -> str:
    """A tsquery that holds where a search's word stands in the part of a head with this weight
    (A the title, B the summary; none: anywhere): where ts_headline would find something to
    mark. ts_headline parses its text again with the search configuration, 6 µs a title and 29
    µs a summary (measured on 2,000 of the sample's), while this test reads the head's lexemes
    and their weights, well under a microsecond; most matches of common words are in the body
    alone."""
    lexemes = dict.fromkeys(QUOTED_LEXEME.findall(tsquery))
    return " | ".join(f"{lexeme}:{weight}" if weight else lexeme for lexeme in lexemes)


@dataclass(slots=True)
class NewestSeen:
    """The publication time of the newest article, as the last search read it (in its own
    snapshot, pressroom.search_windows(), migration 0017). The windows of the next searches are
    counted back from its day when it is older than the clock's: after a pause in the feed, or
    on a corpus that ends weeks before the search (the benchmark's), the first window then holds
    the newest week of documents rather than the end of a four-week window, which a very common
    word had to rank whole. One per database, kept by its callers (the API keeps one for its
    pool). An old value costs nothing in correctness: the first window is open towards the
    future, and the database skips windows newer than its newest document."""

    at: datetime | None = None

    def anchor(self, as_of: datetime) -> datetime:
        """The moment windows are counted back from."""
        return as_of if self.at is None else min(as_of, self.at)


@dataclass(frozen=True, slots=True)
class WindowMarkers:
    """The windows of a search as pressroom.search_windows() and suggest_windows() take them
    (migrations 0014, 0017-0019, 0021), as array literals (db/arrays.py): each window's time
    markers (markers.py; NULL where time does not narrow it), those of each window and the next
    together (NULL for the last), and its exact bounds. The markers are the texts of tsqueries,
    which the functions parse for the windows they read only (migration 0021)."""

    windows: tuple[Window, ...]
    markers: str  # text[] of tsqueries
    pairs: str  # text[] of tsqueries
    starts: str  # timestamptz[]
    ends: str  # timestamptz[]


def window_markers(where: SearchFilter, anchor: datetime) -> WindowMarkers:
    """The windows counted back from `anchor`'s day (NewestSeen.anchor())."""
    return _window_markers(
        anchor.astimezone(UTC).date(), where.published_after, where.published_before
    )


# Windows depend on the day only (ranking.windows()), and covering them with markers took
# 0.4 ms of Python a search, a sixth of a rare word's time: every search of a day with the same
# dates shares them.
@lru_cache(maxsize=1024)
def _window_markers(
    day: date, published_after: datetime | None, published_before: datetime | None
) -> WindowMarkers:
    planned = tuple(windows(datetime.combine(day, time(), UTC), published_after, published_before))
    starts, ends = [], []
    for window in planned:
        starts.append(max(filter(None, [window.start, published_after]), default=None))
        ends.append(min(filter(None, [window.end, published_before]), default=None))
    markers = [time_markers(start, end) for start, end in zip(starts, ends, strict=True)]
    pairs = [
        *(time_markers(start, end) for start, end in zip(starts[1:], ends[:-1], strict=True)),
        None,
    ]
    return WindowMarkers(
        windows=planned,
        markers=array_literal(markers),
        pairs=array_literal(pairs),
        starts=array_literal(starts),
        ends=array_literal(ends),
    )


def filter_language(where: SearchFilter) -> str | None:
    """The language filter's marker; the site's is added by the database, which knows its id."""
    return None if where.language is None else language_marker(where.language)


# pressroom.search_windows() walks the windows and returns the page's ids and scores, with the
# newest and oldest publication times and where its reading stopped. Arguments $1-$18.
WALK = """
pressroom.search_windows($1::tsquery, $2::tsquery, $3::text::text[], $15::text::text[],
                         $4::text::timestamptz[], $5::text::timestamptz[], $6::text::float8[],
                         $7, $8, $9::tsquery, $10, $11, $12, $13, $14,
                         $16::tsquery, $17::tsquery, $18::tsquery)
"""

# One statement: the walk, then what the page shows, highlighted, for the page's rows only
# (arguments $19 and $20: the headline options, $23: SUMMARY_WHOLE), and only where the title or
# the summary holds a word of the search ($21 and $22: marks_probe()). Elsewhere the text is
# shown as written, and where it is marked, the marks are carried onto it (snippets.py): for
# fragments, through the normalised summary they were cut from. Fragments are cut around any
# word of the search ($24): ts_headline cuts them around a span that satisfies its query, and
# a summary holding one of two words (the other in the title or the body) showed its opening
# unmarked. The texts highlighted hold none of the marks' characters (pressroom.highlight_text()
# takes them out when the article is written, migration 0020), so an article that holds them
# can neither forge a mark nor hide one. What the walk says of itself (its count, how far back it
# read, the newest and oldest documents) is read from the first row, and sent on that one only.
SEARCH = f"""
SELECT CASE WHEN coalesce(r.n, 1) = 1 THEN p.matches END AS matches,
       CASE WHEN coalesce(r.n, 1) = 1 THEN p.read_from END AS read_from,
       CASE WHEN coalesce(r.n, 1) = 1 THEN p.newest END AS newest,
       CASE WHEN coalesce(r.n, 1) = 1 THEN p.oldest END AS oldest,
       r.id, r.score, d.canonical_url, d.title, t.domain, d.language, d.author, d.published_at,
       d.summary,
       CASE WHEN r.n < $14 AND d.head @@ $21::tsquery THEN
           ts_headline(pressroom.search_config(d.language), h.title, $2::tsquery, $19)
       END AS title_marked,
       CASE WHEN r.n < $14 AND d.head @@ $22::tsquery THEN
           CASE WHEN length(h.summary) <= $23
                THEN ts_headline(pressroom.search_config(d.language), h.summary, $2::tsquery, $19)
                ELSE ts_headline(pressroom.search_config(d.language), h.summary, $24::tsquery, $20)
           END
       END AS summary_marked,
       CASE WHEN r.n < $14 AND d.head @@ $22::tsquery AND length(h.summary) > $23 THEN h.summary
       END AS summary_fragmented
  FROM {WALK} AS p
  LEFT JOIN LATERAL unnest(p.ids, p.scores) WITH ORDINALITY AS r(id, score, n) ON true
  LEFT JOIN pressroom.search_documents d ON d.article_id = r.id
  LEFT JOIN pressroom.highlight_texts h ON h.article_id = r.id
  LEFT JOIN pressroom.sites t ON t.id = d.site_id
 ORDER BY r.n
"""  # noqa: S608 - constants

# Whether a search finds anything at all, with the arguments of walk_arguments(first_found=True):
# no bound, so the walk stops at the first window that holds a match.
FINDS_ANY = f"SELECT cardinality(p.ids) > 0 FROM {WALK} AS p"  # noqa: S608 - a constant


def walk_arguments(
    where: SearchFilter,
    compiled: CompiledQuery,
    as_of: datetime,
    half_life: timedelta,
    after: tuple[float, int] | None,
    wanted: int,
    anchor: datetime | None = None,
    *,
    first_found: bool = False,
) -> tuple[WindowMarkers, list[object]]:
    """The arguments of WALK; windows are counted back from `anchor` (as_of unless given),
    scores from as_of. With first_found, no window's bound stops the walk, but any match."""
    planned = window_markers(where, anchor or as_of)
    lead, rest = compiled.split()
    bounds = [
        0.0 if first_found else older_bound(window, as_of, half_life) for window in planned.windows
    ]
    return planned, [
        compiled.matching,
        compiled.tsquery,
        planned.markers,
        planned.starts,
        planned.ends,
        array_literal(bounds),
        where.site,
        where.language,
        filter_language(where),
        as_of,
        half_life.total_seconds(),
        after[0] if after else None,
        after[1] if after else None,
        wanted,
        planned.pairs,
        lead,
        rest or None,
        compiled.positions or None,
    ]


def search_arguments(
    where: SearchFilter,
    compiled: CompiledQuery,
    as_of: datetime,
    half_life: timedelta,
    after: tuple[float, int] | None,
    wanted: int,
    anchor: datetime | None = None,
) -> tuple[WindowMarkers, list[object]]:
    """The arguments of SEARCH (public so the plan test can run the same search)."""
    planned, arguments = walk_arguments(where, compiled, as_of, half_life, after, wanted, anchor)
    probes = [marks_probe(compiled.tsquery, weight) for weight in "AB"]
    any_word = marks_probe(compiled.tsquery)
    return planned, [
        *arguments,
        TITLE_HEADLINE,
        SUMMARY_HEADLINE,
        *probes,
        SUMMARY_WHOLE,
        any_word,
    ]


def _hit(row: asyncpg.Record) -> dict[str, Any]:
    title, summary = row["title_marked"], row["summary_marked"]
    return list_item(row) | {
        "score": round(row["score"], 6),
        "highlight": {
            "title": (
                escaped(row["title"])
                if title is None
                else marked_to_html(in_original(title, row["title"]))
            ),
            "summary": (
                escaped(summary_opening(row["summary"]))
                if summary is None
                else marked_to_html(in_original(summary, row["summary"], row["summary_fragmented"]))
            ),
        },
    }


def _total(found: asyncpg.Record, where: SearchFilter, as_of: datetime) -> Total:
    """Exact when everything was read, down to the oldest document. Otherwise an estimate: the
    matches per second of what was read, over the whole span searched (news volume is roughly
    steady, and a total is a hint, not an account), never fewer than the matches seen.
    Counting the older matches is the work the windows avoid: GIN builds the whole bitmap of a
    scan before any LIMIT, so even a count capped at 200 walked the rarest word's postings over
    every older year (it did, up to migration 0017)."""
    matches, read_from = found["matches"], found["read_from"]
    oldest = max(filter(None, [where.published_after, found["oldest"]]), default=None)
    if read_from is None or oldest is None or read_from <= oldest:
        return Total(matches, exact=True)
    # The span the documents cover: nothing stands between the newest one and the clock.
    last = min(found["newest"] or as_of, as_of)
    newest = min(where.published_before or last, last)
    read_s = max((newest - read_from).total_seconds(), 1.0)
    span_s = max((newest - oldest).total_seconds(), read_s)
    return Total(max(round(matches * span_s / read_s), matches), exact=False)


async def search_articles(
    conn: asyncpg.Connection,
    q: str,
    where: SearchFilter,
    *,
    cursor: str | None,
    limit: int,
    half_life: timedelta,
    now: datetime | None = None,
    newest: NewestSeen | None = None,
    corrections: CorrectionMemory | None = None,
) -> SearchResult:
    """One page of results; SearchSyntaxError for a search that cannot be read, and
    InvalidCursorError for a cursor of another search. `newest`, if given, anchors the windows
    and learns what this search saw; `corrections`, if given, remembers the answers of "did you
    mean" (corrections.py)."""
    syntax = parse_query(q)
    fingerprint = _fingerprint(q, where)
    after: tuple[float, int] | None = None
    as_of = now or datetime.now(UTC)
    if cursor:
        as_of, score, last_id = _decode(cursor, fingerprint)
        after = (score, last_id)
    seen = newest or NewestSeen()
    return await _search(
        conn, syntax, where, as_of, half_life, after, limit, fingerprint, seen, corrections
    )


async def _search(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    where: SearchFilter,
    as_of: datetime,
    half_life: timedelta,
    after: tuple[float, int] | None,
    limit: int,
    fingerprint: str,
    newest: NewestSeen,
    corrections: CorrectionMemory | None,
) -> SearchResult:
    compiled = await compile_query(conn, syntax, where.language)
    if compiled.empty:
        return SearchResult([], None, Total(0, exact=True), compiled.ignored, STOPWORDS_ONLY_HINT)
    _, arguments = search_arguments(
        where, compiled, as_of, half_life, after, limit + 1, newest.anchor(as_of)
    )
    rows = await conn.fetch(SEARCH, *arguments)
    if rows[0]["newest"] is not None:
        newest.at = rows[0]["newest"]
    found = [row for row in rows if row["id"] is not None]
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        next_cursor = _encode(as_of, page[-1]["score"], page[-1]["id"], fingerprint)
    result = SearchResult(
        [_hit(row) for row in page],
        next_cursor,
        _total(rows[0], where, as_of),
        compiled.ignored,
    )
    if not page and after is None:
        result.did_you_mean = await _did_you_mean(
            conn, syntax, compiled, where, as_of, half_life, newest, corrections
        )
    return result


async def _did_you_mean(
    conn: asyncpg.Connection,
    syntax: SearchSyntax,
    compiled: CompiledQuery,
    where: SearchFilter,
    as_of: datetime,
    half_life: timedelta,
    newest: NewestSeen,
    corrections: CorrectionMemory | None,
) -> str | None:
    """A corrected search that finds something with the same filters, or None. The check is a
    walk that stops at its first match: asking GIN whether anything at all matches builds the
    bitmap of every match before the first row (6-14 ms for a common English word on the
    million articles, measured), and ignoring the filters suggested corrections that found
    nothing either."""
    correction = await corrected_search(conn, syntax, where.language, corrections)
    # A correction to the same lexemes ('players' for 'player': one stem) finds what the
    # search did, nothing.
    if correction is None or correction.compiled.matching == compiled.matching:
        return None
    _, arguments = walk_arguments(
        where,
        correction.compiled,
        as_of,
        half_life,
        None,
        1,
        newest.anchor(as_of),
        first_found=True,
    )
    return correction.text if await conn.fetchval(FINDS_ANY, *arguments) else None
