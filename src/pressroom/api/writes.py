"""Write routes: each is one command of content/writes.py, so every change is an event.

Conditional writes follow RFC 9110: `If-Match` names the ETag of the article as last read
(GET /articles/{id} or a previous write's response); a stale one is 412 and changes nothing.
`Idempotency-Key` makes a retried request safe: the retry gets the first attempt's result.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pressroom.access.keys import ApiKey
from pressroom.api.auth import WriterKey
from pressroom.api.deps import WriteConnection
from pressroom.api.responses import NO_STORE, encoded, if_match_holds, json_response
from pressroom.api.schemas import Article, problems
from pressroom.content.articles import get_article
from pressroom.content.writes import (
    ArticleNotFoundError,
    WriteResult,
    publish_article,
    replayed_result,
    request_fingerprint,
    restore_article,
    retract_article,
    revise_article,
)
from pressroom.events.store import EventMetadata, NewEvent, append
from pressroom.events.types import EventType

router = APIRouter(tags=["writes"])

ArticleId = Annotated[int, Path(ge=-(2**63), lt=2**63, description="The article's id.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID): a retry with the same key gets the first "
        "attempt's result instead of writing twice.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(max_length=500, description="The ETag the change is based on; stale: 412."),
]
CorrelationId = Annotated[
    str | None,
    Header(alias="X-Correlation-ID", max_length=200, description="Recorded with the events."),
]


class Draft(BaseModel):
    """A new article."""

    url: str = Field(description="The article's URL; stored in canonical form.")
    site: str | None = Field(None, description="The site's domain; defaults to the URL's host.")
    title: str
    summary: str = ""
    body: str = ""
    language: str = Field(description="ISO 639 code: fa, en")
    author: str | None = None
    published_at: str = Field(description="ISO 8601; UTC when no zone is given.")
    tags: list[str] = []
    metadata: dict[str, Any] = {}

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "url": "https://dailyherald.com/world/2024/01/summit",
                "title": "Leaders meet in Geneva for climate summit",
                "summary": "Talks open on Monday with funding at the top of the agenda.",
                "body": "GENEVA — Leaders gathered ...",
                "language": "en",
                "author": "Jane Doe",
                "published_at": "2024-01-15T08:30:00Z",
                "tags": ["climate", "world"],
            }
        },
    )


class Changes(BaseModel):
    """Fields to change; `tags`, when given, is the article's whole new tag set."""

    url: str | None = None
    title: str | None = None
    summary: str | None = None
    body: str | None = None
    language: str | None = None
    author: str | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"title": "Leaders agree on climate fund", "tags": ["climate"]}
        },
    )


class NewEventIn(BaseModel):
    type: EventType
    data: dict[str, Any] = {}


class AppendRequest(BaseModel):
    expected_version: int | None = Field(
        None, ge=0, description="The stream's current version; null: append to any version."
    )
    events: list[NewEventIn] = Field(min_length=1, max_length=100)


class AppendResponse(BaseModel):
    stream_id: str
    first_version: int
    last_version: int


def _metadata(key: ApiKey, correlation_id: str | None) -> EventMetadata:
    return EventMetadata(actor=f"key:{key.id}", correlation_id=correlation_id)


