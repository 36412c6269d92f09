"""What routes share: a pooled connection held for the request, and the paging parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
from fastapi import Depends, Query, Request

from pressroom.content.pages import DEFAULT_LIMIT, MAX_LIMIT
from pressroom.db.pool import Database


async def _connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    database: Database = request.app.state.database
    route = getattr(request.scope.get("route"), "path", request.url.path)
    async with database.connection(route) as conn:
        yield conn


Connection = Annotated[asyncpg.Connection, Depends(_connection)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=600, description="`next_cursor` of the previous page; omit for the first."),
]
DEFAULT_PAGE = DEFAULT_LIMIT


async def _write_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    database: Database = request.app.state.write_database
    route = getattr(request.scope.get("route"), "path", request.url.path)
    async with database.connection(route) as conn:
        yield conn


# As the writer role, from the write pool: reads never wait behind writes for a connection.
WriteConnection = Annotated[asyncpg.Connection, Depends(_write_connection)]
