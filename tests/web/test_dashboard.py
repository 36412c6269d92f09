"""The dashboard over the real test stack, through httpx: logging in and out, keys and scopes,
CSRF, every page, escaping, the actions against real backends, explain errors, and an
unreachable database."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI

from pressroom.access.keys import revoke_key
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.insights.sections import SECTIONS
from pressroom.web.app import create_dashboard
from pressroom.web.pages import Dashboard
from tests.insights.helpers import connected
from tests.web.conftest import (
    Keys,
    csrf_of,
    dashboard_settings,
    log_in,
    make_dashboard,
    open_client,
)

HTML = {"Accept": "text/html,application/xhtml+xml"}
PAGES = ["", *SECTIONS, "explain"]
EVIL = '<script>alert("pwned")</script>'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _cookie(response: httpx.Response, name: str) -> Any:
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name]
    raise AssertionError(f"no {name} cookie set")


async def _post(http: httpx.AsyncClient, path: str, page: str, **fields: str) -> httpx.Response:
    """Post a form the way the page would: with the page's anti-CSRF token."""
    token = csrf_of((await http.get(page)).text)
    return await http.post(path, data={"csrf": token, "back": page, **fields})


@contextlib.asynccontextmanager
async def session(
    dsn: str, application: str = "dashboard-test"
) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(dsn, server_settings={"application_name": application})
    try:
        yield conn
    finally:
        conn.terminate()


async def _eventually_active(admin: asyncpg.Connection, marker: str) -> int:
    for _ in range(200):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 "
            "AND pid <> pg_backend_pid()",
            f"%{marker}%",
        )
        if pid:
            return int(pid)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no active backend running {marker}")


# -- logging in and out ----------------------------------------------------------------------------


