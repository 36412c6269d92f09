"""The FastAPI application, built by a factory: one pool per process, opened in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from pressroom import __version__
from pressroom.api.operations import router as operations_router
from pressroom.config import Settings, load_settings
from pressroom.db.pool import create_pool
from pressroom.db.targets import resolve_targets


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        targets = resolve_targets(settings)
        app.state.pool = await create_pool(targets.reader, settings)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(
        title="pressroom",
        version=__version__,
        summary="Articles from many news sites, in Persian and English.",
        default_response_class=ORJSONResponse,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(operations_router)
    return app
