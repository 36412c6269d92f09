"""The dashboard over a module database of the real test stack, inspected as its superuser, with
real admin and write-only API keys; clients talk to it in-process (httpx) or over a real
uvicorn (the browser tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from pressroom.access.keys import Scope, create_key
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.web.app import create_dashboard
from tests.insights.helpers import connected

BASE = "http://test"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Keys:
    admin: str
    write: str
    admin_id: str


def dashboard_settings(stack: Settings) -> Settings:
    return stack.model_copy(update={"database_url": None, "log_level": "warning"})


@pytest.fixture(scope="module")
async def keys(database: DatabaseTargets) -> Keys:
    async with connected(database.writer) as conn:
        admin, admin_token = await create_key(conn, "dashboard test admin", [Scope.ADMIN])
        _, write_token = await create_key(conn, "dashboard test writer", [Scope.WRITE])
    return Keys(admin_token, write_token, admin.id)


def make_dashboard(
    stack: Settings, database: DatabaseTargets, *, snapshots: bool = False
) -> FastAPI:
    assert database.admin is not None
    return create_dashboard(
        dashboard_settings(stack), database.admin, database.writer, snapshots=snapshots
    )


async def open_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=60) as http:
            yield http


@pytest.fixture(scope="module")
def app(stack: Settings, database: DatabaseTargets) -> FastAPI:
    return make_dashboard(stack, database)


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for http in open_client(app):
        yield http


async def log_in(http: httpx.AsyncClient, token: str) -> httpx.Response:
    form = await http.get("/dashboard/login")
    match = LOGIN_CSRF.search(form.text)
    assert match, form.text
    return await http.post(
        "/dashboard/login",
        data={"token": token, "login_csrf": match[1], "next": "/dashboard"},
    )


@pytest.fixture
async def browser_like(app: FastAPI, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in with the admin key, holding the session cookie."""
    async for http in open_client(app):
        response = await log_in(http, keys.admin)
        assert response.status_code == 303, response.text
        yield http


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf field on the page"
    return match[1]
