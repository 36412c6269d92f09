"""What routes share: pooled connections, and the paging parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Annotated

import asyncpg
from fastapi import Depends, Query, Request

from pressroom.content.pages import DEFAULT_LIMIT, MAX_LIMIT
from pressroom.db.pool import Database


def _route(request: Request) -> str:
    # The template, /articles/{article_id}, so metrics and leak reports group by route. Not
    # getattr(..., request.url.path): the default would build a URL object on every request.
    route = request.scope.get("route")
    return route.path if route is not None else request.scope["path"]  # type: ignore[no-any-return]


def reading(request: Request) -> AbstractAsyncContextManager[asyncpg.Connection]:
    """A connection from the read pool, held for the `async with` block only.

    Read routes take it explicitly rather than as a `yield` dependency: FastAPI runs such a
    dependency's exit in an exit stack under a shielded cancel scope, which measured 150 µs of
    CPU per request, more than the query of GET /articles/{id}. The block also returns the
    connection before the response is encoded and sent."""
    database: Database = request.app.state.database
    return database.connection(_route(request))


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=600, description="`next_cursor` of the previous page; omit for the first."),
]
DEFAULT_PAGE = DEFAULT_LIMIT


async def _write_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    database: Database = request.app.state.write_database
    async with database.connection(_route(request)) as conn:
        yield conn


# As the writer role, from the write pool: reads never wait behind writes for a connection.
# A dependency, unlike reading(): the key check and the write share the one connection the
# request holds, and a write's cost is its transaction, not the dependency's.
WriteConnection = Annotated[asyncpg.Connection, Depends(_write_connection)]
