"""Liveness and readiness against a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pressroom.api.app import create_app
from pressroom.config import Settings
from pressroom.db.migrate import head_revision
from pressroom.db.targets import DatabaseTargets


@pytest.fixture
async def client(stack: Settings, database: DatabaseTargets) -> AsyncIterator[httpx.AsyncClient]:
    settings = stack.model_copy(update={"database_url": None})
    app: FastAPI = create_app(settings, targets=database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_schema_is_current(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["schema"] == head_revision()
