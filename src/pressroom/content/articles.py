"""Reading articles: one by id, and newest-first lists with filters and keyset pagination.

Every list is ordered by (published_at DESC, id DESC), which, because ids encode the publication
time, is simply id order; the cursor is the last id of a page. Each filter combination is a
constant SQL fragment and every value a bound parameter; tests/content/test_article_plans.py
checks that every combination is served by an index, never a sequential scan of articles.

Lists are read in time windows, newest first: this month, then 2, 4, 8, ... months further back,
then everything older. A query bounded in time is pruned to the partitions of its window while
it is planned, so a page costs one or two partitions instead of planning and starting an index
scan on every month since the archive began (measured on 145 partitions: 20-50 ms of planning
per unbounded feed query, against about a millisecond per window).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson

from pressroom.content.cursor import decode_id_cursor, encode_cursor, filter_fingerprint
from pressroom.content.ids import article_id_time
from pressroom.content.pages import Page, Params
from pressroom.content.partitions import PARTITION_SUFFIX, month_suffix

ArticleItem = dict[str, Any]

LIST_COLUMNS = """
    a.id, a.canonical_url, a.title, s.domain, a.language, a.author, a.published_at
"""

ARTICLE_COLUMNS = """
       a.id, a.canonical_url, a.title, a.summary, a.body, a.language, a.author,
       a.published_at, a.updated_at, a.metadata::text AS metadata, s.domain, s.name AS site_name,
       a.version"""

GET_ARTICLE = f"""
SELECT {ARTICLE_COLUMNS},
       ARRAY(SELECT t.slug
               FROM pressroom.article_tags at
               JOIN pressroom.tags t ON t.id = at.tag_id
              WHERE at.article_id = $1 AND at.published_at = pressroom.article_id_time($1)
              ORDER BY t.slug) AS tags
  FROM pressroom.articles a
  JOIN pressroom.sites s ON s.id = a.site_id
 WHERE a.id = $1 AND a.published_at = pressroom.article_id_time($1)
"""  # noqa: S608 - constant fragments
# The tags are looked up by $1, not by a.id: keyed on the parameter, the subquery is pruned to one
# partition of article_tags while planning; correlated to a.*, it was planned over all of them.


@functools.lru_cache(maxsize=4096)
def month_lookup_sql(suffix: str) -> str:
    """GET_ARTICLE on the month's own partitions, named from the id.

    Through the partitioned parents, every lookup is planned afresh (PostgreSQL keeps a custom
    plan: a generic one would lock all the partitions on each run) and planning two partition
    trees was most of PostgreSQL's time per lookup (0.25 of 0.39 ms). On plain tables the
    prepared statement settles on a generic plan and is never planned again. The one-time
    filter keeps the answer the parent's: a partition detached from articles serves nothing."""
    if not PARTITION_SUFFIX.fullmatch(suffix):
        raise ValueError(f"not a month partition suffix: {suffix!r}")
    articles, article_tags = f"pressroom.articles{suffix}", f"pressroom.article_tags{suffix}"
    return f"""
SELECT {ARTICLE_COLUMNS},
       ARRAY(SELECT t.slug
               FROM {article_tags} at
               JOIN pressroom.tags t ON t.id = at.tag_id
              WHERE at.article_id = $1
              ORDER BY t.slug) AS tags
  FROM {articles} a
  JOIN pressroom.sites s ON s.id = a.site_id
 WHERE a.id = $1 AND a.published_at = pressroom.article_id_time($1)
   AND pg_partition_root('{articles}'::regclass) = 'pressroom.articles'::regclass
"""  # noqa: S608 - names made of digits by month_suffix(); the id is a bound parameter


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    site: str | None = None  # domain
    tag: str | None = None  # slug
    language: str | None = None
    published_after: datetime | None = None  # inclusive
    published_before: datetime | None = None  # exclusive

    def fingerprint(self) -> str:
        return filter_fingerprint(
            [
                self.site,
                self.tag,
                self.language,
                self.published_after.isoformat() if self.published_after else None,
                self.published_before.isoformat() if self.published_before else None,
            ]
        )


def list_item(row: asyncpg.Record) -> ArticleItem:
    return {
        # As a string: ids pass 2**53, beyond which JavaScript numbers lose digits.
        "id": str(row["id"]),
        "url": row["canonical_url"],
        "title": row["title"],
        "site": row["domain"],
        "language": row["language"],
        "author": row["author"],
        "published_at": row["published_at"],
    }


@dataclass(frozen=True, slots=True)
class Window:
    """A span of publication time, [since, until); None leaves that side to the query."""

    since: datetime | None
    until: datetime | None


# Months per window, newest first; after them one window takes everything older.
WINDOW_MONTHS = (1, 2, 4, 8, 16, 32, 64)


def _month_start(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=UTC)


