"""Sites and tags, and the articles of each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
from fastapi import APIRouter, HTTPException, Path, Request
from starlette.responses import Response

from pressroom.api.articles import NO_NUL, Language, page_response
from pressroom.api.deps import DEFAULT_PAGE, Cursor, Limit, reading
from pressroom.api.responses import CACHE_DIRECTORY, json_response
from pressroom.api.schemas import ArticlePage, Site, SitePage, TagPage, problems
from pressroom.content.articles import ArticleFilter, list_articles
from pressroom.content.sites import get_site, list_sites, site_exists
from pressroom.content.tags import list_tags, tag_exists

router = APIRouter()

Domain = Annotated[
    str, Path(max_length=253, pattern=NO_NUL, description="The site's domain, e.g. payamnews.com")
]
TagSlug = Annotated[str, Path(max_length=100, pattern=NO_NUL, description="The tag's slug")]


async def _feed_or_404(
    request: Request,
    where: ArticleFilter,
    cursor: str | None,
    limit: int,
    exists: Callable[[asyncpg.Connection], Awaitable[bool]],
    missing: str,
) -> Response:
    async with reading(request) as conn:
        page = await list_articles(conn, where, cursor, limit)
        # Only an empty page costs the extra look-up that tells "no such site/tag" from "no
        # articles".
        if not page.items and not await exists(conn):
            raise HTTPException(404, missing)
    return page_response(request, page)


@router.get(
    "/sites",
    tags=["sites"],
    summary="All sites",
    response_model=SitePage,
    responses=problems(400, 422, 503),
)
async def sites(request: Request, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response:
    async with reading(request) as conn:
        page = await list_sites(conn, cursor, limit)
    return json_response(request, page, CACHE_DIRECTORY)


@router.get(
    "/sites/{domain}",
    tags=["sites"],
    summary="One site",
    response_model=Site,
    responses=problems(404, 503),
)
async def site(request: Request, domain: Domain) -> Response:
    async with reading(request) as conn:
        found = await get_site(conn, domain.lower())
    if found is None:
        raise HTTPException(404, f"no site {domain!r}")
    return json_response(request, found, CACHE_DIRECTORY)


@router.get(
    "/sites/{domain}/articles",
    tags=["sites"],
    summary="A site's articles, newest first",
    response_model=ArticlePage,
    responses=problems(400, 404, 422, 503),
)
async def site_articles(
    request: Request,
    domain: Domain,
    lang: Language = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    name = domain.lower()
    where = ArticleFilter(site=name, language=lang)

    async def exists(conn: asyncpg.Connection) -> bool:
        return await site_exists(conn, name)

    return await _feed_or_404(request, where, cursor, limit, exists, f"no site {domain!r}")


@router.get(
    "/tags",
    tags=["tags"],
    summary="All tags",
    response_model=TagPage,
    responses=problems(400, 422, 503),
)
async def tags(request: Request, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response:
    async with reading(request) as conn:
        page = await list_tags(conn, cursor, limit)
    return json_response(request, page, CACHE_DIRECTORY)


@router.get(
    "/tags/{tag}/articles",
    tags=["tags"],
    summary="Articles with a tag, newest first",
    response_model=ArticlePage,
    responses=problems(400, 404, 422, 503),
)
async def tag_articles(
    request: Request,
    tag: TagSlug,
    lang: Language = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    where = ArticleFilter(tag=tag, language=lang)

    async def exists(conn: asyncpg.Connection) -> bool:
        return await tag_exists(conn, tag)

    return await _feed_or_404(request, where, cursor, limit, exists, f"no tag {tag!r}")
