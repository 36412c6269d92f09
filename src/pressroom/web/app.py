"""The dashboard application, built by a factory like the API: pools opened in the lifespan, the
snapshotter running beside the pages, every error a page of its own (never a traceback).

It is a separate application from the public API on purpose: it shows query texts and can cancel
backends, so it listens on its own port, on loopback unless configured otherwise, and needs an
admin key for everything but its login page and stylesheet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pressroom import __version__
from pressroom.config import Settings
from pressroom.errors import DatabaseUnavailableError
from pressroom.insights.model import Options
from pressroom.insights.snapshotter import Snapshotter
from pressroom.tasks import cancel_and_wait
from pressroom.web import render
from pressroom.web.auth import CHALLENGE, AuthError, CsrfError, bearer_token
from pressroom.web.forms import FormError
from pressroom.web.pages import Dashboard, build_router, login_redirect

STATIC_DIR = Path(__file__).parent / "static"
RETRY_AFTER_S = "5"
log = logging.getLogger("pressroom.dashboard")
# render.BASE_HEADERS as ASGI wants them: lower-case names, bytes.
BASE_HEADERS = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in render.BASE_HEADERS.items()
)


class BaseHeaders:
    """A pure ASGI middleware (no response buffering) adding BASE_HEADERS where missing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in BASE_HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _install_error_pages(app: FastAPI, dashboard: Dashboard) -> None:
    async def auth_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AuthError)
        browser = "text/html" in request.headers.get("accept", "")
        if exc.status == 401 and request.method == "GET" and browser and not bearer_token(request):
            return RedirectResponse(login_redirect(request), 303)
        heading = "Log in required" if exc.status == 401 else "Forbidden"
        return dashboard.error_page(
            exc.status,
            heading,
            str(exc),
            hint="The dashboard needs an API key with the admin scope: log in with it, or send "
            "it as Authorization: Bearer <key>.",
            headers=CHALLENGE if exc.status == 401 else None,
        )

    async def csrf_error(request: Request, exc: Exception) -> Response:
        return dashboard.error_page(403, "Request refused", str(exc))

    async def form_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FormError)
        return dashboard.error_page(exc.status, "Bad request", str(exc))

    async def unavailable(request: Request, exc: Exception) -> Response:
        return dashboard.error_page(
            503,
            "Database unavailable",
            str(exc),
            hint="The page comes back by itself once the database answers again; check that "
            "PostgreSQL is running and reachable with the configured address and credentials.",
            headers={"Retry-After": RETRY_AFTER_S},
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {
            404: "There is no such page in the dashboard.",
            405: "This address does not take that method (actions are POSTed from their forms).",
        }
        message = messages.get(exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        return dashboard.error_page(exc.status_code, title, message, headers=headers)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("dashboard error on %s", request.url.path, exc_info=exc)
        return dashboard.error_page(
            500,
            "Something went wrong",
            "The dashboard hit an unexpected error; the details are in its log.",
        )

    app.add_exception_handler(AuthError, auth_error)
    app.add_exception_handler(CsrfError, csrf_error)
    app.add_exception_handler(FormError, form_error)
    app.add_exception_handler(DatabaseUnavailableError, unavailable)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)


def create_dashboard(
    settings: Settings,
    inspect_dsn: str,
    keys_dsn: str,
    *,
    snapshots: bool = True,
    base_options: Options | None = None,
) -> FastAPI:
    """The dashboard over the database at `inspect_dsn`, for the admin keys kept at `keys_dsn`
    (pressroom's own database). `snapshots=False` leaves the background snapshotter off;
    `base_options` carries what a connection cannot tell (the local stack's memory budget)."""
    dashboard = Dashboard(settings, inspect_dsn, keys_dsn, base_options or Options())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await dashboard.open()
        background: list[asyncio.Task[None]] = []
        if snapshots:
            # Several dashboards may watch one database; the snapshotter elects one of them.
            snapshotter = Snapshotter.from_settings(settings, inspect_dsn)
            app.state.snapshotter = snapshotter
            background.append(asyncio.create_task(snapshotter.run()))
        try:
            yield
        finally:
            await cancel_and_wait(background)
            await dashboard.close()

    app = FastAPI(
        title="pressroom dashboard",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.dashboard = dashboard
    _install_error_pages(app, dashboard)
    app.include_router(build_router(dashboard))
    app.mount("/dashboard/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BaseHeaders)
    return app