async def test_a_browser_without_a_session_is_sent_to_the_login_page(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get("/dashboard/queries?window=1h", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/dashboard/login?next=%2Fdashboard%2Fqueries%3Fwindow%3D1h"
    )
    login = await anonymous.get(response.headers["location"])
    assert login.status_code == 200
    assert 'name="next" value="/dashboard/queries?window=1h"' in login.text
    cookie = _cookie(login, "pressroom_login")
    assert cookie["httponly"]
    assert cookie["samesite"] == "strict"


async def test_health_answers_without_a_key(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/dashboard/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_a_script_without_a_key_gets_401(anonymous: httpx.AsyncClient) -> None:
    for path in ["/dashboard", "/dashboard/activity", "/dashboard/api/overview"]:
        response = await anonymous.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Bearer")
    bad = await anonymous.get("/dashboard", headers=bearer("prk_nothere_nope"))
    assert bad.status_code == 401
    assert "unknown or revoked" in bad.text


async def test_a_write_only_key_gets_403(anonymous: httpx.AsyncClient, keys: Keys) -> None:
    response = await anonymous.get("/dashboard", headers=bearer(keys.write))
    assert response.status_code == 403
    assert "no admin scope" in response.text
    login = await log_in(anonymous, keys.write)
    assert login.status_code == 403
    assert "no admin scope" in login.text
    assert "pressroom_dashboard" not in anonymous.cookies


async def test_login_sets_a_strict_session_cookie_and_logout_ends_it(
    anonymous: httpx.AsyncClient, keys: Keys
) -> None:
    wrong = await log_in(anonymous, "prk_abc_wrong")
    assert wrong.status_code == 401
    assert "unknown or revoked" in wrong.text

    response = await log_in(anonymous, keys.admin)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = _cookie(response, "pressroom_dashboard")
    assert cookie["httponly"]
    assert cookie["samesite"] == "strict"
    assert cookie["path"] == "/dashboard"
    assert keys.admin not in response.headers.get("set-cookie", "")
    # The secret is all that follows the id; token_urlsafe() may put "_" inside it (seen in CI).
    assert keys.admin.split("_", 2)[2] not in cookie.value

    page = await anonymous.get("/dashboard")
    assert page.status_code == 200
    assert "dashboard test admin" in page.text

    refused = await anonymous.post("/dashboard/logout", data={"csrf": "not-the-token"})
    assert refused.status_code == 403
    assert (await anonymous.get("/dashboard")).status_code == 200

    out = await anonymous.post("/dashboard/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    assert out.headers["location"] == "/dashboard/login"
    assert (await anonymous.get("/dashboard")).status_code == 401


async def test_the_login_form_needs_its_own_token(anonymous: httpx.AsyncClient, keys: Keys) -> None:
    response = await anonymous.post("/dashboard/login", data={"token": keys.admin})
    assert response.status_code == 403
    assert "pressroom_dashboard" not in anonymous.cookies


async def test_next_cannot_leave_the_dashboard(anonymous: httpx.AsyncClient, keys: Keys) -> None:
    form = await anonymous.get("/dashboard/login", params={"next": "https://evil.example/x"})
    assert 'name="next" value="/dashboard"' in form.text
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token
    response = await anonymous.post(
        "/dashboard/login",
        data={"token": keys.admin, "login_csrf": token[1], "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/dashboard"


async def test_revoking_the_key_ends_its_sessions(
    stack: Settings, database: DatabaseTargets, writer: asyncpg.Connection
) -> None:
    from pressroom.access.keys import Scope, create_key

    key, token = await create_key(writer, "short-lived admin", [Scope.ADMIN])
    app = make_dashboard(stack, database)
    async for http in open_client(app):
        assert (await log_in(http, token)).status_code == 303
        assert (await http.get("/dashboard/indexes")).status_code == 200
        await revoke_key(writer, key.id)
        dashboard: Dashboard = app.state.dashboard
        for live in list(dashboard.sessions._sessions.values()):
            live.checked -= 3600  # as if the last recheck were an hour ago
        assert (await http.get("/dashboard/indexes")).status_code == 401
        assert (await http.get("/dashboard/indexes", headers=bearer(token))).status_code == 401


# -- pages ----------------------------------------------------------------------------------------


async def test_every_page_renders(browser_like: httpx.AsyncClient) -> None:
    for name in PAGES:
        response = await browser_like.get(f"/dashboard/{name}".rstrip("/"))
        assert response.status_code == 200, (name, response.text[:2000])
        html = response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        for spec in SECTIONS.values():  # the sidebar, with a dot per section
            assert f'href="/dashboard/{spec.name}"' in html
        if name in SECTIONS:
            assert f"<h1>{SECTIONS[name].title}</h1>" in html
            assert 'class="finding' in html or 'class="passed"' in html
    overview = (await browser_like.get("/dashboard")).text
    # After the overview every section has a status dot, and every check is listed.
    assert "dot-unknown" not in overview.split("<main>")[0]
    assert overview.count('class="score score-') == len(SECTIONS)
    for name in SECTIONS:
        assert f'href="/dashboard/{name}"' in overview


async def test_statements_are_escaped_everywhere(
    browser_like: httpx.AsyncClient, database: DatabaseTargets
) -> None:
    assert database.admin is not None
    async with session(database.admin) as conn:
        # Constants become $n in pg_stat_statements; comments and identifiers stay as typed.
        await conn.fetchval(f"SELECT pg_sleep(0.3), 1 AS web_escaping_probe /* {EVIL} */")
    queries = await browser_like.get("/dashboard/queries")
    assert queries.status_code == 200
    assert "web_escaping_probe" in queries.text
    assert "<script>alert" not in queries.text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in queries.text
    # Each statement links to its plan.
    link = re.search(r'href="(/dashboard/explain\?queryid=-?\d+)"', queries.text)
    assert link, "no explain link on the queries page"
    plan = await browser_like.get(link[1].replace("&amp;", "&"))
    assert plan.status_code in (200, 422)
    assert "<script>alert" not in plan.text

    explained = await browser_like.get(
        "/dashboard/explain", params={"statement": f"SELECT '{EVIL}'::text"}
    )
    assert explained.status_code == 200
    assert "<script>alert" not in explained.text
    assert "&lt;script&gt;" in explained.text


async def test_a_window_is_read_and_kept_in_links(browser_like: httpx.AsyncClient) -> None:
    response = await browser_like.get("/dashboard/queries", params={"window": "1d"})
    assert response.status_code == 200
    assert 'href="/dashboard/space?window=1d"' in response.text
    assert '<option value="1d" selected>' in response.text
    custom = await browser_like.get("/dashboard/space", params={"window": "custom", "since": "2h"})
    assert custom.status_code == 200
    assert 'href="/dashboard/indexes?window=custom&amp;since=2h"' in custom.text
    bad = await browser_like.get("/dashboard/space", params={"window": "custom", "since": "soon"})
    assert bad.status_code == 200
    assert "Window ignored" in bad.text


async def test_unknown_pages_and_methods(browser_like: httpx.AsyncClient) -> None:
    missing = await browser_like.get("/dashboard/nope")
    assert missing.status_code == 404
    assert "no such page" in missing.text
    wrong = await browser_like.get("/dashboard/snapshot")
    assert wrong.status_code == 405
    static = await browser_like.get("/dashboard/static/dashboard.css")
    assert static.status_code == 200
    assert static.headers["x-content-type-options"] == "nosniff"


async def test_json_for_scripts(anonymous: httpx.AsyncClient, keys: Keys) -> None:
    response = await anonymous.get("/dashboard/api/indexes", headers=bearer(keys.admin))
    assert response.status_code == 200
    document = orjson.loads(response.content)
    assert document["name"] == "indexes"
    assert {f["check"].split(".")[0] for f in document["findings"]} == {"indexes"}
    overview = orjson.loads(
        (await anonymous.get("/dashboard/api/overview", headers=bearer(keys.admin))).content
    )
    assert [s["name"] for s in overview["sections"]] == list(SECTIONS)
    missing = await anonymous.get("/dashboard/api/nope", headers=bearer(keys.admin))
    assert missing.status_code == 404


# -- actions --------------------------------------------------------------------------------------


async def test_actions_need_the_session_token(browser_like: httpx.AsyncClient) -> None:
    for fields in ({}, {"csrf": "forged"}, {"csrf": ""}):
        response = await browser_like.post(
            "/dashboard/snapshot", data={**fields, "confirmed": "yes"}
        )
        assert response.status_code == 403, fields
        assert "did not come from your dashboard session" in response.text
    not_a_form = await browser_like.post(
        "/dashboard/snapshot",
        content=b'{"confirmed": "yes"}',
        headers={"Content-Type": "application/json"},
    )
    assert not_a_form.status_code == 415


async def test_another_sessions_token_does_not_work(
    app: FastAPI, browser_like: httpx.AsyncClient, keys: Keys
) -> None:
    async for other in open_client(app):
        await log_in(other, keys.admin)
        foreign = csrf_of((await other.get("/dashboard/space")).text)
        response = await browser_like.post(
            "/dashboard/snapshot", data={"csrf": foreign, "confirmed": "yes"}
        )
        assert response.status_code == 403


async def test_actions_are_post_only_and_admin_only(
    anonymous: httpx.AsyncClient, keys: Keys
) -> None:
    assert (
        await anonymous.post("/dashboard/snapshot", data={"confirmed": "yes"})
    ).status_code == 401
    write = await anonymous.post(
        "/dashboard/snapshot", data={"confirmed": "yes"}, headers=bearer(keys.write)
    )
    assert write.status_code == 403


async def test_cancel_and_terminate_a_backend(
    browser_like: httpx.AsyncClient, database: DatabaseTargets
) -> None:
    assert database.admin is not None
    async with connected(database.admin) as admin, session(database.writer, EVIL) as sleeper:
        sleeping = asyncio.create_task(sleeper.fetchval("SELECT pg_sleep(60) /* cancel-me */"))
        pid = await _eventually_active(admin, "cancel-me")
        confirm = await _post(
            browser_like, "/dashboard/activity/cancel", "/dashboard/activity", pid=str(pid)
        )
        assert confirm.status_code == 200
        assert f"Cancel the statement running in session {pid}?" in confirm.text
        assert "pg_sleep(60) /* cancel-me */" in confirm.text
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in confirm.text
        assert "<script>alert" not in confirm.text
        assert not sleeping.done()
        done = await browser_like.post(
            "/dashboard/activity/cancel",
            data={
                "csrf": csrf_of(confirm.text),
                "pid": str(pid),
                "confirmed": "yes",
                "back": "/dashboard/activity",
            },
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/dashboard/activity"
        with pytest.raises(asyncpg.QueryCanceledError):
            await asyncio.wait_for(sleeping, 10)
        flashed = await browser_like.get("/dashboard/activity")
        assert f"Sent a cancel to session {pid}." in flashed.text
        # The session survives a cancel ...
        assert await sleeper.fetchval("SELECT 1") == 1

        # ... and not a terminate.
        sleeping = asyncio.create_task(sleeper.fetchval("SELECT pg_sleep(60) /* end-me */"))
        pid = await _eventually_active(admin, "end-me")
        page = await browser_like.get("/dashboard/activity")
        done = await browser_like.post(
            "/dashboard/activity/terminate",
            data={"csrf": csrf_of(page.text), "pid": str(pid), "confirmed": "yes"},
        )
        assert done.status_code == 303
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await asyncio.wait_for(sleeping, 10)
        assert (
            sleeper.is_closed()
            or await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)
            == 0
        )


async def test_signalling_a_backend_that_is_gone_says_so(browser_like: httpx.AsyncClient) -> None:
    page = await browser_like.get("/dashboard/activity")
    response = await browser_like.post(
        "/dashboard/activity/cancel",
        data={"csrf": csrf_of(page.text), "pid": "2147483000", "confirmed": "yes"},
    )
    assert response.status_code == 303
    after = await browser_like.get("/dashboard/activity")
    assert "no PostgreSQL session with pid 2147483000" in after.text
    bad = await browser_like.post(
        "/dashboard/activity/cancel", data={"csrf": csrf_of(after.text), "pid": "x; DROP"}
    )
    assert bad.status_code == 400


async def test_scripts_act_with_a_bearer_key_and_no_token(
    anonymous: httpx.AsyncClient, keys: Keys, database: DatabaseTargets
) -> None:
    assert database.admin is not None
    async with connected(database.admin) as admin:
        try:
            before = await admin.fetchval("SELECT count(*) FROM pressroom_insights.snapshots")
        except asyncpg.UndefinedTableError:
            before = 0
        confirm = await anonymous.post("/dashboard/snapshot", headers=bearer(keys.admin), data={})
        assert confirm.status_code == 200
        assert "Take a snapshot now?" in confirm.text
        done = await anonymous.post(
            "/dashboard/snapshot", headers=bearer(keys.admin), data={"confirmed": "yes"}
        )
        assert done.status_code == 200
        assert "Took a snapshot at" in done.text
        after = await admin.fetchval("SELECT count(*) FROM pressroom_insights.snapshots")
        assert after == before + 1


async def test_take_a_snapshot_and_reset_statistics(
    browser_like: httpx.AsyncClient, database: DatabaseTargets
) -> None:
    assert database.admin is not None
    async with connected(database.admin) as admin:
        done = await _post(
            browser_like, "/dashboard/snapshot", "/dashboard/space?window=1d", confirmed="yes"
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/dashboard/space?window=1d"
        assert "Took a snapshot" in (await browser_like.get(done.headers["location"])).text

        await admin.fetchval("SELECT 42 AS web_reset_probe")
        probe = "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%web_reset_probe%'"
        assert await admin.fetchval(probe) >= 1
        confirm = await _post(browser_like, "/dashboard/queries/reset", "/dashboard/queries")
        assert "Reset the query statistics?" in confirm.text
        assert await admin.fetchval(probe) >= 1
        done = await browser_like.post(
            "/dashboard/queries/reset",
            data={"csrf": csrf_of(confirm.text), "confirmed": "yes", "back": "/dashboard/queries"},
        )
        assert done.status_code == 303
        assert await admin.fetchval(probe) == 0


# -- explain --------------------------------------------------------------------------------------


async def test_explain_and_analyze(browser_like: httpx.AsyncClient) -> None:
    page = await browser_like.get("/dashboard/explain")
    assert "ANALYZE runs the statement" in page.text
    statement = "SELECT relname FROM pg_class WHERE relkind = 'r' ORDER BY relpages DESC LIMIT 3"
    planned = await browser_like.post(
        "/dashboard/explain", data={"csrf": csrf_of(page.text), "statement": statement}
    )
    assert planned.status_code == 200
    assert "estimated: nothing was run" in planned.text
    assert "Limit" in planned.text
    analyzed = await browser_like.post(
        "/dashboard/explain",
        data={"csrf": csrf_of(page.text), "statement": statement, "analyze": "on"},
    )
    assert analyzed.status_code == 200
    assert "analyzed: run once, read-only and rolled back" in analyzed.text
    assert 'class="hot"' in analyzed.text
    forged = await browser_like.post(
        "/dashboard/explain", data={"statement": statement, "analyze": "on"}
    )
    assert forged.status_code == 403


async def test_explain_errors_never_show_table_data(
    browser_like: httpx.AsyncClient, database: DatabaseTargets
) -> None:
    async with session(database.owner) as owner:
        await owner.execute(
            "CREATE TABLE IF NOT EXISTS web_secrets (v text); "
            "INSERT INTO web_secrets VALUES ('hunter2-secret-value')"
        )
    csrf = csrf_of((await browser_like.get("/dashboard/explain")).text)
    leaky = await browser_like.post(
        "/dashboard/explain",
        data={"csrf": csrf, "statement": "SELECT v::int FROM web_secrets", "analyze": "on"},
    )
    assert leaky.status_code == 422
    assert "SQLSTATE 22P02" in leaky.text
    assert "hunter2-secret-value" not in leaky.text
    assert "Traceback" not in leaky.text

    syntax = await browser_like.post(
        "/dashboard/explain", data={"csrf": csrf, "statement": "SELEC nonsense"}
    )
    assert syntax.status_code == 422
    assert "syntax error" in syntax.text

    write = await browser_like.post(
        "/dashboard/explain",
        data={"csrf": csrf, "statement": "DELETE FROM web_secrets", "analyze": "on"},
    )
    assert write.status_code == 422
    assert "only read-only statements may" in write.text
    async with session(database.owner) as owner:
        assert await owner.fetchval("SELECT count(*) FROM web_secrets") == 1

    two = await browser_like.post(
        "/dashboard/explain",
        data={"csrf": csrf, "statement": "SELECT 1; DROP TABLE web_secrets"},
    )
    assert two.status_code == 422
    async with session(database.owner) as owner:
        assert await owner.fetchval("SELECT count(*) FROM web_secrets") == 1


# -- an unreachable database ----------------------------------------------------------------------


async def test_an_unreachable_database_is_a_clear_503(
    stack: Settings, database: DatabaseTargets, keys: Keys
) -> None:
    from pressroom.local.ports import free_port

    nowhere = f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/nothing"
    app = create_dashboard(dashboard_settings(stack), nowhere, database.writer, snapshots=True)
    async for http in open_client(app):
        assert (await log_in(http, keys.admin)).status_code == 303
        for path in ["/dashboard", "/dashboard/queries", "/dashboard/explain?statement=SELECT+1"]:
            response = await http.get(path)
            assert response.status_code == 503, path
            assert "Database unavailable" in response.text
            assert "cannot connect to the inspected database" in response.text
            assert "nothing@" not in response.text  # no DSN, no password
            assert "Traceback" not in response.text
            assert response.headers["retry-after"]

    keyless = create_dashboard(dashboard_settings(stack), nowhere, nowhere, snapshots=False)
    async for http in open_client(keyless):
        response = await log_in(http, keys.admin)
        assert response.status_code == 503
        assert "cannot connect to the database holding the API keys" in response.text


# -- the index advisor ----------------------------------------------------------------------------

ADVISED = "SELECT * FROM web_advised.posts WHERE ref = $1"


async def test_create_a_recommended_index(
    browser_like: httpx.AsyncClient, database: DatabaseTargets
) -> None:
    assert database.admin is not None
    async with session(database.admin) as admin:
        await admin.execute(
            "CREATE SCHEMA web_advised; "
            "CREATE TABLE web_advised.posts (id bigint PRIMARY KEY, ref int NOT NULL, t text); "
            "INSERT INTO web_advised.posts SELECT g, g * 7919 % 20000, 'post ' || g "
            "  FROM generate_series(1, 50000) g"
        )
        await admin.execute("VACUUM ANALYZE web_advised.posts")
        for ref in range(3):
            await admin.fetch(ADVISED, ref)
        page = await browser_like.get("/dashboard/advisor")
        assert page.status_code == 200
        button = re.search(
            r'action="/dashboard/advisor/create-index".*?name="index" value="([^"]+)"',
            page.text,
            re.S,
        )
        assert button, "no create button on the advisor page"
        index = button[1]
        assert "ref" in index

        confirm = await browser_like.post(
            "/dashboard/advisor/create-index",
            data={"csrf": csrf_of(page.text), "index": index, "back": "/dashboard/advisor"},
        )
        assert confirm.status_code == 200
        assert f"Create the index {index}?" in confirm.text
        assert "CREATE INDEX CONCURRENTLY" in confirm.text
        exists = "SELECT count(*) FROM pg_indexes WHERE indexname = $1"
        assert await admin.fetchval(exists, index) == 0

        done = await browser_like.post(
            "/dashboard/advisor/create-index",
            data={
                "csrf": csrf_of(confirm.text),
                "index": index,
                "confirmed": "yes",
                "back": "/dashboard/advisor",
            },
        )
        assert done.status_code == 303
        assert await admin.fetchval(exists, index) == 1
        after = await browser_like.get("/dashboard/advisor")
        assert f"Created the index {index}." in after.text

        # Only what the advisor recommends now can be built: a name it does not recommend
        # (nor a statement smuggled in its place) builds nothing.
        again = await browser_like.post(
            "/dashboard/advisor/create-index",
            data={
                "csrf": csrf_of(after.text),
                "index": index,
                "confirmed": "yes",
                "statement": "CREATE INDEX CONCURRENTLY evil ON web_advised.posts (t)",
            },
        )
        assert again.status_code == 303
        assert "no longer recommends" in (await browser_like.get("/dashboard/advisor")).text
        assert await admin.fetchval(exists, "evil") == 0
