"""GET /search and GET /search/suggest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from pressroom.api.articles import NO_NUL, Language, Timestamp
from pressroom.api.deps import DEFAULT_PAGE, Cursor, Limit, reading
from pressroom.api.query import documented, read_query
from pressroom.api.responses import CACHE_LIST, json_response
from pressroom.api.schemas import SearchPage, SuggestionList, problems
from pressroom.search.engine import SearchFilter, search_articles
from pressroom.search.suggest import suggest_titles
from pressroom.search.syntax import MAX_QUERY_LENGTH

router = APIRouter(tags=["search"])

Site = Annotated[
    str | None, Query(max_length=253, pattern=NO_NUL, description="Only this site's domain.")
]


def _filter(
    site: str | None,
    lang: str | None,
    after: datetime | None = None,
    before: datetime | None = None,
) -> SearchFilter:
    if after is not None and before is not None and after >= before:
        raise HTTPException(422, "`from` must be before `to`")
    return SearchFilter(site.lower() if site else None, lang, after, before)


class SearchQuery(BaseModel):
    """The query string of GET /search."""

    # No max_length here: a search too long is the search syntax's 400, like every other bad q.
    q: Annotated[
        str, Query(description=f"What to search for; up to {MAX_QUERY_LENGTH} characters.")
    ]
    site: Site = None
    lang: Language = None
    from_: Annotated[
        Timestamp, Query(alias="from", description="Published at or after; ISO 8601.")
    ] = None
    to: Annotated[Timestamp, Query(description="Published before; ISO 8601.")] = None
    limit: Limit = DEFAULT_PAGE
    cursor: Cursor = None


class SuggestQuery(BaseModel):
    """The query string of GET /search/suggest."""

    q: Annotated[str, Query(description="What has been typed so far.")]
    site: Site = None
    lang: Language = None
    limit: Annotated[int, Query(ge=1, le=20, description="Suggestions wanted.")] = 8


# Both routes read their query strings as one model (api/query.py): FastAPI's handling of them,
# parameter by parameter, cost a search 50-110 µs of CPU.
@router.get(
    "/search",
    summary="Search articles",
    description=(
        'Words are ANDed; `"a phrase"` matches words next to each other; `-word` excludes; '
        "`or` (or `|`, `یا`) between two words accepts either. Persian typed on an Arabic "
        "keyboard, with or without half-spaces, and Persian or Arabic-Indic digits find the "
        "same articles. Results are ranked by relevance × freshness (docs/search.md); "
        "`highlight` holds HTML-escaped title and summary with `<mark>` around the matches."
    ),
    response_model=SearchPage,
    responses=problems(400, 422, 503),
    openapi_extra=documented(SearchQuery),
)
async def search(request: Request) -> Response:
    params = read_query(request, SearchQuery)
    settings = request.app.state.settings
    where = _filter(params.site, params.lang, params.from_, params.to)
    async with reading(request) as conn:
        result = await search_articles(
            conn,
            params.q,
            where,
            cursor=params.cursor,
            limit=params.limit,
            half_life=timedelta(days=settings.search_half_life_days),
            newest=request.app.state.newest_seen,
            corrections=request.app.state.corrections,
        )
    return json_response(request, result.as_json(), CACHE_LIST)


@router.get(
    "/search/suggest",
    summary="Title suggestions as you type",
    description=(
        "The newest titles containing the words typed so far, the last one possibly "
        "unfinished; when too few match, typos are corrected and `corrected` says how."
    ),
    response_model=SuggestionList,
    responses=problems(400, 422, 503),
    openapi_extra=documented(SuggestQuery),
)
async def suggest(request: Request) -> Response:
    params = read_query(request, SuggestQuery)
    where = _filter(params.site, params.lang)
    async with reading(request) as conn:
        found = await suggest_titles(
            conn,
            params.q,
            where,
            limit=params.limit,
            newest=request.app.state.newest_seen,
            corrections=request.app.state.corrections,
        )
    return json_response(request, {"items": found.items, "corrected": found.corrected}, CACHE_LIST)
