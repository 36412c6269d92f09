"""The FastAPI application, built by a factory: one instrumented pool per process, opened in
the lifespan; thin routers over the content modules; errors as problem+json."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from fastapi import FastAPI

from pressroom import __version__
from pressroom.api import articles, directory, events, ingest, operations, search, writes
from pressroom.api.observe import RequestMetrics
from pressroom.api.problems import install_problem_handlers
from pressroom.config import Settings, load_settings
from pressroom.db.pool import Database
from pressroom.db.targets import DatabaseTargets, resolve_targets
from pressroom.events.feed import FeedSignal
from pressroom.events.sequencer import Sequencer
from pressroom.logs import configure_logging
from pressroom.metrics import Metrics
from pressroom.search.corrections import CorrectionMemory
from pressroom.search.engine import NewestSeen
from pressroom.tasks import cancel_and_wait

DESCRIPTION = """
Articles from many news sites, in Persian and English.

Lists are newest first and paginated with opaque cursors: pass a page's `next_cursor` as
`cursor` to get the next page (keyset pagination: stable while new articles arrive, and as fast
on page 1,000 as on page 1). Errors are `application/problem+json` (RFC 9457). Responses carry
strong ETags; send `If-None-Match` to get `304 Not Modified`.

Reads are open. Writes need an API key with the write scope (`pressroom keys create`), sent as
`Authorization: Bearer <key>`; every write is an event in the article's stream
(`GET /articles/{id}/history`) and in the global feed (`GET /events`, `GET /events/stream`).
Send `If-Match` with an article's ETag to write only if it has not changed since (412
otherwise), and `Idempotency-Key` to make retries safe.
"""


def create_app(settings: Settings | None = None, targets: DatabaseTargets | None = None) -> FastAPI:
    """The application; targets default to what the settings point at (tests pass their own)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    metrics = Metrics()
    database = Database(settings, metrics)
    write_database = Database(settings, metrics, "writer", settings.write_pool_max_size)
    feed_signal = FeedSignal()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        urls = targets or resolve_targets(settings)
        await database.open(urls.reader)
        await write_database.open(urls.writer)
        background = [
            asyncio.create_task(database.watch_loans()),
            asyncio.create_task(write_database.watch_loans()),
            # Every API process offers to sequence the feed; one at a time does.
            asyncio.create_task(
                Sequencer(urls.writer, poll_s=settings.sequencer_poll_ms / 1000).run()
            ),
            asyncio.create_task(feed_signal.keep_listening(urls.reader)),
        ]
        # Everything built at start-up lives as long as the process: frozen, it is no longer
        # rescanned by every full collection, which shortens the pauses behind tail latency.
        gc.freeze()
        try:
            yield
        finally:
            await cancel_and_wait(background)
            await write_database.close()
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
    app.state.write_database = write_database
    app.state.feed_signal = feed_signal
    app.state.metrics = metrics
    # What the searches saw of the newest article: their windows count back from it. And the
    # spelling corrections they were given, which searches that find nothing ask for again.
    app.state.newest_seen = NewestSeen()
    app.state.corrections = CorrectionMemory()
    install_problem_handlers(app)
    # The reads first: FastAPI tries routes in order, 1.7 µs each with its included routers
    # (fastapi 0.165), and GET /search was tried after 21 others, 35-50 µs of its CPU.
    # No two routers share a method and path, so the order changes nothing else.
    app.include_router(search.router)
    app.include_router(articles.router)
    app.include_router(directory.router)
    app.include_router(writes.router)
    app.include_router(events.router)
    app.include_router(ingest.router)
    app.include_router(operations.router)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app
