"""GET /articles and GET /articles/{id}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import AfterValidator, BaseModel
from starlette.responses import Response

from pressroom.api.deps import DEFAULT_PAGE, Cursor, Limit, reading
from pressroom.api.query import documented, read_query
from pressroom.api.responses import CACHE_ITEM, CACHE_LIST, json_response
from pressroom.api.schemas import Article, ArticlePage, problems
from pressroom.content.articles import ArticleFilter, get_article, list_articles

router = APIRouter(tags=["articles"])

Language = Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$", description="ISO 639 code: fa, en")]
# No NUL: PostgreSQL text cannot hold one, and the refusal must be the client's 422, not a 500.
NO_NUL = r"^[^\x00]*$"
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _utc_within_range(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC; times outside 1900..2099 hold no articles and
    would overflow on the way to PostgreSQL, so they are refused."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not EARLIEST <= moment < LATEST:
        raise ValueError("must be between 1900-01-01 and 2099-12-31")
    return moment


Timestamp = Annotated[datetime | None, AfterValidator(_utc_within_range)]


def page_response(request: Request, page: object) -> Response:
    return json_response(request, page, CACHE_LIST)


class ArticleListQuery(BaseModel):
    """The query string of GET /articles, read as one model (api/query.py): seven parameters
    that FastAPI would inspect one by one on every request."""

    site: Annotated[
        str | None, Query(max_length=253, pattern=NO_NUL, description="Only this site's domain.")
    ] = None
    tag: Annotated[
        str | None, Query(max_length=100, pattern=NO_NUL, description="Only this tag's slug.")
    ] = None
    lang: Language = None
    published_after: Annotated[
        Timestamp, Query(description="Inclusive, ISO 8601; UTC when no zone is given.")
    ] = None
    published_before: Annotated[
        Timestamp, Query(description="Exclusive, ISO 8601; UTC when no zone is given.")
    ] = None
    limit: Limit = DEFAULT_PAGE
    cursor: Cursor = None


@router.get(
    "/articles",
    summary="Articles, newest first",
    response_model=ArticlePage,
    responses=problems(400, 422, 503),
    openapi_extra=documented(ArticleListQuery),
)
async def articles(request: Request) -> Response:
    params = read_query(request, ArticleListQuery)
    where = ArticleFilter(
        params.site.lower() if params.site else None,
        params.tag,
        params.lang,
        params.published_after,
        params.published_before,
    )
    async with reading(request) as conn:
        page = await list_articles(conn, where, params.cursor, params.limit)
    return page_response(request, page)


@router.get(
    "/articles/{article_id}",
    summary="One article",
    response_model=Article,
    responses=problems(404, 422, 503),
)
async def article(
    request: Request,
    article_id: Annotated[int, Path(ge=-(2**63), lt=2**63, description="The article's id.")],
) -> Response:
    async with reading(request) as conn:
        found = await get_article(conn, article_id)
    if found is None:
        raise HTTPException(404, f"no article with id {article_id}")
    return json_response(request, found, CACHE_ITEM)
