"""The seed document's FastAPI + asyncpg service, as written there: a new connection pool
(min_size=10, max_size=50) created by a dependency for every request and closed after it.

Kept only as the benchmark's baseline. Two changes, so that it measures the pool-per-request
pattern and nothing else: the seed writes `async with pool.get_connection()`, but that method
returns a coroutine, not an async context manager, so the connection is awaited and released
explicitly; and it runs pressroom's own single-partition lookup, the query our API runs.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()


class DatabasePool:
    def __init__(self) -> None:
        self._pool: asyncpg.Pool | None = None

    async def create_pool(self, dsn: str) -> None:
        self._pool = await asyncpg.create_pool(
            dsn=dsn,
            min_size=10,
            max_size=50,
            max_queries=50000,
            max_inactive_connection_lifetime=300.0,
            command_timeout=60.0,
        )

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None
        return self._pool

    async def close(self) -> None:
        if self._pool:
            await self._pool.close()


async def get_db_pool() -> AsyncIterator[DatabasePool]:
    pool = DatabasePool()
    await pool.create_pool(os.environ["SEED_DATABASE_URL"])
    try:
        yield pool
    finally:
        await pool.close()


@app.get("/articles/{article_id}")
async def get_article(
    article_id: int, pool: Annotated[DatabasePool, Depends(get_db_pool)]
) -> dict[str, Any]:
    conn = await pool.pool.acquire()
    try:
        row = await conn.fetchrow(
            "SELECT id, title, body, published_at FROM pressroom.articles"
            " WHERE id = $1 AND published_at = pressroom.article_id_time($1)",
            article_id,
        )
    finally:
        await pool.pool.release(conn)
    if row is None:
        raise HTTPException(404)
    return dict(row)
