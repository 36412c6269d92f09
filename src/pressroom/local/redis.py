"""The local Redis: loopback only, password required, data in the data folder."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from pressroom.errors import StackError
from pressroom.local.binaries import RedisBinaries
from pressroom.local.layout import Layout
from pressroom.local.ports import LOOPBACK
from pressroom.local.processes import RunAs, clear_stale_pid_file, process_is, read_pid
from pressroom.local.secrets import write_private

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class RedisStatus:
    running: bool
    pid: int | None = None
    port: int | None = None


def redis_conf(layout: Layout, port: int, password: str) -> str:
    return "\n".join(
        [
            "# Written by pressroom at every start.",
            f"bind {LOOPBACK}",
            f"port {port}",
            "protected-mode yes",
            f'requirepass "{password}"',
            "daemonize yes",
            f'pidfile "{layout.redis_pid_file}"',
            f'logfile "{layout.log_dir / "redis.log"}"',
            f'dir "{layout.redis_dir}"',
            # A snapshot now and then: the cache can be rebuilt, so an fsync per write buys
            # nothing; losing a few minutes of cache after a crash costs only some misses.
            "save 300 100",
            "appendonly no",
            "",
        ]
    )


class LocalRedis:
    def __init__(self, layout: Layout, binaries: RedisBinaries, run_as: RunAs) -> None:
        self.layout = layout
        self.binaries = binaries
        self.run_as = run_as

    def status(self) -> RedisStatus:
        pid = read_pid(self.layout.redis_pid_file)
        if pid is None or not process_is(pid, "redis-server"):
            return RedisStatus(False)
        port = _port_from_conf(self.layout.redis_conf)
        return RedisStatus(True, pid, port)

    def start(self, port: int, password: str) -> None:
        layout = self.layout
        for folder in (layout.redis_dir, layout.run_dir, layout.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        clear_stale_pid_file(layout.redis_pid_file, "redis-server")
        write_private(layout.redis_conf, redis_conf(layout, port, password))  # holds the password
        log_file = layout.log_dir / "redis.log"
        log_file.touch()
        self.run_as.own(layout.redis_dir, log_file, layout.redis_conf)
        self.run_as.run([str(self.binaries.server), str(layout.redis_conf)])
        client = redis.Redis(host=LOOPBACK, port=port, password=password, socket_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise StackError(
            f"Redis did not answer on port {port} within {START_TIMEOUT_S}s; see {log_file}"
        )

    def stop(self) -> bool:
        status = self.status()
        if not status.running or status.pid is None:
            return False
        os.kill(status.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            if not process_is(status.pid, "redis-server"):
                return True
            time.sleep(0.05)
        os.kill(status.pid, signal.SIGKILL)
        return True


def _port_from_conf(conf: Path) -> int | None:
    try:
        for line in conf.read_text().splitlines():
            if line.startswith("port "):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None
