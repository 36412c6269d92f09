"""Driving an HTTP server with wrk (the Debian package) and reading its latency percentiles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pressroom.local.binaries import ensure_command

# wrk calls done() once with the merged latency histogram; printing it as one JSON line gives
# exact percentiles instead of wrk's rounded text.
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"non_2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%f,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean,
    latency.max))
end
"""

# Picks a random path from a file of paths, per request.
RANDOM_PATHS_LUA = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""

# Each path once, in the file's order, round and round: a warm-up that reads every page the
# measured run will ask for, where random draws would leave a third of them unread.
IN_ORDER_PATHS_LUA = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local next_path = 0
request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    duration_us: int
    socket_errors: int
    non_2xx: int
    p50_us: int
    p90_us: int
    p95_us: int
    p99_us: int
    mean_us: float
    max_us: int

    @property
    def requests_per_s(self) -> float:
        return self.requests / (self.duration_us / 1_000_000)


def ensure_wrk() -> str:
    return ensure_command("wrk", "wrk")


def run_wrk(
    url: str,
    *,
    duration_s: int,
    connections: int,
    threads: int = 1,
    paths: list[str] | None = None,
    in_order: bool = False,
) -> WrkResult:
    """Load url (or, with paths, random paths on its host, or each in turn with in_order) and
    return the measured result."""
    with tempfile.TemporaryDirectory(prefix="pressroom-wrk-") as scratch:
        script = Path(scratch) / "bench.lua"
        env = dict(os.environ)
        lua = REPORT_LUA
        if paths:
            paths_file = Path(scratch) / "paths.txt"
            paths_file.write_text("\n".join(paths) + "\n")
            env["WRK_PATHS"] = str(paths_file)
            lua = (IN_ORDER_PATHS_LUA if in_order else RANDOM_PATHS_LUA) + lua
        script.write_text(lua)
        result = subprocess.run(
            [
                ensure_wrk(),
                f"--threads={threads}",
                f"--connections={connections}",
                f"--duration={duration_s}s",
                "--timeout=10s",
                f"--script={script}",
                url,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=duration_s + 60,
            check=False,
        )
    match = re.search(r"WRK_JSON (\{.*\})", result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(
            f"wrk failed (exit {result.returncode}): {result.stderr or result.stdout}"
        )
    return WrkResult(**json.loads(match.group(1)))
