"""The article endpoints: order, filters, keyset pagination, ETags, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.load import load_articles
from pressroom.sample import generate_articles

FEED_ORDER = "ORDER BY a.published_at DESC, a.id DESC"


async def _expected_ids(targets: DatabaseTargets, where: str = "true", *args: object) -> list[str]:
    conn = await asyncpg.connect(targets.reader)
    try:
        rows = await conn.fetch(
            "SELECT a.id FROM pressroom.articles a JOIN pressroom.sites s ON s.id = a.site_id "
            f"WHERE {where} {FEED_ORDER}",
            *args,
        )
    finally:
        await conn.close()
    return [str(r["id"]) for r in rows]


async def _walk(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_newest_first_with_list_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/articles")).json()
    assert len(body["items"]) == 20
    assert body["next_cursor"]
    first = body["items"][0]
    assert set(first) == {"id", "url", "title", "site", "language", "author", "published_at"}
    assert isinstance(first["id"], str)
    assert first["published_at"].endswith("Z")
    times = [item["published_at"] for item in body["items"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"lang": "fa"}, "a.language = 'fa'"),
        ({"published_after": "2024-01-01T00:00:00Z"}, "a.published_at >= '2024-01-01Z'"),
        ({"published_before": "2016-06-01T00:00:00Z"}, "a.published_at < '2016-06-01Z'"),
        (
            {
                "lang": "en",
                "published_after": "2020-01-01T00:00:00Z",
                "published_before": "2022-01-01T00:00:00Z",
            },
            "a.language = 'en' AND a.published_at >= '2020-01-01Z' AND a.published_at < '2022-01-01Z'",
        ),
    ],
)
async def test_filters_and_pagination_match_the_database(
    client: httpx.AsyncClient, corpus: DatabaseTargets, params: dict[str, str], where: str
) -> None:
    walked = await _walk(client, "/articles", limit=100, **params)
    assert [item["id"] for item in walked] == await _expected_ids(corpus, where)


async def test_site_and_tag_filters(client: httpx.AsyncClient, corpus: DatabaseTargets) -> None:
    site = (await client.get("/sites")).json()["items"][0]["domain"]
    by_query = await _walk(client, "/articles", site=site, limit=50)
    by_path = await _walk(client, f"/sites/{site}/articles", limit=50)
    expected = await _expected_ids(corpus, "s.domain = $1", site)
    assert [i["id"] for i in by_query] == [i["id"] for i in by_path] == expected
    assert {i["site"] for i in by_query} == {site}

    tag = (await client.get("/tags", params={"limit": 1})).json()["items"][0]["slug"]
    tagged = await _walk(client, f"/tags/{tag}/articles", limit=25)
    assert [i["id"] for i in tagged] == await _expected_ids(
        corpus,
        "EXISTS (SELECT 1 FROM pressroom.article_tags at JOIN pressroom.tags t ON t.id = at.tag_id "
        "WHERE at.article_id = a.id AND t.slug = $1)",
        tag,
    )
    assert [i["id"] for i in await _walk(client, "/articles", tag=tag, limit=25)] == [
        i["id"] for i in tagged
    ]


async def test_pages_stay_exact_while_articles_arrive(
    client: httpx.AsyncClient, corpus: DatabaseTargets
) -> None:
    before = await _expected_ids(corpus)
    seen: list[str] = []
    cursor = None
    newcomers = iter(generate_articles(40, 8, seed=2024, start=datetime(2015, 1, 1, tzinfo=UTC)))
    writer = await asyncpg.connect(corpus.writer)
    try:
        for _ in range(6):
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            body = (await client.get("/articles", params=params)).json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            # New articles, both newer than anything and scattered into pages not yet read.
            await load_articles(writer, [next(newcomers) for _ in range(5)])
        while cursor:
            body = (await client.get("/articles", params={"limit": 100, "cursor": cursor})).json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
    finally:
        await writer.close()
    assert len(seen) == len(set(seen)), "an article appeared twice"
    assert set(before) <= set(seen), "an article that existed all along was skipped"


async def test_one_article(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/articles", params={"limit": 1})).json()["items"][0]
    response = await client.get(f"/articles/{listed['id']}")
    assert response.status_code == 200
    article = response.json()
    assert article["id"] == listed["id"]
    assert article["title"] == listed["title"]
    assert article["site"]["domain"] == listed["site"]
    assert article["body"]
    assert isinstance(article["metadata"], dict)
    assert isinstance(article["tags"], list)
    assert "max-age" in response.headers["cache-control"]


async def test_etag_and_not_modified(client: httpx.AsyncClient) -> None:
    first = await client.get("/articles", params={"lang": "fa"})
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    again = await client.get("/articles", params={"lang": "fa"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await client.get("/articles", params={"lang": "en"}, headers={"If-None-Match": etag})
    assert other.status_code == 200


def _is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for leak in ("Traceback", "SELECT", "pressroom.", "asyncpg", 'File "'):
        assert leak not in response.text
    return body


async def test_unknown_ids_sites_and_tags_are_404(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/articles/1"), 404)
    _is_problem(await client.get("/sites/nowhere.example"), 404)
    _is_problem(await client.get("/sites/nowhere.example/articles"), 404)
    _is_problem(await client.get("/tags/no-such-tag/articles"), 404)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/articles?limit=101", "limit"),
        ("/articles?limit=0", "limit"),
        ("/articles?lang=persian", "lang"),
        ("/articles?published_after=yesterday", "published_after"),
        ("/articles/abc", "article_id"),
        ("/articles/99999999999999999999", "article_id"),
        ("/sites?limit=-1", "limit"),
    ],
)
async def test_bad_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, path: str, parameter: str
) -> None:
    body = _is_problem(await client.get(path), 422)
    assert parameter in body["detail"]
    assert body["errors"][0]["parameter"] == parameter


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "W10", "A" * 700])
async def test_malformed_cursors_are_400(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get("/articles", params={"cursor": cursor})
    assert response.status_code in (400, 422)
    if response.status_code == 400:
        assert _is_problem(response, 400)["parameter"] == "cursor"


async def test_a_cursor_for_another_query_is_refused(client: httpx.AsyncClient) -> None:
    cursor = (await client.get("/articles", params={"lang": "fa"})).json()["next_cursor"]
    body = _is_problem(await client.get("/articles", params={"lang": "en", "cursor": cursor}), 400)
    assert "different query" in body["detail"]


async def test_time_window_boundaries(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/articles", params={"limit": 1})).json()["items"][0]
    at = datetime.fromisoformat(listed["published_at"])
    inclusive = await client.get(
        "/articles", params={"published_after": at.isoformat(), "limit": 100}
    )
    assert listed["id"] in [i["id"] for i in inclusive.json()["items"]]
    exclusive = await client.get(
        "/articles",
        params={
            "published_before": at.isoformat(),
            "published_after": (at - timedelta(days=1)).isoformat(),
        },
    )
    assert listed["id"] not in [i["id"] for i in exclusive.json()["items"]]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/articles?site=a%00b", "site"),
        ("/articles?tag=%00", "tag"),
        ("/sites/x%00y/articles", "domain"),
        ("/articles?published_after=0001-01-01T00:00:00%2B01:00", "published_after"),
        ("/articles?published_before=9999-12-31T23:59:59Z", "published_before"),
    ],
)
async def test_values_postgres_would_refuse_are_422(
    client: httpx.AsyncClient, path: str, parameter: str
) -> None:
    body = _is_problem(await client.get(path), 422)
    assert body["errors"][0]["parameter"] == parameter


async def test_a_cursor_with_unicode_digits_is_400(client: httpx.AsyncClient) -> None:
    from pressroom.content.articles import ArticleFilter
    from pressroom.content.cursor import encode_cursor

    forged = encode_cursor("²", ArticleFilter().fingerprint())
    _is_problem(await client.get("/articles", params={"cursor": forged}), 400)


async def test_times_without_a_zone_are_utc(client: httpx.AsyncClient) -> None:
    naive = await client.get(
        "/articles", params={"published_after": "2024-01-01T00:00:00", "limit": 5}
    )
    aware = await client.get(
        "/articles", params={"published_after": "2024-01-01T00:00:00Z", "limit": 5}
    )
    assert naive.json() == aware.json()
