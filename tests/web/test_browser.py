"""The dashboard in a real headless Chromium, served by a real uvicorn: log in, visit every page,
check that it renders, that its charts draw, and that the browser reports no console error (CSP
violations included) and no failed request. Screenshots go to test-artifacts/dashboard/.

Chromium comes from the distribution's packages (chromium, chromium-driver), installed through
pressroom's own binaries code when the suite runs as root; Playwright drives it with no browser
download of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, ConsoleMessage, Page, Request, Response, async_playwright

from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.errors import MissingBinariesError
from pressroom.insights.sections import SECTIONS
from pressroom.insights.snapshots import take_snapshot
from pressroom.local.binaries import ensure_command
from pressroom.local.ports import free_port
from tests.insights.helpers import connected
from tests.web.conftest import Keys, make_dashboard

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        path = ensure_command("chromium", "chromium")
        ensure_command("chromedriver", "chromium-driver")
    except MissingBinariesError as exc:
        if os.geteuid() == 0:
            raise  # root could install it: a failed install is a failure, not a skip
        pytest.skip(f"no Chromium for the browser tests, and not root to install it: {exc}")
    return CHROMIUM if Path(CHROMIUM).exists() else path


@pytest.fixture(scope="module")
async def server(stack: Settings, database: DatabaseTargets) -> AsyncIterator[str]:
    """The dashboard on a real uvicorn (snapshotter on), after a few snapshots and statements so
    that windows and charts have something to show."""
    assert database.admin is not None
    async with connected(database.admin) as conn:
        for i in range(3):
            await conn.fetchval(f"SELECT count(*) FROM pg_class WHERE relpages > {i}")
            await take_snapshot(conn, timedelta(days=1))
    port = free_port()
    app = make_dashboard(stack, database, snapshots=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


class Watch:
    """Everything the browser complains about while a test drives it."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _failed(self, request: Request) -> None:
        # A request the browser itself gave up because the page navigated away (the favicon of
        # a page left at once, seen in CI) says nothing about the page; any other failure does.
        if request.failure == "net::ERR_ABORTED" and request.resource_type != "document":
            return
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


async def _check_charts(page: Page, name: str) -> int:
    charts = page.locator("svg.chart")
    count = await charts.count()
    for index in range(count):
        chart = charts.nth(index)
        box = await chart.bounding_box()
        assert box, f"{name}: chart {index} is not laid out"
        assert box["width"] > 100, f"{name}: chart {index} {box}"
        assert box["height"] > 50, f"{name}: chart {index} {box}"
        lines = chart.locator("g.series path, g.series circle")
        for line_index in range(await lines.count()):
            line_box = await lines.nth(line_index).bounding_box()
            assert line_box, f"{name}: chart {index} series element {line_index} not laid out"
            assert line_box["width"] > 0 or line_box["height"] > 0, (
                f"{name}: chart {index} series element {line_index} draws nothing"
            )
    return count


async def test_every_page_renders_in_chromium(server: str, browser: Browser, keys: Keys) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    watch = Watch(page)
    try:
        # Not logged in: sent to the login page, and back to where we were going afterwards.
        await page.goto(f"{server}/dashboard/space")
        assert "/dashboard/login" in page.url
        await page.screenshot(path=ARTIFACTS / "login.png")
        await page.fill("#token", keys.admin)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{server}/dashboard/space")
        cookies = await context.cookies()
        (session,) = [c for c in cookies if c["name"] == "pressroom_dashboard"]
        assert session["httpOnly"]
        assert session["sameSite"] == "Strict"
        assert session["path"] == "/dashboard"

        charts_seen = 0
        for name in ["overview", *SECTIONS, "explain"]:
            url = f"{server}/dashboard" + ("" if name == "overview" else f"/{name}")
            response = await page.goto(url)
            assert response is not None, name
            assert response.status == 200, name
            await page.wait_for_load_state("load")
            heading = await page.locator("main h1").inner_text()
            assert heading, name
            assert await page.locator("nav a[href^='/dashboard']").count() >= len(SECTIONS) + 2
            charts_seen += await _check_charts(page, name)
            await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
            await page.screenshot(path=ARTIFACTS / f"{name}-top.png")
        assert charts_seen > 0, "no page drew a chart"

        # A window from the selector reaches the page and its links.
        await page.goto(f"{server}/dashboard/queries")
        await page.select_option("select#window", "1d")
        await page.wait_for_url("**/dashboard/queries?window=1d*")
        assert await page.locator("nav a[href='/dashboard/space?window=1d']").count() == 1

        # The plan explorer, with ANALYZE, through its form.
        await page.goto(f"{server}/dashboard/explain")
        await page.fill(
            "#statement",
            "SELECT c.relname, count(*) FROM pg_class c JOIN pg_attribute a "
            "ON a.attrelid = c.oid GROUP BY c.relname ORDER BY 2 DESC LIMIT 5",
        )
        await page.check("input[name=analyze]")
        await page.click("form.explain-form button[type=submit]")
        await page.wait_for_selector("section.plan table")
        assert await page.locator("section.plan tbody tr").count() >= 3
        assert await page.locator("section.plan tr.hot").count() >= 1
        await page.screenshot(path=ARTIFACTS / "explain-analyze.png", full_page=True)

        # An action end to end: the button, its confirmation page, the flash after it.
        await page.goto(f"{server}/dashboard/space")
        await page.click("text=Snapshot now")
        await page.wait_for_selector("section.confirm")
        await page.screenshot(path=ARTIFACTS / "confirm.png", full_page=True)
        await page.click("section.confirm button[type=submit]")
        await page.wait_for_url(f"{server}/dashboard/space")
        assert "Took a snapshot" in await page.locator(".flash").first.inner_text()

        # A copy button copies the statement it sits on.
        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        await page.goto(f"{server}/dashboard/queries")
        # Every statement opens to its full text, with a copy button.
        await page.locator("td.sql details summary").first.click()
        copy = page.locator("td.sql details[open] [data-copy]").first
        assert await copy.count() == 1
        await copy.click()
        await copy.get_by_text("Copied").wait_for()

        await page.click("text=Log out")
        await page.wait_for_url("**/dashboard/login")
        assert watch.problems == []
    finally:
        await context.close()
