"""The search the seed's world would write without full-text search: ILIKE '%word%'.

Kept only as the search benchmark's comparison. One shared pool (the pool-per-request mistake is
the API benchmark's subject, not this one's); every word must appear somewhere in the title,
summary or body, newest first, no ranking. PostgreSQL cannot use a B-tree for a leading
wildcard, so each search reads articles newest first until it has found a page: quick when the
words are everywhere, a scan of the whole table when they are rare.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Query

SEARCH = """
SELECT a.id::text AS id, a.title, a.published_at
  FROM pressroom.articles a
 WHERE ($2::int IS NULL OR a.site_id = $2)
   AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(pattern)
                    WHERE NOT (a.title ILIKE w.pattern OR a.summary ILIKE w.pattern
                               OR a.body ILIKE w.pattern))
 ORDER BY a.published_at DESC
 LIMIT 20
"""


def _pattern(words: str) -> str:
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["ILIKE_DATABASE_URL"],
        min_size=4,
        max_size=4,
        # A rare word reads every article: beyond this, the benchmark records a time-out.
        command_timeout=float(os.environ.get("ILIKE_TIMEOUT_S", "60")),
    )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=_lifespan)


@app.get("/search")
async def search(
    q: str, phrase: bool = False, site_id: int | None = Query(default=None)
) -> dict[str, Any]:
    """Each word (or, with phrase, the whole text) must occur, case-insensitively."""
    patterns = [_pattern(q)] if phrase else [_pattern(word) for word in q.split()]
    async with app.state.pool.acquire() as conn:
        try:
            rows = await conn.fetch(SEARCH, patterns, site_id)
        except (TimeoutError, asyncpg.QueryCanceledError):
            raise HTTPException(504, "the search timed out") from None
    return {"items": [dict(row) for row in rows]}