def _months_back(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def windows(top: datetime, floor: datetime | None) -> Iterator[Window]:
    """Windows from the month of `top` down to `floor` (None: the beginning), newest first.

    The first window is open above (the query's own bounds and cursor close it), the last is
    open below, so together they cover all time exactly once."""
    until: datetime | None = None
    since = _month_start(top)
    for months in WINDOW_MONTHS:
        if floor is not None and since <= floor:
            break
        yield Window(since, until)
        until, since = since, _months_back(since, months)
    yield Window(floor, until)


def page_windows(where: ArticleFilter, after_id: int | None, now: datetime) -> Iterator[Window]:
    """The windows a page reads, starting at the newest moment it can contain."""
    tops = [now]
    if after_id is not None:
        tops.append(article_id_time(after_id))
    if where.published_before is not None:
        # Exclusive: the newest moment allowed is just before it (else a window starting at
        # exactly that bound would be empty and cost a round trip).
        tops.append(where.published_before - timedelta(microseconds=1))
    return windows(min(tops), where.published_after)


def list_query(
    where: ArticleFilter, after_id: int | None, limit: int, window: Window | None = None
) -> tuple[str, list[object]]:
    """The SQL and arguments of one window of a page; public so the plan test can EXPLAIN it."""
    param = Params()
    # With a tag, walk the tag's index and fetch each article by primary key; otherwise walk
    # the articles index that matches the filters (site feed, language feed, covering feed).
    if where.tag is not None:
        key = "at"
        source = (
            "pressroom.article_tags at"
            " JOIN pressroom.articles a ON a.id = at.article_id AND a.published_at = at.published_at"
        )
        conditions = [
            f"at.tag_id = (SELECT id FROM pressroom.tags WHERE slug = {param(where.tag)})"  # noqa: S608 - a $n placeholder
        ]
        key_id = "at.article_id"
    else:
        key, source, conditions, key_id = "a", "pressroom.articles a", [], "a.id"
    if where.site is not None:
        conditions.append(
            f"a.site_id = (SELECT id FROM pressroom.sites WHERE domain = {param(where.site)})"  # noqa: S608 - a $n placeholder
        )
    if where.language is not None:
        conditions.append(f"a.language = {param(where.language)}")
    # Time bounds go on every partitioned table of the query: PostgreSQL carries equalities
    # across a join, not ranges, so articles joined to article_tags would otherwise be planned
    # over all its partitions.
    times = [f"{key}.published_at"] + (["a.published_at"] if key == "at" else [])
    since = window.since if window is not None else where.published_after
    until = [v for v in (where.published_before, window.until if window else None) if v]
    for column in times:
        if since is not None:
            conditions.append(f"{column} >= {param(since)}")
        conditions += [f"{column} < {param(bound)}" for bound in until]
    if after_id is not None:
        # The row comparison is the keyset; the plain bounds on published_at let PostgreSQL
        # skip the partitions newer than the cursor.
        at = param(article_id_time(after_id))
        conditions.append(f"({key}.published_at, {key_id}) < ({at}, {param(after_id)})")
        conditions += [f"{column} <= {at}" for column in times]
    where_sql = " AND ".join(conditions) if conditions else "true"
    sql = f"""
SELECT {LIST_COLUMNS}
  FROM {source}
  JOIN pressroom.sites s ON s.id = a.site_id
 WHERE {where_sql}
 ORDER BY {key}.published_at DESC, {key_id} DESC
 LIMIT {param(limit)}
"""  # noqa: S608 - constant fragments; every value is a bound parameter
    return sql, param.values


async def list_articles(
    conn: asyncpg.Connection,
    where: ArticleFilter,
    cursor: str | None,
    limit: int,
    now: datetime | None = None,
) -> Page[ArticleItem]:
    fingerprint = where.fingerprint()
    after_id = decode_id_cursor(cursor, fingerprint) if cursor else None
    rows: list[asyncpg.Record] = []
    # One row more than the page tells whether another page follows.
    for window in page_windows(where, after_id, now or datetime.now(UTC)):
        sql, args = list_query(where, after_id, limit + 1 - len(rows), window)
        rows += await conn.fetch(sql, *args)
        if len(rows) > limit:
            break
    items = [list_item(row) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1]["id"], fingerprint) if len(rows) > limit else None
    return Page(items, next_cursor)


class MissingMonths:
    """Months recently found without a partition, so ids in them are read through the parents
    without first asking for a table that is not there: each such try is an error in the
    server's log, and a client walking made-up ids would otherwise write one per request.
    Forgotten after `ttl_s`, since ingestion creates months."""

    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._seen: dict[str, float] = {}  # suffix -> when (monotonic); at most ~3,400 months

    def __contains__(self, suffix: object) -> bool:
        seen = self._seen.get(suffix) if isinstance(suffix, str) else None
        return seen is not None and time.monotonic() - seen < self.ttl_s

    def add(self, suffix: str) -> None:
        self._seen[suffix] = time.monotonic()


MISSING_MONTHS = MissingMonths()


async def _article_row(conn: asyncpg.Connection, article_id: int) -> asyncpg.Record | None:
    suffix = month_suffix(article_id_time(article_id))
    # Inside a transaction a missing table would abort the caller's work: read via the parents.
    if suffix not in MISSING_MONTHS and not conn.is_in_transaction():
        try:
            return await conn.fetchrow(month_lookup_sql(suffix), article_id)
        except asyncpg.UndefinedTableError:
            # No partition for that month (yet): its rows, if any, wait in the default one.
            MISSING_MONTHS.add(suffix)
    return await conn.fetchrow(GET_ARTICLE, article_id)


async def get_article(conn: asyncpg.Connection, article_id: int) -> ArticleItem | None:
    row = await _article_row(conn, article_id)
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "url": row["canonical_url"],
        "title": row["title"],
        "summary": row["summary"],
        "body": row["body"],
        "site": {"domain": row["domain"], "name": row["site_name"]},
        "language": row["language"],
        "author": row["author"],
        "published_at": row["published_at"],
        "updated_at": row["updated_at"],
        "tags": row["tags"],
        "version": row["version"],
        # Stored JSON passes through as it is, without a decode/encode round trip.
        "metadata": orjson.Fragment(row["metadata"]),
    }
