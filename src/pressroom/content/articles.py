"""Reading articles: one by id, and newest-first lists with filters and keyset pagination.

Every list is ordered by (published_at DESC, id DESC), which, because ids encode the publication
time, is simply id order; the cursor is the last id of a page. Each filter combination is a
constant SQL fragment and every value a bound parameter; tests/content/test_article_plans.py
checks that every combination is served by an index, never a sequential scan of articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from pressroom.content.cursor import decode_id_cursor, encode_cursor, filter_fingerprint
from pressroom.content.ids import article_id_time
from pressroom.content.pages import Page, Params

ArticleItem = dict[str, Any]

LIST_COLUMNS = """
    a.id, a.canonical_url, a.title, s.domain, a.language, a.author, a.published_at
"""

GET_ARTICLE = """
SELECT a.id, a.canonical_url, a.title, a.summary, a.body, a.language, a.author,
       a.published_at, a.updated_at, a.metadata::text AS metadata, s.domain, s.name AS site_name,
       ARRAY(SELECT t.slug
               FROM pressroom.article_tags at
               JOIN pressroom.tags t ON t.id = at.tag_id
              WHERE at.article_id = a.id AND at.published_at = a.published_at
              ORDER BY t.slug) AS tags
  FROM pressroom.articles a
  JOIN pressroom.sites s ON s.id = a.site_id
 WHERE a.id = $1 AND a.published_at = pressroom.article_id_time($1)
"""


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


def _list_item(row: asyncpg.Record) -> ArticleItem:
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


def list_query(where: ArticleFilter, after_id: int | None, limit: int) -> tuple[str, list[object]]:
    """The SQL and arguments of one page; public so the plan test can EXPLAIN it."""
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
    if where.published_after is not None:
        conditions.append(f"{key}.published_at >= {param(where.published_after)}")
    if where.published_before is not None:
        conditions.append(f"{key}.published_at < {param(where.published_before)}")
    if after_id is not None:
        # The row comparison is the keyset; the plain bound on published_at lets PostgreSQL
        # skip the partitions newer than the cursor when execution starts.
        at = param(article_id_time(after_id))
        conditions.append(f"({key}.published_at, {key_id}) < ({at}, {param(after_id)})")
        conditions.append(f"{key}.published_at <= {at}")
    where_sql = " AND ".join(conditions) if conditions else "true"
    sql = f"""
SELECT {LIST_COLUMNS}
  FROM {source}
  JOIN pressroom.sites s ON s.id = a.site_id
 WHERE {where_sql}
 ORDER BY {key}.published_at DESC, {key_id} DESC
 LIMIT {param(limit + 1)}
"""  # noqa: S608 - constant fragments; every value is a bound parameter
    return sql, param.values


async def list_articles(
    conn: asyncpg.Connection, where: ArticleFilter, cursor: str | None, limit: int
) -> Page[ArticleItem]:
    fingerprint = where.fingerprint()
    after_id = decode_id_cursor(cursor, fingerprint) if cursor else None
    sql, args = list_query(where, after_id, limit)
    rows = await conn.fetch(sql, *args)
    items = [_list_item(row) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1]["id"], fingerprint) if len(rows) > limit else None
    return Page(items, next_cursor)


async def get_article(conn: asyncpg.Connection, article_id: int) -> ArticleItem | None:
    row = await conn.fetchrow(GET_ARTICLE, article_id)
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
        # Stored JSON passes through as it is, without a decode/encode round trip.
        "metadata": orjson.Fragment(row["metadata"]),
    }
