"""Liveness, readiness and metrics, for load balancers, orchestrators and Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from pressroom.api.responses import NO_STORE
from pressroom.db.health import check_readiness

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": NO_STORE})


@router.get("/ready", summary="Readiness: the database answers and its schema is current")
async def ready(request: Request) -> JSONResponse:
    readiness = await check_readiness(request.app.state.database)
    body = {
        "status": "ready" if readiness.ready else "not ready",
        "database": "reachable" if readiness.database else "unreachable",
        "schema": readiness.schema_revision,
        "expected_schema": readiness.expected_revision,
    }
    status = 200 if readiness.ready else 503
    return JSONResponse(body, status_code=status, headers={"Cache-Control": NO_STORE})


@router.get("/metrics", summary="Prometheus metrics of this process", include_in_schema=True)
async def metrics(request: Request) -> Response:
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": NO_STORE})
