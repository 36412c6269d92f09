"""Reading the event log: an article's history, the global feed as pages, and the feed live
as Server-Sent Events."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse

from pressroom.api.deps import reading
from pressroom.api.responses import NO_STORE, json_response
from pressroom.api.schemas import problems
from pressroom.content.writes import ArticleNotFoundError
from pressroom.db.pool import Database
from pressroom.events.feed import FeedSignal, follow_with_pauses, read_feed
from pressroom.events.store import RecordedEvent, read_stream

router = APIRouter(tags=["events"])

MAX_PAGE = 1000
POSITION = re.compile(r"[0-9]{1,18}")  # ASCII digits only, and within a bigint
HEARTBEAT_S = 15.0


class Event(BaseModel):
    position: int | None
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: str


class History(BaseModel):
    events: list[Event]
    next_after_version: int | None


class FeedPage(BaseModel):
    events: list[Event]
    next_after: int


@router.get(
    "/articles/{article_id}/history",
    summary="An article's events, oldest first",
    response_model=History,
    responses=problems(404, 422, 503),
)
async def history(
    request: Request,
    article_id: Annotated[int, Path(ge=-(2**63), lt=2**63)],
    after_version: Annotated[int, Query(ge=0, lt=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> Response:
    """Every change, retractions included, with who made it (`metadata.actor`)."""
    async with reading(request) as conn:
        events = await read_stream(conn, article_id, after_version=after_version, limit=limit + 1)
    if not events and after_version == 0:
        raise ArticleNotFoundError(f"no article with id {article_id}")
    page = events[:limit]
    more = page[-1].version if len(events) > limit else None
    body = {"events": [e.as_json() for e in page], "next_after_version": more}
    return json_response(request, body, NO_STORE)


@router.get(
    "/events",
    summary="The global feed, a page at a time",
    response_model=FeedPage,
    responses=problems(422, 503),
)
async def feed(
    request: Request,
    after: Annotated[int, Query(ge=0, description="The last position you have.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> Response:
    """Events in feed order. Pass `next_after` back as `after`; an empty page means you are
    up to date. Every committed event appears exactly once, each article's in version order."""
    async with reading(request) as conn:
        events = await read_feed(conn, after, limit)
    body = {
        "events": [e.as_json() for e in events],
        "next_after": events[-1].position if events else after,
    }
    return json_response(request, body, NO_STORE)


def _sse(event: RecordedEvent) -> bytes:
    data = orjson.dumps(event.as_json(), option=orjson.OPT_UTC_Z)
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.position or 0, event.type.encode(), data)


@router.get(
    "/events/stream",
    summary="The global feed, live (Server-Sent Events)",
    responses={200: {"content": {"text/event-stream": {}}}, **problems(422, 503)},
)
async def stream(
    request: Request,
    from_: Annotated[
        int, Query(alias="from", ge=0, lt=2**63, description="Start after this position.")
    ] = 0,
    last_event_id: Annotated[
        str | None, Header(max_length=30, description="Set by EventSource when it reconnects.")
    ] = None,
) -> StreamingResponse:
    """Each event's SSE `id` is its position: a reconnecting EventSource resumes after the
    last one it saw. Delivery is at least once; use the position to drop duplicates. A
    comment line every 15 s keeps proxies from closing an idle stream."""
    start = int(last_event_id) if last_event_id and POSITION.fullmatch(last_event_id) else from_
    database: Database = request.app.state.database
    signal: FeedSignal = request.app.state.feed_signal

    async def fetch(after: int, limit: int) -> list[RecordedEvent]:
        # A pooled connection per read, never for the life of the stream.
        async with database.connection("/events/stream") as conn:
            return await read_feed(conn, after, limit)

    async def body() -> AsyncIterator[bytes]:
        yield b": connected\n\n"
        async for event in follow_with_pauses(fetch, signal, after=start, idle_s=HEARTBEAT_S):
            yield b": keep-alive\n\n" if event is None else _sse(event)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
