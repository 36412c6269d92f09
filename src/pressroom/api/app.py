"""The FastAPI application, built by a factory: one pool per process, opened in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pressroom import __version__
from pressroom.api.operations import router as operations_router
from pressroom.config import Settings, load_settings
from pressroom.db.pool import create_pool
from pressroom.db.targets import DatabaseTargets, resolve_targets


def create_app(settings: Settings | None = None, targets: DatabaseTargets | None = None) -> FastAPI:
    """The application; targets default to what the settings point at (tests pass their own)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reader = (targets or resolve_targets(settings)).reader
        app.state.pool = await create_pool(reader, settings)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(
        title="pressroom",
        version=__version__,
        summary="Articles from many news sites, in Persian and English.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(operations_router)
    return app
