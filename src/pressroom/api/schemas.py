"""Response shapes, for the OpenAPI document and its examples.

Bodies are serialised straight from query results with orjson (faster than validating through
these models); tests/api/test_openapi.py checks real responses against these schemas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ARTICLE_ID_EXAMPLE = "3551571427366764544"


class ArticleListItem(BaseModel):
    id: str = Field(description="Article id: a 64-bit integer as a string (JavaScript-safe).")
    url: str
    title: str
    site: str = Field(description="The site's domain.")
    language: str
    author: str | None
    published_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": ARTICLE_ID_EXAMPLE,
                "url": "https://payamnews.com/economy/2024/01/bank-rates",
                "title": "بانک مرکزی نرخ سود را ثابت نگه داشت",
                "site": "payamnews.com",
                "language": "fa",
                "author": "مریم احمدی",
                "published_at": "2024-01-15T08:30:00Z",
            }
        }
    )


class ArticlePage(BaseModel):
    items: list[ArticleListItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class SiteRef(BaseModel):
    domain: str
    name: str


class Article(BaseModel):
    id: str
    url: str
    title: str
    summary: str
    body: str
    site: SiteRef
    language: str
    author: str | None
    published_at: datetime
    updated_at: datetime
    tags: list[str]
    version: int = Field(description="The article's version: how many events its stream holds.")
    metadata: dict[str, Any]

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": ARTICLE_ID_EXAMPLE,
                "url": "https://dailyherald.com/world/2024/01/summit",
                "title": "Leaders meet in Geneva for climate summit",
                "summary": "Talks open on Monday with funding at the top of the agenda.",
                "body": "GENEVA — Leaders gathered ...",
                "site": {"domain": "dailyherald.com", "name": "Daily Herald"},
                "language": "en",
                "author": "Jane Doe",
                "published_at": "2024-01-15T08:30:00Z",
                "updated_at": "2024-01-15T09:00:00Z",
                "tags": ["climate", "world"],
                "version": 3,
                "metadata": {"section": "world", "word_count": 642},
            }
        }
    )


class Site(BaseModel):
    domain: str
    name: str
    language: str
    created_at: datetime | None = None
    latest_published_at: datetime | None = None


class SitePage(BaseModel):
    items: list[Site]
    next_cursor: str | None


class Tag(BaseModel):
    slug: str
    name: str


class TagPage(BaseModel):
    items: list[Tag]
    next_cursor: str | None


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "about:blank",
                "title": "Invalid parameter",
                "status": 422,
                "detail": "invalid value for limit",
                "instance": "/articles",
                "errors": [
                    {
                        "parameter": "limit",
                        "in": "query",
                        "message": "Input should be less than or equal to 100",
                    }
                ],
            }
        },
    )


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": Problem, "content": {"application/problem+json": {}}}
        for status in statuses
    }


class Highlight(BaseModel):
    title: str
    summary: str


class SearchHit(ArticleListItem):
    score: float
    highlight: Highlight


class SearchTotal(BaseModel):
    value: int
    exact: bool


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None
    total: SearchTotal
    ignored_words: list[str]
    hint: str | None
    did_you_mean: str | None

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "id": ARTICLE_ID_EXAMPLE,
                        "url": "https://khabar.example/economy/1",
                        "title": "قیمت دلار در بازار تهران",
                        "site": "khabar.example",
                        "language": "fa",
                        "author": None,
                        "published_at": "2026-11-20T08:30:00Z",
                        "score": 0.41,
                        "highlight": {
                            "title": "<mark>قیمت</mark> <mark>دلار</mark> در بازار تهران",
                            "summary": "… <mark>قیمت</mark> <mark>دلار</mark> امروز …",
                        },
                    }
                ],
                "next_cursor": "WzEsIlsxNzYzNjI...",
                "total": {"value": 1250, "exact": False},
                "ignored_words": [],
                "hint": None,
                "did_you_mean": None,
            }
        }
    )


class Suggestion(BaseModel):
    id: str
    title: str
    site: str
    published_at: datetime


class SuggestionList(BaseModel):
    items: list[Suggestion]
    corrected: str | None
