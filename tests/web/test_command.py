"""`pressroom dashboard` for real: a separate process serving on loopback, configured from the
environment like any deployment, answering its health check and an admin key's requests, and
stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.local.ports import free_port
from tests.web.conftest import Keys

# The command as the lead registers it (`app.command()(dashboard)`), without depending on main.py.
RUN = (
    "import typer; from pressroom.cli.dashboard_commands import dashboard; "
    "app = typer.Typer(); app.command()(dashboard); app()"
)


@pytest.fixture
def served(database: DatabaseTargets, keys: Keys) -> tuple[str, subprocess.Popen[bytes]]:
    assert database.admin is not None
    port = free_port()
    env = {
        **os.environ,
        # The keys live in "pressroom's database": here the module's, through DATABASE_URL.
        "PRESSROOM_DATABASE_URL": database.writer,
        "PRESSROOM_LOG_LEVEL": "warning",
        "PRESSROOM_DASHBOARD_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, "--dsn", database.admin, "--no-snapshots"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return f"http://127.0.0.1:{port}", process


def test_the_command_serves_the_dashboard_on_loopback(
    stack: Settings, served: tuple[str, subprocess.Popen[bytes]], keys: Keys
) -> None:
    base, process = served
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{base}/dashboard/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.1)
        auth = {"Authorization": f"Bearer {keys.admin}"}
        response = httpx.get(f"{base}/dashboard/api/activity", headers=auth, timeout=30)
        assert response.status_code == 200
        assert response.json()["name"] == "activity"
        assert httpx.get(f"{base}/dashboard", timeout=10).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    # uvicorn shuts down gracefully, then re-raises the signal it caught, as servers should.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert f"dashboard on {base}/dashboard" in output
    assert "Traceback" not in output
