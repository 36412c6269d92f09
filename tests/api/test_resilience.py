"""When the pool is exhausted or the database is gone, requests get a fast 503, never a hang;
connections held too long and slow queries are reported with their route."""

from __future__ import annotations

import asyncio
import time

import pytest

from pressroom.api.app import create_app
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.local.ports import LOOPBACK, free_port
from tests.api.conftest import app_settings, open_client


async def test_an_exhausted_pool_answers_503_within_the_timeout(
    stack: Settings, corpus: DatabaseTargets
) -> None:
    settings = app_settings(stack, pool_min_size=1, pool_max_size=1, pool_acquire_timeout_s=0.3)
    app = create_app(settings, targets=corpus)
    async for client in open_client(app):
        async with app.state.database.connection("test holder"):
            started = time.monotonic()
            response = await client.get("/articles")
            waited = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"] == "application/problem+json"
        assert 0.3 <= waited < 2.0
        assert (await client.get("/articles")).status_code == 200  # freed, it serves again
        metrics = (await client.get("/metrics")).text
        assert 'pressroom_db_pool_exhausted_total{pool="reader"} 1.0' in metrics


async def test_a_database_that_is_down_gives_503(stack: Settings) -> None:
    closed = free_port()
    url = f"postgresql://nobody:secret@{LOOPBACK}:{closed}/pressroom"
    down = DatabaseTargets(owner=url, writer=url, reader=url, admin=None)
    settings = app_settings(stack, connect_timeout_s=1, pool_min_size=1)
    async for client in open_client(create_app(settings, targets=down)):
        assert (await client.get("/health")).status_code == 200  # alive, though not ready
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"
        response = await client.get("/articles")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "secret" not in response.text
        assert str(closed) not in response.text


async def test_connections_held_too_long_are_reported_with_their_route(
    stack: Settings, corpus: DatabaseTargets
) -> None:
    settings = app_settings(stack, pool_leak_threshold_s=0.2)
    app = create_app(settings, targets=corpus)
    async for client in open_client(app):
        async with app.state.database.connection("/articles/{article_id}"):
            await asyncio.sleep(0.8)
        metrics = (await client.get("/metrics")).text
        assert (
            'pressroom_db_connection_held_too_long_total{route="/articles/{article_id}"} 1.0'
            in metrics
        )


async def test_slow_queries_are_logged_with_route_and_duration(
    stack: Settings, corpus: DatabaseTargets, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = app_settings(stack, slow_query_ms=0, log_level="warning")
    async for client in open_client(create_app(settings, targets=corpus)):
        capsys.readouterr()
        assert (await client.get("/articles", params={"lang": "fa"})).status_code == 200
    logged = capsys.readouterr().err
    import orjson

    entries = [orjson.loads(line) for line in logged.splitlines() if line.startswith("{")]
    slow = [e for e in entries if e["message"] == "slow query"]
    assert slow
    assert slow[0]["route"] == "/articles"
    assert slow[0]["duration_ms"] >= 0
    assert "'fa'" not in logged  # the statement text is logged, never its arguments


async def test_a_busy_pool_keeps_the_instance_ready(
    stack: Settings, corpus: DatabaseTargets
) -> None:
    settings = app_settings(stack, pool_min_size=1, pool_max_size=1, pool_acquire_timeout_s=0.2)
    app = create_app(settings, targets=corpus)
    async for client in open_client(app):
        assert (await client.get("/ready")).status_code == 200
        async with app.state.database.connection("test holder"):
            busy = await client.get("/ready")
            assert busy.status_code == 200
            assert busy.json()["database"] == "reachable"
            assert (await client.get("/articles")).json()[
                "detail"
            ] == "the service is busy; retry shortly"


async def test_a_connection_returns_to_the_pool_without_an_open_transaction(
    stack: Settings, corpus: DatabaseTargets
) -> None:
    settings = app_settings(stack, pool_min_size=1, pool_max_size=1)
    app = create_app(settings, targets=corpus)
    async for client in open_client(app):
        database = app.state.database
        async with database.connection("test") as conn:
            await conn.execute("BEGIN")
            await conn.execute("SELECT 1")
        async with database.connection("test") as conn:
            assert not conn.is_in_transaction()
        assert (await client.get("/articles")).status_code == 200
