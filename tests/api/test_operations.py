"""Liveness, readiness, metrics."""

from __future__ import annotations

import httpx

from pressroom.db.migrate import head_revision


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_ready_when_schema_is_current(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["schema"] == head_revision()


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_are_exposed_and_move(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    for _ in range(3):
        assert (await client.get("/articles")).status_code == 200
    await client.get("/articles?limit=0")
    after = (await client.get("/metrics")).text
    ok = {"route": "/articles", "method": "GET", "status": "200"}
    assert (
        _sample(after, "pressroom_http_requests_total", **ok)
        - _sample(before, "pressroom_http_requests_total", **ok)
        == 3
    )
    bad = {"route": "/articles", "status": "422"}
    assert _sample(after, "pressroom_http_requests_total", **bad) >= 1
    assert _sample(after, "pressroom_http_request_duration_seconds_count", **ok) >= 3
    assert _sample(after, "pressroom_db_query_duration_seconds_count", route="/articles") >= 3
    assert 'pressroom_db_pool_size{pool="reader"} ' in after
    assert 'pressroom_db_pool_in_use{pool="reader"} ' in after
    assert 'pressroom_db_pool_waiting{pool="reader"} ' in after
    assert 'pressroom_db_pool_acquire_seconds_count{pool="reader"} ' in after
