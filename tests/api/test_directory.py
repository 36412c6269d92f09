"""Sites and tags."""

from __future__ import annotations

import httpx

from pressroom.sample import sample_sites
from tests.api.conftest import CORPUS_SITES


async def test_sites_are_listed_by_domain_with_pages(client: httpx.AsyncClient) -> None:
    first = (await client.get("/sites", params={"limit": 3})).json()
    rest = (
        await client.get("/sites", params={"limit": 100, "cursor": first["next_cursor"]})
    ).json()
    domains = [s["domain"] for s in first["items"] + rest["items"]]
    assert domains == sorted(s.domain for s in sample_sites(CORPUS_SITES))
    assert rest["next_cursor"] is None


async def test_one_site(client: httpx.AsyncClient) -> None:
    site = sample_sites(CORPUS_SITES)[0]
    body = (await client.get(f"/sites/{site.domain.upper()}")).json()
    assert (body["domain"], body["name"], body["language"]) == (
        site.domain,
        site.name,
        site.language,
    )
    assert body["latest_published_at"]


async def test_tags_are_listed_with_pages(client: httpx.AsyncClient) -> None:
    slugs: list[str] = []
    cursor = None
    while True:
        body = (
            await client.get(
                "/tags", params={"limit": 50, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        slugs += [t["slug"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert slugs == sorted(slugs)
    assert len(slugs) == len(set(slugs)) > 10
