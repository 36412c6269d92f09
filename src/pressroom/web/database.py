"""The dashboard's two small pools: the database being inspected and the one holding API keys.

Both are created once, in the application's lifespan, with no connection opened up front: a
dashboard started while its database is down still starts, answers every page with a clear 503,
and recovers by itself when the database is back. Connection failures of any kind (refused,
bad password, server shutting down, connection lost mid-request) become
DatabaseUnavailableError, which the pages show as such instead of a traceback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import asyncpg

from pressroom.errors import DatabaseUnavailableError
from pressroom.insights.plans import reset_session
from pressroom.insights.target import (
    APPLICATION_NAME,
    LOCK_TIMEOUT_MS,
    STATEMENT_TIMEOUT_MS,
    Target,
    describe,
)

INSPECT_POOL_MAX = 4
KEYS_POOL_MAX = 2
KEYS_APPLICATION_NAME = "pressroom dashboard"
# Errors that say the server is gone or going, not that a statement was wrong.
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def connection_failure(exc: BaseException) -> str:
    """Why a connection could not be had, in words safe to show (no DSN, no password)."""
    if isinstance(exc, asyncpg.PostgresError):
        return exc.message or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


class Pool:
    """A lazily connecting asyncpg pool for one DSN; `open` in the lifespan, then `connection`."""

    def __init__(
        self,
        dsn: str,
        what: str,
        *,
        max_size: int,
        timeout_s: float,
        server_settings: dict[str, str],
    ) -> None:
        self.dsn = dsn
        self.what = what
        self.max_size = max_size
        self.timeout_s = timeout_s
        self.server_settings = server_settings
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        # min_size=0: creating the pool connects to nothing, so it cannot fail on a server that
        # is down; connections are opened on demand and kept up to max_size.
        self._pool = await asyncpg.create_pool(
            self.dsn,
            min_size=0,
            max_size=self.max_size,
            timeout=self.timeout_s,
            # Startup parameters survive the RESET ALL a pool sends when a connection returns.
            server_settings=self.server_settings,
            reset=reset_session,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        if self._pool is None:
            raise DatabaseUnavailableError(f"the connection pool for {self.what} is not open")
        try:
            conn = await self._pool.acquire(timeout=self.timeout_s)
        except (*UNAVAILABLE, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailableError(
                f"cannot connect to {self.what}: {connection_failure(exc)}"
            ) from None
        try:
            yield cast(asyncpg.Connection, conn)
        except UNAVAILABLE as exc:
            raise DatabaseUnavailableError(
                f"lost the connection to {self.what}: {connection_failure(exc)}"
            ) from None
        finally:
            await self._pool.release(conn)


def inspected_pool(dsn: str, timeout_s: float) -> Pool:
    return Pool(
        dsn,
        "the inspected database",
        max_size=INSPECT_POOL_MAX,
        timeout_s=timeout_s,
        server_settings={
            "application_name": APPLICATION_NAME,
            "statement_timeout": str(STATEMENT_TIMEOUT_MS),
            "lock_timeout": str(LOCK_TIMEOUT_MS),
        },
    )


def keys_pool(dsn: str, timeout_s: float) -> Pool:
    return Pool(
        dsn,
        "the database holding the API keys",
        max_size=KEYS_POOL_MAX,
        timeout_s=timeout_s,
        server_settings={"application_name": KEYS_APPLICATION_NAME},
    )


@asynccontextmanager
async def open_target(pool: Pool) -> AsyncIterator[Target]:
    """A pooled connection to the inspected database, described for the checks."""
    async with pool.connection() as conn:
        yield await describe(conn)
