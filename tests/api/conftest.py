"""An app over a module database holding a few thousand sample articles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pressroom.api.app import create_app
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from tests.conftest import CORPUS_SITES

__all__ = ["CORPUS_SITES"]


async def open_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def app_settings(stack: Settings, **overrides: object) -> Settings:
    return stack.model_copy(update={"database_url": None, "log_level": "warning", **overrides})


@pytest.fixture
async def client(stack: Settings, corpus: DatabaseTargets) -> AsyncIterator[httpx.AsyncClient]:
    async for http in open_client(create_app(app_settings(stack), targets=corpus)):
        yield http
