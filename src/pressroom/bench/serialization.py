"""Two ways to make the JSON of a response, measured on the same rows: asyncpg records turned
into dicts and serialised by orjson, or JSON composed by PostgreSQL and passed through as bytes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import orjson

from pressroom.content.articles import ArticleFilter, Window, get_article, list_item, list_query
from pressroom.db.targets import DatabaseTargets

ARTICLE_AS_JSON = """
SELECT json_build_object(
         'id', a.id::text, 'url', a.canonical_url, 'title', a.title, 'summary', a.summary,
         'body', a.body, 'site', json_build_object('domain', s.domain, 'name', s.name),
         'language', a.language, 'author', a.author, 'published_at', a.published_at,
         'updated_at', a.updated_at, 'metadata', a.metadata,
         'tags', ARRAY(SELECT t.slug FROM pressroom.article_tags at
                         JOIN pressroom.tags t ON t.id = at.tag_id
                        WHERE at.article_id = $1
                          AND at.published_at = pressroom.article_id_time($1)
                        ORDER BY t.slug))::text
  FROM pressroom.articles a JOIN pressroom.sites s ON s.id = a.site_id
 WHERE a.id = $1 AND a.published_at = pressroom.article_id_time($1)
"""


@dataclass(frozen=True, slots=True)
class SerialisationResult:
    response: str
    python_us: float  # per response: fetch records, build dicts, orjson
    sql_us: float  # per response: fetch JSON text composed by PostgreSQL, encode to bytes


async def _per_call(calls: int, make: object) -> float:
    assert callable(make)
    started = time.perf_counter()
    for index in range(calls):
        await make(index)
    return (time.perf_counter() - started) / calls * 1_000_000


async def compare_serialisation(
    targets: DatabaseTargets, ids: list[int], site: str
) -> list[SerialisationResult]:
    conn = await asyncpg.connect(targets.reader)
    try:
        where = ArticleFilter(site=site)
        # The window of the site's newest article, so both ways read the same pruned rows.
        newest = await conn.fetchval(
            "SELECT max(a.published_at) FROM pressroom.articles a "
            "JOIN pressroom.sites s ON s.id = a.site_id WHERE s.domain = $1",
            site,
        )
        window = Window(datetime(newest.year, newest.month, 1, tzinfo=UTC), None)
        list_sql, list_args = list_query(where, None, 20, window)
        list_as_json = f"SELECT coalesce(json_agg(page), '[]')::text FROM ({list_sql}) page"  # noqa: S608

        async def article_python(i: int) -> bytes:
            return orjson.dumps(await get_article(conn, ids[i % len(ids)]), option=orjson.OPT_UTC_Z)

        async def article_sql(i: int) -> bytes:
            return str(await conn.fetchval(ARTICLE_AS_JSON, ids[i % len(ids)])).encode()

        async def page_python(_: int) -> bytes:
            rows = await conn.fetch(list_sql, *list_args)
            return orjson.dumps([list_item(row) for row in rows], option=orjson.OPT_UTC_Z)

        async def page_sql(_: int) -> bytes:
            return str(await conn.fetchval(list_as_json, *list_args)).encode()

        results = []
        for name, python, sql in (
            ("GET /articles/{id}", article_python, article_sql),
            ("GET /sites/{domain}/articles", page_python, page_sql),
        ):
            await _per_call(50, python)  # warm the statement caches of both
            await _per_call(50, sql)
            results.append(
                SerialisationResult(
                    name, await _per_call(len(ids), python), await _per_call(len(ids), sql)
                )
            )
        return results
    finally:
        await conn.close()
