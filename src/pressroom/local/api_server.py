"""The API server as a background process of the local stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import BinaryIO

from pressroom.errors import StackError
from pressroom.local.layout import Layout
from pressroom.local.processes import RunAs, live_pid, write_pid_file

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class ApiStatus:
    running: bool
    pid: int | None = None


def api_status(layout: Layout) -> ApiStatus:
    pid = live_pid(layout.api_pid_file)
    return ApiStatus(pid is not None, pid)


def _healthy(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def start_api(layout: Layout, host: str, port: int, env: dict[str, str], run_as: RunAs) -> int:
    """Start the API in the background as run_as and wait until it answers."""
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    log = (layout.log_dir / "api.log").open("ab")
    try:
        process = _spawn(host, port, env, run_as, log)
    except OSError as exc:
        raise StackError(f"the API server could not be started: {exc}") from None
    write_pid_file(layout.api_pid_file, process.pid)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(
                f"the API server exited with code {process.returncode}; see {layout.log_dir / 'api.log'}"
            )
        if _healthy(host, port):
            return process.pid
        time.sleep(0.1)
    process.terminate()
    raise StackError(f"the API server did not answer on {host}:{port} within {START_TIMEOUT_S}s")


def _spawn(
    host: str, port: int, env: dict[str, str], run_as: RunAs, log: BinaryIO
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pressroom", "serve", "--host", host, "--port", str(port)],
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


def stop_api(layout: Layout) -> bool:
    status = api_status(layout)
    if not status.running or status.pid is None:
        layout.api_pid_file.unlink(missing_ok=True)
        return False
    os.killpg(status.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and live_pid(layout.api_pid_file) is not None:
        time.sleep(0.05)
    if live_pid(layout.api_pid_file) is not None:
        os.killpg(status.pid, signal.SIGKILL)
    layout.api_pid_file.unlink(missing_ok=True)
    return True
