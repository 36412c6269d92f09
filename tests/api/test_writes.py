"""The write routes: keys, events behind every write, conditional and idempotent requests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import uvicorn

from pressroom.access.keys import Scope, create_key
from pressroom.api.app import create_app
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.local.ports import free_port
from pressroom.sample import generate_articles
from tests.api.conftest import app_settings, open_client
from tests.events.helpers import draft


@pytest.fixture(scope="module")
def tokens(database: DatabaseTargets) -> dict[str, str]:
    async def make() -> dict[str, str]:
        conn = await asyncpg.connect(database.writer)
        try:
            _, writer = await create_key(conn, "tests", [Scope.WRITE])
            _, reader = await create_key(conn, "no scope", [])
            revoked, gone = await create_key(conn, "revoked", [Scope.WRITE])
            await conn.execute(
                "UPDATE pressroom.api_keys SET revoked_at = now() WHERE id = $1", revoked.id
            )
            return {"write": writer, "none": reader, "revoked": gone}
        finally:
            await conn.close()

    return asyncio.run(make())


@pytest.fixture
async def client(stack: Settings, database: DatabaseTargets) -> AsyncIterator[httpx.AsyncClient]:
    async for http in open_client(create_app(app_settings(stack), targets=database)):
        yield http


def _auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


async def _publish(client: httpx.AsyncClient, token: str, n: int, **fields: Any) -> httpx.Response:
    return await client.post("/articles", json=draft(n, **fields), headers=_auth(token))


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic abc"}, 401),
        ("revoked", 401),
        ("none", 403),
        ({"Authorization": "Bearer prk_nosuchkey_secret"}, 401),
    ],
)
async def test_writes_need_a_key_with_the_write_scope(
    client: httpx.AsyncClient, tokens: dict[str, str], headers: Any, status: int
) -> None:
    if isinstance(headers, str):
        headers = _auth(tokens[headers])
    response = await client.post("/articles", json=draft(1), headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_publish_then_read_it_back(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    created = await _publish(client, tokens["write"], 10, tags=["Climate"])
    assert created.status_code == 201, created.text
    article = created.json()
    assert created.headers["location"] == f"/articles/{article['id']}"
    assert (article["version"], article["tags"], article["site"]["domain"]) == (
        1,
        ["climate"],
        "news.example.org",
    )
    fetched = await client.get(f"/articles/{article['id']}")
    assert fetched.json() == article
    assert fetched.headers["etag"] == created.headers["etag"]
    found = (await client.get("/search", params={"q": "story number 10"})).json()
    assert article["id"] in [item["id"] for item in found["items"]]
    again = await _publish(client, tokens["write"], 10)
    assert again.status_code == 409
    assert again.json()["article_id"] == article["id"]


async def test_an_article_of_four_mebibytes_is_published_and_found(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    """The largest body the rules accept, of words all distinct: search terms come from its
    beginning (migration 0015), so the write succeeds instead of overflowing a tsvector."""
    words = [f"w{hashlib.md5(str(n).encode()).hexdigest()}" for n in range(120_000)]  # noqa: S324
    body = " ".join(words)
    assert 4_000_000 < len(body.encode()) <= 4 * 1024 * 1024
    created = await _publish(client, tokens["write"], 20, body=body)
    assert created.status_code == 201, created.text[:500]
    article_id = created.json()["id"]
    found = (await client.get("/search", params={"q": words[0]})).json()
    assert [item["id"] for item in found["items"]] == [article_id]
    beyond = (await client.get("/search", params={"q": words[-1]})).json()
    assert beyond["items"] == []
    assert (await client.get(f"/articles/{article_id}")).json()["body"] == body


async def test_writes_keep_the_search_pending_list_short(
    client: httpx.AsyncClient, tokens: dict[str, str], database: DatabaseTargets
) -> None:
    """Every search statement reads the search index's GIN pending list whole; the API's
    writes keep it at 256 kB (db/pool.py), where PostgreSQL's 4 MB default let these thirty
    articles of sample text pile up about three pages each."""
    admin = await asyncpg.connect(database.admin or "")
    try:
        await admin.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        await admin.execute("SELECT gin_clean_pending_list('pressroom.search_documents_terms')")
        pending = "SELECT pending_pages FROM pgstatginindex('pressroom.search_documents_terms')"
        most = 0
        for n, article in enumerate(generate_articles(30, 3, seed=17)):
            created = await _publish(client, tokens["write"], 900 + n, body=article.body)
            assert created.status_code == 201, created.text
            most = max(most, await admin.fetchval(pending))
        assert 0 < most <= 256 // 8
    finally:
        await admin.close()


async def test_bad_articles_are_refused_naming_the_fields(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    bad = await _publish(client, tokens["write"], 11, url="ftp://x", published_at="2026")
    assert bad.status_code == 422
    assert {e["parameter"] for e in bad.json()["errors"]} == {"url", "published_at"}
    unknown = await client.post(
        "/articles", json={**draft(11), "colour": 1}, headers=_auth(tokens["write"])
    )
    assert unknown.status_code == 422
    assert "colour" in unknown.text


async def test_idempotency_key_makes_retries_safe(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    headers = _auth(tokens["write"], **{"Idempotency-Key": "retry-12"})
    first = await client.post("/articles", json=draft(12), headers=headers)
    retry = await client.post("/articles", json=draft(12), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    other = await client.post("/articles", json=draft(13), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    history = (await client.get(f"/articles/{first.json()['id']}/history")).json()
    assert len(history["events"]) == 1
    assert history["events"][0]["metadata"]["idempotency_key"] == "retry-12"


async def test_if_match_guards_revisions(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    article = (await _publish(client, tokens["write"], 14)).json()
    etag = (await client.get(f"/articles/{article['id']}")).headers["etag"]
    path = f"/articles/{article['id']}"
    changed = await client.patch(
        path,
        json={"title": "Revised", "tags": ["a", "b"]},
        headers=_auth(tokens["write"], **{"If-Match": etag}),
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["title"], changed.json()["tags"], changed.json()["version"]) == (
        "Revised",
        ["a", "b"],
        4,
    )  # revised, tagged, untagged
    stale = await client.patch(
        path, json={"title": "Lost update"}, headers=_auth(tokens["write"], **{"If-Match": etag})
    )
    assert stale.status_code == 412
    assert (await client.get(path)).json()["title"] == "Revised"
    current = changed.headers["etag"]
    weak = await client.patch(
        path, json={"title": "x"}, headers=_auth(tokens["write"], **{"If-Match": f"W/{current}"})
    )
    assert weak.status_code == 412  # If-Match compares strongly
    same = await client.patch(
        path, json={"title": "Revised"}, headers=_auth(tokens["write"], **{"If-Match": current})
    )
    assert same.status_code == 200
    assert same.json()["version"] == 4
    missing = await client.patch("/articles/1", json={"title": "x"}, headers=_auth(tokens["write"]))
    assert missing.status_code == 404


async def test_retract_and_restore(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    article = (await _publish(client, tokens["write"], 15)).json()
    path = f"/articles/{article['id']}"
    gone = await client.delete(path, params={"reason": "duplicate"}, headers=_auth(tokens["write"]))
    assert gone.status_code == 204
    assert (await client.get(path)).status_code == 404
    listed = (await client.get("/articles", params={"limit": 100})).json()["items"]
    assert article["id"] not in [item["id"] for item in listed]
    assert (
        await client.patch(path, json={"title": "x"}, headers=_auth(tokens["write"]))
    ).status_code == 409
    assert (await client.delete(path, headers=_auth(tokens["write"]))).status_code == 409
    back = await client.post(
        f"{path}/restore", json={"reason": "not a duplicate"}, headers=_auth(tokens["write"])
    )
    assert back.status_code == 200
    assert back.json()["version"] == 3
    assert (await client.post(f"{path}/restore", headers=_auth(tokens["write"]))).status_code == 409
    history = (await client.get(f"{path}/history")).json()["events"]
    assert [e["type"] for e in history] == [
        "article.published",
        "article.retracted",
        "article.restored",
    ]
    assert history[1]["data"] == {"reason": "duplicate"}
    assert history[1]["metadata"]["actor"].startswith("key:")


async def test_raw_append_with_expected_version(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    article = (await _publish(client, tokens["write"], 16)).json()
    path = f"/articles/{article['id']}/events"
    batch = {
        "expected_version": 1,
        "events": [
            {"type": "article.tagged", "data": {"tags": ["x"]}},
            {"type": "article.revised", "data": {"summary": "New summary"}},
        ],
    }
    appended = await client.post(path, json=batch, headers=_auth(tokens["write"]))
    assert appended.status_code == 201, appended.text
    assert (appended.json()["first_version"], appended.json()["last_version"]) == (2, 3)
    conflict = await client.post(path, json=batch, headers=_auth(tokens["write"]))
    assert conflict.status_code == 409
    assert conflict.json()["current_version"] == 3
    bad = await client.post(
        path,
        json={"events": [{"type": "article.revised", "data": {}}]},
        headers=_auth(tokens["write"]),
    )
    assert bad.status_code == 422
    publish = await client.post(
        path,
        json={"events": [{"type": "article.published", "data": draft(99)}]},
        headers=_auth(tokens["write"]),
    )
    assert publish.status_code == 422
    assert (
        await client.post("/articles/5/events", json=batch, headers=_auth(tokens["write"]))
    ).status_code == 404


async def test_feed_pages(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    await _publish(client, tokens["write"], 17)
    await asyncio.sleep(0.5)  # the app's sequencer numbers it
    seen: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (await client.get("/events", params={"after": after, "limit": 3})).json()
        if not page["events"]:
            break
        seen += page["events"]
        after = page["next_after"]
    assert [e["position"] for e in seen] == list(range(1, len(seen) + 1))
    assert any(e["data"].get("url", "").endswith("/story/17") for e in seen)


async def test_server_sent_events(
    stack: Settings, database: DatabaseTargets, tokens: dict[str, str]
) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app_settings(stack), targets=database), port=port, log_level="warning"
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            head = (await http.get("/events", params={"after": 0, "limit": 1000})).json()[
                "next_after"
            ]
            frames: list[str] = []

            async def listen() -> None:
                headers = {"Last-Event-ID": str(head)}
                async with http.stream("GET", "/events/stream", headers=headers) as response:
                    assert response.headers["content-type"].startswith("text/event-stream")
                    async for line in response.aiter_lines():
                        frames.append(line)
                        if (
                            line.startswith("data:")
                            and sum(f.startswith("data:") for f in frames) == 2
                        ):
                            return

            listener = asyncio.create_task(listen())
            await asyncio.sleep(0.3)
            created = await http.post("/articles", json=draft(18), headers=_auth(tokens["write"]))
            await http.patch(
                f"/articles/{created.json()['id']}",
                json={"title": "Live"},
                headers=_auth(tokens["write"]),
            )
            await asyncio.wait_for(listener, 10)
        ids = [int(f[4:]) for f in frames if f.startswith("id: ")]
        assert ids == [head + 1, head + 2]
        assert [f for f in frames if f.startswith("event: ")] == [
            "event: article.published",
            "event: article.revised",
        ]
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


async def test_a_body_that_is_not_json_is_refused(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    response = await client.post(
        "/articles",
        content=b"{not json",
        headers=_auth(tokens["write"], **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_ingest_ndjson(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    lines = [orjson.dumps(draft(n)) for n in range(600, 605)] + [b"{broken", b""]
    body = b"\n".join(lines)
    denied = await client.post("/ingest", content=body)
    assert denied.status_code == 401
    response = await client.post(
        "/ingest",
        content=body,
        params={"batch_size": 2},
        headers=_auth(tokens["write"], **{"Content-Type": "application/x-ndjson"}),
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (6, 5, 1)
    assert summary["rejects"][0]["line"] == 6
    again = (await client.post("/ingest", content=body, headers=_auth(tokens["write"]))).json()
    assert (again["inserted"], again["unchanged"]) == (0, 5)
    history = (
        await client.get(
            f"/articles/{(await client.get('/articles')).json()['items'][0]['id']}/history"
        )
    ).json()
    assert history["events"][0]["metadata"]["actor"].startswith("key:")


async def test_a_retried_conditional_write_gets_its_first_result(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    article = (await _publish(client, tokens["write"], 700)).json()
    path = f"/articles/{article['id']}"
    etag = (await client.get(path)).headers["etag"]
    headers = _auth(tokens["write"], **{"If-Match": etag, "Idempotency-Key": "patch-700"})
    first = await client.patch(path, json={"title": "Once"}, headers=headers)
    retry = await client.patch(path, json={"title": "Once"}, headers=headers)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.headers["idempotent-replayed"] == "true"
    gone = _auth(tokens["write"], **{"Idempotency-Key": "delete-700"})
    assert (await client.delete(path, headers=gone)).status_code == 204
    again = await client.delete(path, headers=gone)
    assert again.status_code == 204
    assert again.headers["idempotent-replayed"] == "true"
    history = (await client.get(f"{path}/history")).json()["events"]
    assert [e["type"] for e in history] == [
        "article.published",
        "article.revised",
        "article.retracted",
    ]
