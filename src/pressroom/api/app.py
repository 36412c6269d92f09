"""The FastAPI application, built by a factory: one instrumented pool per process, opened in
the lifespan; thin routers over the content modules; errors as problem+json."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from fastapi import FastAPI

from pressroom import __version__
from pressroom.api import articles, directory, operations, search
from pressroom.api.observe import RequestMetrics
from pressroom.api.problems import install_problem_handlers
from pressroom.config import Settings, load_settings
from pressroom.db.pool import Database
from pressroom.db.targets import DatabaseTargets, resolve_targets
from pressroom.logs import configure_logging
from pressroom.metrics import Metrics

DESCRIPTION = """
Articles from many news sites, in Persian and English.

Lists are newest first and paginated with opaque cursors: pass a page's `next_cursor` as
`cursor` to get the next page (keyset pagination: stable while new articles arrive, and as fast
on page 1,000 as on page 1). Errors are `application/problem+json` (RFC 9457). Responses carry
strong ETags; send `If-None-Match` to get `304 Not Modified`.
"""


def create_app(settings: Settings | None = None, targets: DatabaseTargets | None = None) -> FastAPI:
    """The application; targets default to what the settings point at (tests pass their own)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    metrics = Metrics()
    database = Database(settings, metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await database.open((targets or resolve_targets(settings)).reader)
        watcher = asyncio.create_task(database.watch_loans())
        # Everything built at start-up lives as long as the process: frozen, it is no longer
        # rescanned by every full collection, which shortens the pauses behind tail latency.
        gc.freeze()
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await database.close()

    app = FastAPI(
        title="pressroom",
        version=__version__,
        summary="Articles from many news sites, in Persian and English.",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.include_router(articles.router)
    app.include_router(directory.router)
    app.include_router(search.router)
    app.include_router(operations.router)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app
