"""Where the local stack keeps its files, in one place so no module invents a path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Layout:
    root: Path

    @property
    def pg_data(self) -> Path:
        return self.root / "pg"

    @property
    def pg_data_in_progress(self) -> Path:
        # initdb writes here and the folder is renamed to pg_data only once the cluster is
        # complete, so a crash during init never leaves a half-made cluster where `up` looks.
        return self.root / "pg.initdb-in-progress"

    @property
    def pg_socket_dir(self) -> Path:
        return self.root / "run" / "pg"

    @property
    def wal_archive(self) -> Path:
        return self.root / "wal-archive"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def state_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def redis_pid_file(self) -> Path:
        # Inside the Redis folder, which the service user owns: it writes the file itself.
        return self.redis_dir / "redis.pid"

    @property
    def redis_conf(self) -> Path:
        return self.redis_dir / "redis.conf"
