"""`pressroom doctor` as a user meets it: JSON for scripts, options in the right place, and an
admin key before anything that changes the server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import asyncpg
import pytest
from typer.testing import CliRunner

from pressroom.access.keys import Scope, create_key
from pressroom.cli.main import app
from pressroom.db.targets import DatabaseTargets

runner = CliRunner()


@pytest.fixture
def as_database(database: DatabaseTargets, monkeypatch: pytest.MonkeyPatch) -> DatabaseTargets:
    # The doctor inspects DATABASE_URL and checks keys there: one database for both.
    monkeypatch.setenv("DATABASE_URL", database.owner)
    monkeypatch.delenv("PRESSROOM_DOCTOR_DSN", raising=False)
    monkeypatch.delenv("PRESSROOM_API_KEY", raising=False)
    return database


def _key(url: str, scopes: list[Scope]) -> str:
    async def create() -> str:
        conn = await asyncpg.connect(url)
        try:
            return (await create_key(conn, "doctor test", scopes))[1]
        finally:
            await conn.close()

    return asyncio.run(create())


def test_the_overview_as_json_lists_every_section(as_database: DatabaseTargets) -> None:
    result = runner.invoke(app, ["doctor", "--json", "--limit", "5"])
    assert result.exit_code in (0, 1), result.output  # 1: some check fails
    overview = json.loads(result.stdout)
    assert overview["name"] == "overview"
    sections = {row["section"] for row in overview["tables"][0]["rows"]}
    assert {"Queries", "Indexes", "Index advisor", "Activity", "Settings"} <= sections
    assert all({"check", "status", "detail", "fix_sql"} <= set(f) for f in overview["findings"])


def test_a_section_and_an_explain(as_database: DatabaseTargets) -> None:
    section = runner.invoke(app, ["doctor", "maintenance", "--json"])
    assert section.exit_code in (0, 1), section.output
    assert json.loads(section.stdout)["name"] == "maintenance"
    explained = runner.invoke(app, ["doctor", "explain", "SELECT count(*) FROM pg_class", "--json"])
    assert explained.exit_code == 0, explained.output
    assert json.loads(explained.stdout)["nodes"][0]["node_type"] == "Aggregate"
    leaked = runner.invoke(
        app, ["doctor", "explain", "--analyze", "SELECT 'hunter2-secret'::int FROM pg_class"]
    )
    assert leaked.exit_code == 1
    assert "hunter2" not in leaked.output


def test_options_before_the_command_are_refused_not_ignored(as_database: DatabaseTargets) -> None:
    result = runner.invoke(
        app, ["doctor", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "activity"]
    )
    assert result.exit_code == 2
    assert "--dsn must follow the command" in result.output


def test_a_bad_window_is_a_clear_error(as_database: DatabaseTargets) -> None:
    result = runner.invoke(app, ["doctor", "queries", "--since", "99999999999999999999d"])
    assert result.exit_code == 1
    assert "ten years" in result.output
    assert "Traceback" not in result.output


def test_terminating_a_backend_takes_an_admin_key(as_database: DatabaseTargets) -> None:
    sleeper = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, as_database.owner], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sleeper.stdout is not None
        pid = sleeper.stdout.readline().strip()
        no_key = runner.invoke(app, ["doctor", "terminate", pid, "--yes"])
        assert no_key.exit_code == 1
        assert "admin API key" in no_key.output
        writer = _key(as_database.writer, [Scope.WRITE])
        wrong = runner.invoke(app, ["doctor", "terminate", pid, "--yes", "--key", writer])
        assert wrong.exit_code == 1
        assert "no admin scope" in wrong.output
        admin = _key(as_database.writer, [Scope.ADMIN])
        done = runner.invoke(app, ["doctor", "terminate", pid, "--yes", "--key", admin])
        assert done.exit_code == 0, done.output
        assert f"backend {pid}: signalled" in done.output
        deadline = time.monotonic() + 30
        while sleeper.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sleeper.returncode is not None  # its session ended, so its sleep failed
    finally:
        sleeper.kill()
        sleeper.wait()


SLEEPER = """
import asyncio, sys, asyncpg
async def main():
    conn = await asyncpg.connect(sys.argv[1])
    print(conn.get_server_pid(), flush=True)
    await conn.execute("SELECT pg_sleep(60)")
asyncio.run(main())
"""
