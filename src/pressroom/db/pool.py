"""The one asyncpg pool per process, with the instruments production needs.

Acquiring has a timeout, so an exhausted pool refuses quickly instead of hanging a request;
every connection lent out is tracked with the route that holds it, so one held too long (a leak,
or a slow client holding a transaction) is reported by route; every query is timed through
asyncpg's query logger, and slow ones are logged with their route.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import count
from typing import Any, cast

import asyncpg
from asyncpg.connection import LoggedQuery

from pressroom.config import Settings
from pressroom.db.connect import APPLICATION_NAME
from pressroom.errors import DatabaseUnavailableError, PressroomError
from pressroom.metrics import Metrics

log = logging.getLogger("pressroom.db")
current_route: ContextVar[str] = ContextVar("current_route", default="-")


# The pending list of the search indexes (docs/search.md, "Writes and the GIN pending
# list"): every search statement reads it whole, so the API's writes keep it short. At
# PostgreSQL's default of 4 MB, about 150 documents, a lookup of a word found nowhere took 1.06
# ms instead of 0.02, once per search window, while writes went on. A 256 kB list costs a
# write about 1.7 ms more of index work (measured: 2,000 documents' terms inserted in 6.5 s
# against 3.1 s), and the write that fills the list and merges it into the index pauses for
# 60-175 ms instead of 360-840 ms. Bulk loads set their own, larger list for their
# transactions (ingest/merge.py), where the larger merges are cheaper by the document.
WRITES_PENDING_LIST_LIMIT = "256kB"


class PoolExhaustedError(PressroomError):
    """No connection came free within the acquire timeout."""


@dataclass
class _Loan:
    route: str
    since: float
    reported: bool = False


@dataclass
class LoanBook:
    """Who holds which connection since when."""

    loans: dict[int, _Loan] = field(default_factory=dict)
    _ids: count[int] = field(default_factory=count)

    def lend(self, route: str) -> int:
        loan_id = next(self._ids)
        self.loans[loan_id] = _Loan(route, time.monotonic())
        return loan_id

    def settle(self, loan_id: int) -> None:
        self.loans.pop(loan_id, None)

    def overdue(self, threshold_s: float) -> list[tuple[str, float]]:
        """Loans past the threshold not reported before; each is reported once."""
        now = time.monotonic()
        late = []
        for loan in self.loans.values():
            if not loan.reported and now - loan.since > threshold_s:
                loan.reported = True
                late.append((loan.route, now - loan.since))
        return late


class Database:
    """The pool and its instruments; `open` before use, `close` at shutdown."""

    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        name: str = "reader",
        max_size: int | None = None,
    ) -> None:
        self.settings = settings
        self.name = name
        self.max_size = max_size or settings.pool_max_size
        self.metrics = metrics
        self.book = LoanBook()
        self._pool: asyncpg.Pool | None = None
        self._waiting = 0
        # Labelled metric children, looked up once: labels() locks and validates on each call.
        self._acquire_seconds = metrics.acquire_seconds.labels(name)
        self._query_seconds: dict[str, Any] = {}
        self.last_schema_revision: str | None = None  # kept by the readiness check

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database pool is not open")
        return self._pool

    async def open(self, url: str) -> None:
        settings = self.settings

        async def instrument(conn: asyncpg.Connection) -> None:
            conn.add_query_logger(self.observe_query)

        async def reset(conn: asyncpg.Connection) -> None:
            # asyncpg's default reset sends RESET ALL, UNLISTEN *, CLOSE ALL and an advisory
            # unlock on every release: a whole extra round trip per request, measured as the
            # largest single cost of GET /articles/{id} after the query itself. API code never
            # changes session state, listens or takes advisory locks, so all a returning
            # connection may carry is an open transaction (a request that failed mid-way).
            if conn.is_in_transaction():
                await conn.execute("ROLLBACK")

        async def connect(min_size: int) -> asyncpg.Pool:
            return await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=self.max_size,
                timeout=settings.connect_timeout_s,
                command_timeout=settings.pool_command_timeout_s,
                max_inactive_connection_lifetime=settings.pool_max_inactive_lifetime_s,
                statement_cache_size=settings.pool_statement_cache_size,
                server_settings={
                    "application_name": APPLICATION_NAME,
                    "gin_pending_list_limit": WRITES_PENDING_LIST_LIMIT,
                },
                init=instrument,
                reset=reset,
            )

        try:
            pool = await connect(min(settings.pool_min_size, self.max_size))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Start anyway with a lazy pool: /health answers, requests get 503 until the
            # database is back, and no orchestrator restart loop begins.
            log.error("database unreachable at start-up", extra={"error": type(exc).__name__})
            pool = await connect(0)
        assert pool is not None
        self._pool = pool
        m, name = self.metrics, self.name
        m.pool_size.labels(name).set_function(lambda: float(pool.get_size()))
        m.pool_in_use.labels(name).set_function(
            lambda: float(pool.get_size() - pool.get_idle_size())
        )
        m.pool_max.labels(name).set_function(lambda: float(pool.get_max_size()))
        m.pool_waiting.labels(name).set_function(lambda: float(self._waiting))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    @contextlib.asynccontextmanager
    async def connection(self, route: str) -> AsyncIterator[asyncpg.Connection]:
        started = time.monotonic()
        self._waiting += 1
        try:
            conn = await self.pool.acquire(timeout=self.settings.pool_acquire_timeout_s)
        except TimeoutError:
            if self.pool.get_size() == 0:
                # No connection could even be opened: the database is unreachable, not busy.
                raise DatabaseUnavailableError("no database connection could be opened") from None
            self.metrics.pool_exhausted.labels(self.name).inc()
            raise PoolExhaustedError(
                f"no database connection came free within {self.settings.pool_acquire_timeout_s}s"
            ) from None
        finally:
            self._waiting -= 1
        self._acquire_seconds.observe(time.monotonic() - started)
        loan = self.book.lend(route)
        token = current_route.set(route)
        try:
            # The proxy behaves as a Connection; the stubs just do not say so.
            yield cast(asyncpg.Connection, conn)
        finally:
            current_route.reset(token)
            self.book.settle(loan)
            await self.pool.release(conn)

    async def watch_loans(self) -> None:
        """Report connections held past the leak threshold; runs for the app's lifetime."""
        threshold = self.settings.pool_leak_threshold_s
        while True:
            await asyncio.sleep(min(1.0, threshold / 2))
            for route, held in self.book.overdue(threshold):
                self.metrics.held_too_long.labels(route).inc()
                log.warning(
                    "database connection held too long",
                    extra={"route": route, "held_s": round(held, 3), "threshold_s": threshold},
                )

    def observe_query(self, query: LoggedQuery) -> None:
        route = current_route.get()
        histogram = self._query_seconds.get(route)
        if histogram is None:
            histogram = self._query_seconds[route] = self.metrics.query_seconds.labels(route)
        histogram.observe(query.elapsed)
        if query.elapsed * 1000 >= self.settings.slow_query_ms:
            # The statement text, never its arguments: those may be a reader's search terms.
            log.warning(
                "slow query",
                extra={
                    "route": route,
                    "duration_ms": round(query.elapsed * 1000, 2),
                    "query": " ".join(query.query.split())[:500],
                },
            )
