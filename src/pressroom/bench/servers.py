"""HTTP servers under test, each in its own process, with its memory read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pressroom.bench.cpu import children, tree_cpu_s


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    pid: int

    def cpu_s(self) -> float:
        """CPU the server process and its workers have used so far, in seconds."""
        return tree_cpu_s(self.pid)

    def rss_mb(self) -> float:
        """Resident memory of the server process and its workers, in MB."""
        total_kb = 0
        for pid in (self.pid, *children(self.pid)):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        return total_kb / 1024


@contextmanager
def uvicorn_server(
    app: str, port: int, env: dict[str, str], log: Path, *, factory: bool = False
) -> Iterator[Server]:
    """Serve `app` with the same stack as `pressroom serve` (uvicorn, uvloop, httptools)."""
    args = [
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port),
        "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if factory:
        args.append("--factory")
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited with {process.returncode}; see {log}")
            try:
                urllib.request.urlopen(base + "/openapi.json", timeout=1).close()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start; see {log}") from None
                time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
