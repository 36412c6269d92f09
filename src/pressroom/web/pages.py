"""The dashboard's pages: the overview, one page per section, the plan explorer, the actions,
and logging in and out.

Every page is server-rendered from a `Section` (the same objects the CLI prints), through one
generic template; only the overview, the explain page and the row buttons of the activity and
advisor pages know anything particular. The inspected database is reached through one small pool
opened in the lifespan; each request borrows one connection and describes it as a `Target`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import asyncpg
import orjson
from fastapi import APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pressroom.config import Settings
from pressroom.errors import DatabaseUnavailableError, PressroomError
from pressroom.insights import explain as explain_module
from pressroom.insights import queries
from pressroom.insights.model import Options, Section, Status, Table, worst
from pressroom.insights.plans import PlanError, safe_message
from pressroom.insights.sections import OVERVIEW, SECTIONS, overview, run_section
from pressroom.insights.target import Target
from pressroom.web.actions import (
    CANCEL_PATH,
    CREATE_INDEX_PATH,
    TERMINATE_PATH,
    Action,
    all_actions,
)
from pressroom.web.auth import Principal, authenticate, check_csrf, check_key
from pressroom.web.database import Pool, inspected_pool, keys_pool, open_target
from pressroom.web.explain_view import plan_view
from pressroom.web.forms import read_form
from pressroom.web.render import Renderer
from pressroom.web.selection import CHOICES, DEFAULT_LIMIT, Selection, read_selection
from pressroom.web.sessions import (
    COOKIE,
    COOKIE_PATH,
    LOGIN_COOKIE,
    MAX_AGE_S,
    SessionStore,
    new_token,
    tokens_match,
)
from pressroom.web.views import RowAction, RowActions, section_view

log = logging.getLogger("pressroom.dashboard")

ROOT = "/dashboard"
LOGIN_PATH = f"{ROOT}/login"
EXPLAIN_NAME = "explain"
EXPLAIN_TITLE = "Explain"
PLAN_TABLE = "Plan"  # explain_section's table of the plan, which the page draws as a tree
# Sections whose statements link to their plan.
LINK_SQL = frozenset({"queries", "advisor"})
PAGE_PATHS = frozenset({ROOT, f"{ROOT}/{EXPLAIN_NAME}", *(f"{ROOT}/{name}" for name in SECTIONS)})
STATUS_LABELS = {
    "pass": "every check passes",
    "warn": "warnings",
    "fail": "failures",
    "unknown": "not inspected yet",
    "none": "",
}


@dataclass(frozen=True, slots=True)
class NavItem:
    name: str
    title: str
    url: str
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def safe_back(text: str | None) -> str:
    """A dashboard page to return to: only known paths (no open redirect), window kept."""
    parts = urlsplit(text or "")
    if parts.scheme or parts.netloc or parts.path.rstrip("/") not in PAGE_PATHS:
        return ROOT
    return parts.path.rstrip("/") + read_selection(QueryParams(parts.query)).suffix()


def page_name(path: str) -> str:
    """The nav entry of a dashboard page path (what the sidebar highlights)."""
    path = urlsplit(path).path.rstrip("/")
    return OVERVIEW if path == ROOT else path.rsplit("/", 1)[-1]


def _pids(text: object) -> list[int]:
    if not isinstance(text, str) or "deadlock" in text:
        return []
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def activity_actions(table: Table, row: dict[str, Any]) -> list[RowAction]:
    """Cancel and terminate buttons for every session a table of the activity section lists."""
    actions: list[RowAction] = []
    for column in ("pid", "blocked pid"):
        pid = row.get(column)
        if isinstance(pid, int) and not isinstance(pid, bool):
            actions += [
                RowAction("Cancel", CANCEL_PATH, {"pid": str(pid)}),
                RowAction("Terminate", TERMINATE_PATH, {"pid": str(pid)}, danger=True),
            ]
    for pid in _pids(row.get("root blockers")):
        actions.append(RowAction(f"Terminate {pid}", TERMINATE_PATH, {"pid": str(pid)}, True))
    return actions


def advisor_actions(table: Table, row: dict[str, Any]) -> list[RowAction]:
    """A create button on every recommended index (a row naming an index and its CREATE)."""
    name = row.get("Index")
    statements = [row.get(column.name) for column in table.columns if column.kind.value == "sql"]
    recommends = any(
        isinstance(text, str) and "CREATE" in text.upper() and "INDEX" in text.upper()
        for text in statements
    )
    if isinstance(name, str) and name and recommends:
        return [RowAction("Create index", CREATE_INDEX_PATH, {"index": name})]
    return []


ROW_ACTIONS: dict[str, RowActions] = {"activity": activity_actions, "advisor": advisor_actions}


class Dashboard:
    """Everything the pages share: pools, sessions, templates and the last status of each
    section (for the sidebar's dots, refreshed whenever a section is inspected)."""

    def __init__(
        self, settings: Settings, inspect_dsn: str, keys_dsn: str, base_options: Options
    ) -> None:
        self.settings = settings
        self.base_options = base_options
        self.inspected: Pool = inspected_pool(inspect_dsn, settings.connect_timeout_s)
        self.keys: Pool = keys_pool(keys_dsn, settings.connect_timeout_s)
        self.sessions = SessionStore()
        self.renderer = Renderer()
        self.statuses: dict[str, Status] = {}
        self.server: str | None = None
        self.actions: list[Action] = all_actions(settings)

    async def open(self) -> None:
        await self.inspected.open()
        await self.keys.open()

    async def close(self) -> None:
        await self.inspected.close()
        await self.keys.close()

    @asynccontextmanager
    async def target(self) -> AsyncIterator[Target]:
        async with open_target(self.inspected) as target:
            role = " (superuser)" if target.superuser else ""
            replica = ", a replica" if target.in_recovery else ""
            self.server = (
                f"database {target.database} on PostgreSQL {target.version}{replica}, "
                f"as {target.user}{role}"
            )
            yield target

    async def principal(self, request: Request) -> Principal:
        return await authenticate(request, self.keys, self.sessions)

    # -- rendering ------------------------------------------------------------------------------

    def nav(self, selection: Selection) -> list[NavItem]:
        suffix = selection.suffix()
        items = [NavItem(OVERVIEW, "Overview", ROOT + suffix, self._overall())]
        for name, spec in SECTIONS.items():
            items.append(NavItem(name, spec.title, f"{ROOT}/{name}{suffix}", self._status(name)))
            if name == "queries":
                items.append(NavItem(EXPLAIN_NAME, EXPLAIN_TITLE, f"{ROOT}/explain", "none"))
        if EXPLAIN_NAME not in {item.name for item in items}:
            items.insert(1, NavItem(EXPLAIN_NAME, EXPLAIN_TITLE, f"{ROOT}/explain", "none"))
        return items

    def _status(self, name: str) -> str:
        status = self.statuses.get(name)
        return status.value if status else "unknown"

    def _overall(self) -> str:
        if len(self.statuses) < len(SECTIONS):
            return "unknown"
        return worst(self.statuses.values()).value

    def page(
        self,
        request: Request,
        principal: Principal,
        selection: Selection,
        template: str,
        *,
        current: str,
        title: str,
        status: int = 200,
        back: str | None = None,
        windowed: bool = True,
        **extra: Any,
    ) -> Response:
        context = {
            "title": title,
            "current": current,
            "principal": principal,
            "selection": selection,
            "nav": self.nav(selection),
            "server": self.server,
            "flashes": principal.session.take_flashes() if principal.session else [],
            "back": back or safe_back(str(request.url.path) + selection.suffix()),
            "window_choices": list(CHOICES.items()),
            "default_limit": DEFAULT_LIMIT,
            "windowed": windowed,
            "rendered_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            **extra,
        }
        return self.renderer.page(template, context, status)

    def login_page(
        self, request: Request, next_path: str, error: str | None = None, status: int = 200
    ) -> Response:
        token = new_token()
        response = self.renderer.page(
            "login.html", {"login_csrf": token, "next": next_path, "error": error}, status
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=3600,
            path=LOGIN_PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    def error_page(
        self,
        status: int,
        heading: str,
        message: str,
        *,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        context = {
            "status": status,
            "heading": heading,
            "message": message,
            "hint": hint,
            "link": ROOT,
            "link_label": "Back to the dashboard",
        }
        return self.renderer.page("error.html", context, status, headers)


def build_router(dashboard: Dashboard) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    # -- logging in and out -------------------------------------------------------------------

    @router.get(LOGIN_PATH)
    async def login_form(request: Request) -> Response:
        next_path = safe_back(request.query_params.get("next"))
        if dashboard.sessions.get(request.cookies.get(COOKIE)) is not None:
            return RedirectResponse(next_path, 303)
        return dashboard.login_page(request, next_path)

    @router.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        form = await read_form(request)
        next_path = safe_back(form.get("next"))
        if not tokens_match(form.get("login_csrf"), request.cookies.get(LOGIN_COOKIE)):
            return dashboard.login_page(
                request, next_path, "The login form expired or was not ours; try again.", 403
            )
        try:
            key_id, key_name = await check_key(dashboard.keys, form.get("token", "").strip())
        except PressroomError as exc:
            status = getattr(exc, "status", 503)
            return dashboard.login_page(request, next_path, str(exc), status)
        dashboard.sessions.drop(request.cookies.get(COOKIE) or "")
        session = dashboard.sessions.create(key_id, key_name)
        log.info("dashboard login", extra={"key_id": key_id})
        response = RedirectResponse(next_path, 303)
        response.set_cookie(
            COOKIE,
            session.id,
            max_age=int(MAX_AGE_S),
            path=COOKIE_PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
        return response

    @router.post(f"{ROOT}/logout")
    async def logout(request: Request) -> Response:
        principal = await dashboard.principal(request)
        check_csrf(principal, await read_form(request))
        if principal.session is not None:
            dashboard.sessions.drop(principal.session.id)
        response = RedirectResponse(LOGIN_PATH, 303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
        return response

    @router.get(f"{ROOT}/health")
    async def health() -> Response:
        # Liveness for `pressroom up` and process managers: no key needed, nothing revealed.
        return Response(
            b'{"status":"ok"}', media_type="application/json", headers={"Cache-Control": "no-store"}
        )

    # -- the overview -------------------------------------------------------------------------

    @router.get("/")
    async def root() -> Response:
        return RedirectResponse(ROOT, 307)

    @router.get(ROOT)
    @router.get(f"{ROOT}/")
    async def overview_page(request: Request) -> Response:
        principal = await dashboard.principal(request)
        selection = read_selection(request.query_params, dashboard.base_options)
        async with dashboard.target() as target:
            summary, sections = await overview(target, selection.options)
        for section in sections:
            dashboard.statuses[section.name] = section.status
        view = section_view(summary)
        suffix = selection.suffix()
        scoreboard = [
            {
                "name": section.name,
                "title": section.title,
                "status": section.status.value,
                "url": f"{ROOT}/{section.name}{suffix}",
                "fail": section.count(Status.FAIL),
                "warn": section.count(Status.WARN),
                "passed": section.count(Status.PASS),
                "summary": SECTIONS[section.name].summary if section.name in SECTIONS else "",
            }
            for section in sections
        ]
        return dashboard.page(
            request,
            principal,
            selection,
            "overview.html",
            current=OVERVIEW,
            title="Overview",
            scoreboard=scoreboard,
            problems=view.problems,
            all_findings=view.problems + view.passed,
            section_links={name: f"{ROOT}/{name}{suffix}" for name in SECTIONS},
            section_titles={name: spec.title for name, spec in SECTIONS.items()},
        )

    # -- one page per section -----------------------------------------------------------------

    def section_route(name: str) -> None:
        spec = SECTIONS[name]

        async def section_page(request: Request) -> Response:
            principal = await dashboard.principal(request)
            selection = read_selection(request.query_params, dashboard.base_options)
            error: str | None = None
            section: Section | None = None
            try:
                async with dashboard.target() as target:
                    section = await run_section(target, name, selection.options)
            except DatabaseUnavailableError:
                raise
            except (asyncpg.PostgresError, PressroomError) as exc:
                log.warning("dashboard section %s failed: %s", name, type(exc).__name__)
                error = safe_message(exc)
            if section is not None:
                dashboard.statuses[name] = section.status
            view = (
                section_view(section, link_sql=name in LINK_SQL, row_actions=ROW_ACTIONS.get(name))
                if section
                else None
            )
            return dashboard.page(
                request,
                principal,
                selection,
                "section.html",
                current=name,
                title=spec.title,
                status=500 if error else 200,
                view=view,
                error=error,
                summary=spec.summary,
                extra_top="queries_tools.html" if name == "queries" else None,
            )

        router.add_api_route(f"{ROOT}/{name}", section_page, methods=["GET"])

    for name in SECTIONS:
        section_route(name)

    # -- JSON for scripts -----------------------------------------------------------------------

    @router.get(f"{ROOT}/api/{{name}}")
    async def section_json(request: Request, name: str) -> Response:
        await dashboard.principal(request)
        selection = read_selection(request.query_params, dashboard.base_options)
        if name != OVERVIEW and name not in SECTIONS:
            return Response(
                orjson.dumps({"detail": f"there is no section {name!r}"}),
                404,
                media_type="application/json",
            )
        async with dashboard.target() as target:
            if name == OVERVIEW:
                summary, sections = await overview(target, selection.options)
                document: dict[str, Any] = {
                    **summary.as_json(),
                    "sections": [s.as_json() for s in sections],
                }
            else:
                document = (await run_section(target, name, selection.options)).as_json()
        return Response(
            orjson.dumps(document, option=orjson.OPT_UTC_Z),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    # -- explain --------------------------------------------------------------------------------

    async def explain_page(
        request: Request,
        principal: Principal,
        statement: str,
        analyze: bool,
        run: bool,
        *,
        queryid: int | None = None,
    ) -> Response:
        selection = read_selection(request.query_params, dashboard.base_options)
        error: str | None = None
        plan: Any = None
        section_v = None
        status = 200
        try:
            async with dashboard.target() as target:
                if queryid is not None:
                    text = await queries.statement_text(target.conn, queryid)
                    if text is None:
                        raise PlanError(
                            f"pg_stat_statements has no statement with queryid {queryid} in "
                            "this database (statistics may have been reset)"
                        )
                    statement = text
                if run and statement.strip():
                    result = await explain_module.explain(target, statement, analyze=analyze)
                    plan = plan_view(result)
                    explained = explain_module.explain_section(result)
                    # The tree above draws the plan; the generic table would repeat it.
                    explained.tables = [t for t in explained.tables if t.title != PLAN_TABLE]
                    section_v = section_view(explained)
        except DatabaseUnavailableError:
            raise
        except (asyncpg.PostgresError, PressroomError) as exc:
            error = safe_message(exc)
            status = 422 if isinstance(exc, PlanError) else 500
        return dashboard.page(
            request,
            principal,
            selection,
            "explain.html",
            current=EXPLAIN_NAME,
            title=EXPLAIN_TITLE,
            status=status,
            windowed=False,
            back=f"{ROOT}/{EXPLAIN_NAME}",
            statement=statement,
            analyze=analyze,
            plan=plan,
            view=section_v,
            error=error,
        )

    @router.get(f"{ROOT}/{EXPLAIN_NAME}")
    async def explain_get(request: Request) -> Response:
        principal = await dashboard.principal(request)
        params = request.query_params
        queryid: int | None = None
        if params.get("queryid"):
            try:
                queryid = int(params["queryid"])
            except ValueError:
                queryid = None
        statement = params.get("statement") or ""
        # A GET only plans (EXPLAIN without ANALYZE runs nothing); ANALYZE needs the form's POST.
        return await explain_page(
            request, principal, statement, False, bool(statement or queryid), queryid=queryid
        )

    @router.post(f"{ROOT}/{EXPLAIN_NAME}")
    async def explain_post(request: Request) -> Response:
        principal = await dashboard.principal(request)
        form = await read_form(request)
        check_csrf(principal, form)
        analyze = form.get("analyze") in ("on", "yes", "true", "1")
        return await explain_page(request, principal, form.get("statement", ""), analyze, True)

    # -- actions --------------------------------------------------------------------------------

    def action_route(action: Action) -> None:
        async def act(request: Request) -> Response:
            principal = await dashboard.principal(request)
            form = await read_form(request)
            check_csrf(principal, form)
            back = safe_back(form.get("back"))
            selection = read_selection(QueryParams(urlsplit(back).query))
            # Actions that re-inspect (the advisor's) look at as many rows as the page did.
            form.setdefault("limit", str(selection.limit))
            confirmed = form.get("confirmed") == "yes"
            try:
                async with dashboard.target() as target:
                    if not confirmed:
                        confirmation = await action.confirm(target, form)
                        return dashboard.page(
                            request,
                            principal,
                            selection,
                            "confirm.html",
                            current=page_name(back),
                            title="Confirm",
                            back=back,
                            windowed=False,
                            confirm=confirmation,
                        )
                    message = await action.run(target, form)
                    level = "ok"
                    log.warning(
                        "dashboard action",
                        extra={"action": action.name, "key_id": principal.key_id, **form_log(form)},
                    )
            except DatabaseUnavailableError:
                raise
            except (asyncpg.PostgresError, PressroomError) as exc:
                if getattr(exc, "status", None) in (400, 413, 415):
                    raise
                message, level = safe_message(exc), "error"
            if principal.session is not None:
                principal.session.flash(level, message)
                return RedirectResponse(back, 303)
            return dashboard.page(
                request,
                principal,
                selection,
                "result.html",
                current=page_name(back),
                title="Done" if level == "ok" else "Not done",
                status=200 if level == "ok" else 409,
                back=back,
                windowed=False,
                message=message,
                level=level,
            )

        router.add_api_route(action.path, act, methods=["POST"])

    for action in dashboard.actions:
        action_route(action)

    return router


def form_log(form: dict[str, str]) -> dict[str, str]:
    """The fields of an action worth an audit line (never the token)."""
    return {k: v[:500] for k, v in form.items() if k in ("pid", "index")}


def login_redirect(request: Request) -> str:
    target = str(request.url.path)
    if request.url.query:
        target += "?" + request.url.query
    return f"{LOGIN_PATH}?next={quote(target, safe='')}"
