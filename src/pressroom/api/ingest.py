"""POST /ingest: crawlers send NDJSON, streamed, and get the same summary as the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from pressroom.api.auth import WriterKey
from pressroom.api.deps import WriteConnection
from pressroom.api.responses import NO_STORE, json_response
from pressroom.api.schemas import problems
from pressroom.ingest.pipeline import DEFAULT_BATCH, IngestOptions, ingest
from pressroom.ingest.readers import read_jsonl_chunks

router = APIRouter(tags=["writes"])


class IngestResult(BaseModel):
    read: int
    inserted: int
    revised: int
    unchanged: int
    rejected: int
    resumed_after: int
    rejects: list[dict[str, Any]]


@router.post(
    "/ingest",
    summary="Ingest articles as NDJSON",
    response_model=IngestResult,
    responses=problems(401, 403, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string"},
                    "example": '{"url": "https://dailyherald.com/world/2024/01/summit", '
                    '"title": "Leaders meet in Geneva", "published_at": "2024-01-15T08:30:00Z"}\n',
                }
            },
        }
    },
)
async def ingest_ndjson(
    request: Request,
    conn: WriteConnection,
    key: WriterKey,
    batch_size: Annotated[
        int, Query(ge=1, le=100_000, description="Records per transaction.")
    ] = DEFAULT_BATCH,
    dry_run: Annotated[bool, Query(description="Validate only; write nothing.")] = False,
) -> Response:
    """One article per line, as `pressroom ingest` reads JSONL. The body is read as it
    arrives, a batch at a time, each batch its own transaction: a client that disconnects
    keeps the batches that committed, and sending the same lines again changes nothing.
    Rejected lines do not fail the request: the summary counts them and lists the first
    1,000 with their line and reason, and the counts always add up to the lines read."""
    options = IngestOptions(batch_size=batch_size, dry_run=dry_run, actor=f"key:{key.id}")
    # One connection: a request must not take more of the pool than any other request.
    summary = await ingest([conn], read_jsonl_chunks(request.stream()), options)
    return json_response(request, summary.as_json(), NO_STORE)