async def _article_response(
    request: Request, conn: WriteConnection, result: WriteResult, status_code: int = 200
) -> Response:
    article = await get_article(conn, result.article_id)
    if article is None:  # retracted again by a concurrent request in between
        raise ArticleNotFoundError(f"no article with id {result.article_id}")
    headers = {"Location": f"/articles/{result.article_id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(request, article, NO_STORE, status_code=status_code, headers=headers)


async def _expected_version(
    conn: WriteConnection, article_id: int, if_match: str | None
) -> int | None:
    """The version the client's If-Match names: the article is read as the client would and
    its ETag compared, so any ETag a GET handed out works."""
    if if_match is None:
        return None
    article = await get_article(conn, article_id)
    if article is None:
        raise ArticleNotFoundError(f"no article with id {article_id}")
    if not if_match_holds(if_match, encoded(article)[1]):
        raise HTTPException(412, "the article changed since the ETag in If-Match was read")
    return int(article["version"])


@router.post(
    "/articles",
    summary="Publish an article",
    status_code=201,
    response_model=Article,
    responses=problems(401, 403, 409, 422, 503),
)
async def publish(
    request: Request,
    conn: WriteConnection,
    key: WriterKey,
    draft: Draft,
    idempotency_key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> Response:
    result = await publish_article(
        conn,
        draft.model_dump(exclude_unset=True),
        metadata=_metadata(key, correlation_id),
        idempotency_key=idempotency_key,
    )
    return await _article_response(request, conn, result, 201)


@router.patch(
    "/articles/{article_id}",
    summary="Revise an article",
    response_model=Article,
    responses=problems(401, 403, 404, 409, 412, 422, 503),
)
async def revise(
    request: Request,
    conn: WriteConnection,
    key: WriterKey,
    article_id: ArticleId,
    changes: Changes,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> Response:
    fields = changes.model_dump(exclude_unset=True)
    tags = fields.pop("tags", None)
    # A retry is recognised before If-Match is checked: after the first attempt the ETag it
    # names is stale by design, and the retry must get the first result, not 412.
    identity = request_fingerprint("patch", article_id, [fields, tags, if_match])
    if replayed := await replayed_result(conn, idempotency_key, identity):
        return await _article_response(request, conn, replayed)
    result = await revise_article(
        conn,
        article_id,
        fields,
        tags=tags,
        expected_version=await _expected_version(conn, article_id, if_match),
        metadata=_metadata(key, correlation_id),
        idempotency_key=idempotency_key,
        request=identity,
    )
    return await _article_response(request, conn, result)


@router.delete(
    "/articles/{article_id}",
    summary="Retract an article",
    status_code=204,
    responses=problems(401, 403, 404, 409, 412, 422, 503),
)
async def retract(
    conn: WriteConnection,
    key: WriterKey,
    article_id: ArticleId,
    reason: Annotated[str | None, Query(max_length=1000, description="Kept in the log.")] = None,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> Response:
    """The article leaves every list, search and lookup; its history stays, and
    POST /articles/{id}/restore brings it back."""
    identity = request_fingerprint("delete", article_id, [reason, if_match])
    result = await replayed_result(conn, idempotency_key, identity) or await retract_article(
        conn,
        article_id,
        reason=reason,
        expected_version=await _expected_version(conn, article_id, if_match),
        metadata=_metadata(key, correlation_id),
        idempotency_key=idempotency_key,
        request=identity,
    )
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return Response(status_code=204, headers=headers)


@router.post(
    "/articles/{article_id}/restore",
    summary="Restore a retracted article",
    response_model=Article,
    responses=problems(401, 403, 404, 409, 422, 503),
)
async def restore(
    request: Request,
    conn: WriteConnection,
    key: WriterKey,
    article_id: ArticleId,
    reason: Annotated[str | None, Body(embed=True, max_length=1000)] = None,
    idempotency_key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> Response:
    result = await restore_article(
        conn,
        article_id,
        reason=reason,
        metadata=_metadata(key, correlation_id),
        idempotency_key=idempotency_key,
    )
    return await _article_response(request, conn, result)


@router.post(
    "/articles/{article_id}/events",
    summary="Append events to an article's stream",
    status_code=201,
    response_model=AppendResponse,
    responses=problems(401, 403, 409, 422, 503),
)
async def append_events(
    request: Request,
    conn: WriteConnection,
    key: WriterKey,
    article_id: ArticleId,
    batch: AppendRequest,
    idempotency_key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> Response:
    """Lower level than the routes above: the events are appended as given, in one
    transaction, if the stream is at `expected_version` (409 otherwise). Publishing goes
    through POST /articles, which assigns the id."""
    if any(event.type is EventType.PUBLISHED for event in batch.events):
        raise HTTPException(422, "publish new articles with POST /articles")
    if not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pressroom.event_streams WHERE stream_id = $1)", article_id
    ):
        raise ArticleNotFoundError(f"no article with id {article_id}")
    result = await append(
        conn,
        article_id,
        [NewEvent(event.type.value, event.data) for event in batch.events],
        expected_version=batch.expected_version,
        metadata=_metadata(key, correlation_id),
        idempotency_key=idempotency_key,
    )
    body = {
        "stream_id": str(result.stream_id),
        "first_version": result.first_version,
        "last_version": result.last_version,
    }
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return json_response(request, body, NO_STORE, status_code=201, headers=headers)
