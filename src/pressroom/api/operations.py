"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pressroom.db.health import check_readiness

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: the database answers and its schema is current")
async def ready(request: Request) -> JSONResponse:
    readiness = await check_readiness(request.app.state.pool)
    body = {
        "status": "ready" if readiness.ready else "not ready",
        "database": "reachable" if readiness.database else "unreachable",
        "schema": readiness.schema_revision,
        "expected_schema": readiness.expected_revision,
    }
    return JSONResponse(body, status_code=200 if readiness.ready else 503)
