"""GET /articles and GET /articles/{id}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from starlette.responses import Response

from pressroom.api.deps import DEFAULT_PAGE, Connection, Cursor, Limit
from pressroom.api.responses import CACHE_ITEM, CACHE_LIST, json_response
from pressroom.api.schemas import Article, ArticlePage, problems
from pressroom.content.articles import ArticleFilter, get_article, list_articles

router = APIRouter(tags=["articles"])

Language = Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$", description="ISO 639 code: fa, en")]


def page_response(request: Request, page: object) -> Response:
    return json_response(request, page, CACHE_LIST)


@router.get(
    "/articles",
    summary="Articles, newest first",
    response_model=ArticlePage,
    responses=problems(400, 422, 503),
)
async def articles(
    request: Request,
    conn: Connection,
    site: Annotated[
        str | None, Query(max_length=253, description="Only this site's domain.")
    ] = None,
    tag: Annotated[
        str | None, Query(max_length=100, description="Only articles with this tag slug.")
    ] = None,
    lang: Language = None,
    published_after: Annotated[datetime | None, Query(description="Inclusive, ISO 8601.")] = None,
    published_before: Annotated[datetime | None, Query(description="Exclusive, ISO 8601.")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    where = ArticleFilter(site, tag, lang, published_after, published_before)
    return page_response(request, await list_articles(conn, where, cursor, limit))


@router.get(
    "/articles/{article_id}",
    summary="One article",
    response_model=Article,
    responses=problems(404, 422, 503),
)
async def article(
    request: Request,
    conn: Connection,
    article_id: Annotated[int, Path(ge=-(2**63), lt=2**63, description="The article's id.")],
) -> Response:
    found = await get_article(conn, article_id)
    if found is None:
        raise HTTPException(404, f"no article with id {article_id}")
    return json_response(request, found, CACHE_ITEM)
