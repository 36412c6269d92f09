"""The one asyncpg pool per process, sized from settings."""

from __future__ import annotations

import asyncpg

from pressroom.config import Settings
from pressroom.db.connect import APPLICATION_NAME


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min(settings.pool_min_size, settings.pool_max_size),
        max_size=settings.pool_max_size,
        timeout=settings.connect_timeout_s,
        server_settings={"application_name": APPLICATION_NAME},
    )
    assert pool is not None
    return pool
