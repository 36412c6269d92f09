"""The OpenAPI document describes every route, and real responses match its schemas."""

from __future__ import annotations

import httpx

from pressroom.api.schemas import Article, ArticlePage, Problem, Site, SitePage, TagPage

ROUTES = {
    "/search",
    "/search/suggest",
    "/articles",
    "/articles/{article_id}",
    "/sites",
    "/sites/{domain}",
    "/sites/{domain}/articles",
    "/tags",
    "/tags/{tag}/articles",
    "/health",
    "/ready",
    "/metrics",
    "/articles/{article_id}/history",
    "/articles/{article_id}/events",
    "/articles/{article_id}/restore",
    "/events",
    "/events/stream",
    "/ingest",
}


async def test_every_route_is_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert set(spec["paths"]) == ROUTES
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
    writes = spec["paths"]["/articles"]["post"]
    assert {"401", "403", "409", "422"} <= set(writes["responses"])
    schemas = spec["components"]["schemas"]
    for name in ("ArticleListItem", "Article", "Problem", "Draft", "Changes"):
        assert "example" in schemas[name], f"{name} has no example"
    assert (
        "application/problem+json"
        in spec["paths"]["/articles"]["get"]["responses"]["422"]["content"]
    )


async def test_responses_match_their_schemas(client: httpx.AsyncClient) -> None:
    page = ArticlePage.model_validate((await client.get("/articles")).json())
    Article.model_validate((await client.get(f"/articles/{page.items[0].id}")).json())
    sites = SitePage.model_validate((await client.get("/sites")).json())
    Site.model_validate((await client.get(f"/sites/{sites.items[0].domain}")).json())
    TagPage.model_validate((await client.get("/tags")).json())
    Problem.model_validate((await client.get("/articles/1")).json())
