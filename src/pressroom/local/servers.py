"""pressroom's own HTTP servers (the API and the dashboard) as background processes of the
local stack: started as the service user, waited for until they answer, stopped by group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pressroom.errors import StackError
from pressroom.local.layout import Layout
from pressroom.local.processes import RunAs, live_pid, write_pid_file

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Server:
    """One of pressroom's servers: how it is started and how to tell that it answers."""

    name: str  # as people read it: "API"
    key: str  # file names and the state's port field: "api"
    command: str  # the `pressroom` subcommand that runs it in the foreground
    health_path: str  # answers 200 without authentication once the server is ready

    def pid_file(self, layout: Layout) -> Path:
        return layout.run_dir / f"{self.key}.pid"

    def log_file(self, layout: Layout) -> Path:
        return layout.log_dir / f"{self.key}.log"


API = Server("API", "api", "serve", "/health")
DASHBOARD = Server("dashboard", "dashboard", "dashboard", "/dashboard/health")


@dataclass(frozen=True, slots=True)
class ServerStatus:
    running: bool
    pid: int | None = None


def server_status(layout: Layout, server: Server) -> ServerStatus:
    pid = live_pid(server.pid_file(layout))
    return ServerStatus(pid is not None, pid)


def _probe_address(host: str) -> str:
    """Where to reach a server bound to `host`: a wildcard is reached on loopback, and an IPv6
    address needs brackets in a URL."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (reading a bind address, not binding)
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _healthy(host: str, port: int, path: str) -> bool:
    url = f"http://{_probe_address(host)}:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def start_server(
    layout: Layout, server: Server, host: str, port: int, env: dict[str, str], run_as: RunAs
) -> int:
    """Start `server` in the background as run_as and wait until it answers."""
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    log_path = server.log_file(layout)
    log = log_path.open("ab")
    try:
        process = _spawn(server, host, port, env, run_as, log)
    except OSError as exc:
        raise StackError(f"the {server.name} server could not be started: {exc}") from None
    write_pid_file(server.pid_file(layout), process.pid)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(
                f"the {server.name} server exited with code {process.returncode}; see {log_path}"
            )
        if _healthy(host, port, server.health_path):
            return process.pid
        time.sleep(0.1)
    process.terminate()
    raise StackError(
        f"the {server.name} server did not answer on {host}:{port} within {START_TIMEOUT_S}s"
    )


def _spawn(
    server: Server, host: str, port: int, env: dict[str, str], run_as: RunAs, log: BinaryIO
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pressroom", server.command, "--host", host, "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env, **({"HOME": run_as.home} if run_as.home else {})},
        user=run_as.uid,
        group=run_as.gid,
        extra_groups=[] if run_as.uid is not None else None,
        cwd="/",
        # Its own session, so the server outlives `pressroom up` and a Ctrl-C in that terminal.
        start_new_session=True,
    )


def stop_server(layout: Layout, server: Server) -> bool:
    pid_file = server.pid_file(layout)
    status = server_status(layout, server)
    if not status.running or status.pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.killpg(status.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and live_pid(pid_file) is not None:
        time.sleep(0.05)
    if live_pid(pid_file) is not None:
        os.killpg(status.pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True
