"""Every error is application/problem+json (RFC 9457), and none carries a stack trace, SQL text
or an internal name: handlers turn known failures into plain sentences and everything else into
a generic 500 whose details only reach the log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import orjson
from asyncpg.exceptions._base import DataError as ClientDataError  # not re-exported by asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pressroom.content.cursor import InvalidCursorError
from pressroom.content.writes import (
    ArticleExistsError,
    ArticleNotFoundError,
    ArticleNotRetractedError,
    ArticleRetractedError,
)
from pressroom.db.pool import PoolExhaustedError
from pressroom.errors import DatabaseUnavailableError
from pressroom.events.store import (
    ConcurrencyError,
    IdempotencyKeyReusedError,
    ProjectionConflictError,
)
from pressroom.events.subscriptions import InvalidSubscriptionError
from pressroom.events.types import InvalidEventError
from pressroom.search.syntax import SearchSyntaxError

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_S = "1"
log = logging.getLogger("pressroom.api")

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    422: "Invalid parameter",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def _parameter(location: tuple[Any, ...]) -> str:
    # ("query", "limit") -> "limit"; ("path", "article_id") -> "article_id"
    return ".".join(str(part) for part in location[1:]) or str(location[0])


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"parameter": _parameter(tuple(e["loc"])), "in": str(e["loc"][0]), "message": e["msg"]}
        for e in exc.errors()
    ]
    names = ", ".join(dict.fromkeys(e["parameter"] for e in errors))
    return problem(request, 422, f"invalid value for {names}", errors=errors)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    return problem(request, exc.status_code, detail, headers=exc.headers)


async def _cursor(request: Request, exc: Exception) -> Response:
    return problem(request, 400, str(exc), parameter="cursor")


async def _bad_search(request: Request, exc: Exception) -> Response:
    return problem(request, 400, str(exc), parameter="q")


async def _invalid_event(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidEventError)
    return problem(request, 422, str(exc), errors=exc.errors)


async def _stale(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConcurrencyError)
    # A stale If-Match is the client's failed precondition; a stale expected_version in a body
    # is a conflict with the stream as it now is.
    status = 412 if request.headers.get("if-match") else 409
    return problem(request, status, str(exc), current_version=exc.actual)


async def _exists(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ArticleExistsError)
    return problem(request, 409, str(exc), article_id=str(exc.article_id))


def _status(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        return problem(request, status, str(exc))

    return handler


async def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning(
        "database unavailable", extra={"path": request.url.path, "error": type(exc).__name__}
    )
    detail = (
        "the service is busy; retry shortly"
        if isinstance(exc, PoolExhaustedError)
        else "the database is unavailable; retry shortly"
    )
    return problem(request, 503, detail, headers={"Retry-After": RETRY_AFTER_S})


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", extra={"path": request.url.path}, exc_info=exc)
    return problem(request, 500, "something went wrong on our side")


# Failures of the database connection itself (not of a query or its arguments) mean "retry".
UNAVAILABLE: tuple[type[Exception], ...] = (
    PoolExhaustedError,
    DatabaseUnavailableError,
    OSError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)
# A query that ran out of time: retrying at once would only add load.
TIMED_OUT: tuple[type[Exception], ...] = (TimeoutError, asyncpg.QueryCanceledError)
RETRY_AFTER_TIMEOUT_S = "10"


async def _timed_out(request: Request, exc: Exception) -> Response:
    log.warning("query timed out", extra={"path": request.url.path, "error": type(exc).__name__})
    detail = "the request took too long; retry later"
    return problem(request, 503, detail, headers={"Retry-After": RETRY_AFTER_TIMEOUT_S})


async def _bad_value(request: Request, exc: Exception) -> Response:
    # asyncpg refuses a value it cannot encode (a datetime beyond PostgreSQL's range, say)
    # before anything reaches the server: the request's fault, not the database's.
    return problem(request, 400, "a parameter value is out of the supported range")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(InvalidCursorError, _cursor)
    app.add_exception_handler(SearchSyntaxError, _bad_search)
    app.add_exception_handler(InvalidEventError, _invalid_event)
    app.add_exception_handler(ConcurrencyError, _stale)
    app.add_exception_handler(ArticleExistsError, _exists)
    app.add_exception_handler(ArticleNotFoundError, _status(404))
    app.add_exception_handler(ArticleRetractedError, _status(409))
    app.add_exception_handler(ArticleNotRetractedError, _status(409))
    app.add_exception_handler(ProjectionConflictError, _status(409))
    app.add_exception_handler(IdempotencyKeyReusedError, _status(422))
    app.add_exception_handler(InvalidSubscriptionError, _status(422))
    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)
    for kind in TIMED_OUT:
        app.add_exception_handler(kind, _timed_out)
    app.add_exception_handler(asyncpg.DataError, _bad_value)  # SQLSTATE class 22, server side
    app.add_exception_handler(ClientDataError, _bad_value)
    app.add_exception_handler(Exception, _unexpected)
