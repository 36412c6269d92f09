"""The whole local stack: bring it up, take it down, report on it.

One function per verb, each a sequence of idempotent steps, so `up` after a crash or after a
previous `up` does only what is missing. Progress is reported through a callback so that the
CLI can draw it and tests can record it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

import pressroom
from pressroom.config import Settings
from pressroom.content.partitions import ensure_recent_months
from pressroom.db import migrate
from pressroom.db.bootstrap import bootstrap_database
from pressroom.db.roles import ADMIN_ROLE, DATABASE_NAME
from pressroom.db.targets import DatabaseTargets, local_targets, local_url, resolve_targets
from pressroom.errors import StackError
from pressroom.local.binaries import (
    PostgresBinaries,
    RedisBinaries,
    ensure_postgres,
    ensure_redis,
    find_postgres,
    find_redis,
)
from pressroom.local.layout import Layout
from pressroom.local.machine import detect_machine
from pressroom.local.ports import choose_port
from pressroom.local.postgres import ClusterState, LocalPostgres
from pressroom.local.processes import RunAs
from pressroom.local.redis import LocalRedis
from pressroom.local.secrets import StackSecrets, load_or_create_secrets, read_secrets
from pressroom.local.servers import API, DASHBOARD, Server, server_status, start_server, stop_server
from pressroom.local.state import read_state, write_state
from pressroom.local.tuning import TunedSetting, recommend_settings
from pressroom.sample.loading import CorpusShape, load_sample_corpus

Notify = Callable[[str], None]
Progress = Callable[[int, int], None]  # (done, total)


def _quiet(_: str) -> None:
    return None


def tuning_for(settings: Settings) -> list[TunedSetting]:
    budget = settings.pg_memory_budget_mb
    return recommend_settings(
        detect_machine(settings.data_dir),
        memory_budget_bytes=budget * 1024 * 1024 if budget else None,
        max_connections=settings.pg_max_connections,
    )


@dataclass
class UpReport:
    api_url: str | None = None
    dashboard_url: str | None = None
    pg_port: int | None = None
    redis_port: int | None = None
    notes: list[str] = field(default_factory=list)


class Stack:
    def __init__(self, settings: Settings, notify: Notify = _quiet) -> None:
        self.settings = settings
        self.layout = Layout(settings.data_dir)
        self.notify = notify

    # -- pieces ------------------------------------------------------------------------------------
    def _postgres(self, binaries: PostgresBinaries) -> LocalPostgres:
        return LocalPostgres(self.layout, binaries, RunAs.for_servers(self.settings.service_user))

    def _redis(self, binaries: RedisBinaries) -> LocalRedis:
        return LocalRedis(self.layout, binaries, RunAs.for_servers(self.settings.service_user))

    def _pick_port(
        self, service: str, recorded: int | None, configured: int, notes: list[str]
    ) -> int:
        port, why = choose_port(recorded or configured)
        if why:
            notes.append(f"{service}: {why}")
            self.notify(f"{service}: {why}")
        return port

    # -- up ----------------------------------------------------------------------------------------
    def up_database(self, report: UpReport) -> DatabaseTargets:
        """Create and start the cluster if needed, bootstrap roles, migrate; return targets."""
        settings, layout = self.settings, self.layout
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.root.chmod(0o755)  # the service user must enter it; secrets.json stays 0600
        binaries = ensure_postgres(settings.pg_bin_dir, settings.install_missing_packages)
        postgres = self._postgres(binaries)
        postgres.check_data_dir()
        status = postgres.status()
        if status.state is ClusterState.ABSENT:
            if layout.secrets_file.exists() and layout.pg_data.exists():
                raise StackError(f"{layout.pg_data} exists but {layout.secrets_file} does not")
            secrets = load_or_create_secrets(layout.secrets_file)
            self.notify(f"creating a PostgreSQL {binaries.major} cluster in {layout.pg_data}")
            postgres.create(secrets.admin_password, tuning_for(settings))
            status = postgres.status()
        else:
            secrets = read_secrets(layout.secrets_file)
        state = read_state(layout.state_file)
        if status.state is ClusterState.RUNNING and status.port is not None:
            port = status.port
        else:
            port = self._pick_port("PostgreSQL", state.pg_port, settings.pg_port, report.notes)
            postgres.write_config(port, settings.wal_archive, tuning_for(settings))
            self.notify(f"starting PostgreSQL on 127.0.0.1:{port}")
            postgres.start(port)
        write_state(layout.state_file, state.with_port("pg", port))
        report.pg_port = port
        targets = local_targets(layout, port, secrets)
        bootstrap_database(
            local_url(layout, port, ADMIN_ROLE, secrets.admin_password, "postgres"),
            local_url(layout, port, ADMIN_ROLE, secrets.admin_password, DATABASE_NAME),
            secrets,
            settings.connect_timeout_s,
            hypopg=binaries.has_hypopg,
        )
        return targets

    def up_redis(self, report: UpReport, secrets: StackSecrets) -> None:
        if self.settings.redis_url is not None:
            return
        redis = self._redis(ensure_redis(self.settings.install_missing_packages))
        status = redis.status()
        state = read_state(self.layout.state_file)
        port = status.port if status.running else None
        if port is None:
            port = self._pick_port(
                "Redis", state.redis_port, self.settings.redis_port, report.notes
            )
            self.notify(f"starting Redis on 127.0.0.1:{port}")
            redis.start(port, secrets.redis_password)
        write_state(
            self.layout.state_file, read_state(self.layout.state_file).with_port("redis", port)
        )
        report.redis_port = port

    def migrate(self, targets: DatabaseTargets) -> migrate.MigrationResult:
        result = migrate.upgrade(targets.owner, self.settings.connect_timeout_s)
        if result.before != result.after:
            self.notify(f"migrated the schema from {result.before or 'empty'} to {result.after}")
        asyncio.run(self._ensure_recent_partitions(targets))
        return result

    async def _ensure_recent_partitions(self, targets: DatabaseTargets) -> None:
        # The current months always have partitions, so everyday writes never touch the default.
        conn = await asyncpg.connect(targets.owner, timeout=self.settings.connect_timeout_s)
        try:
            await ensure_recent_months(conn)
        finally:
            await conn.close()

    def load_sample(
        self,
        targets: DatabaseTargets,
        progress: Progress | None = None,
        *,
        only_if_empty: bool = True,
    ) -> int:
        settings = self.settings
        shape = CorpusShape(settings.sample_articles, settings.sample_sites, settings.sample_seed)
        inserted = asyncio.run(
            load_sample_corpus(
                targets.writer,
                targets.owner,
                shape,
                only_if_empty=only_if_empty,
                progress=progress,
                timeout_s=settings.connect_timeout_s,
            )
        )
        if inserted:
            self.notify(f"loaded {inserted:,} sample articles over {shape.sites} sites")
        return inserted

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One `up` or `down` at a time per data folder: two at once would race on initdb's
        staging folder, on ports and on pid files."""
        self.layout.root.mkdir(parents=True, exist_ok=True)
        with (self.layout.root / ".lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StackError(
                    f"another pressroom up/down is working on {self.layout.root}; wait for it"
                ) from None
            yield

    def up(self, *, with_api: bool = True, progress: Progress | None = None) -> UpReport:
        with self._exclusive():
            return self._up(with_api=with_api, progress=progress)

    def _up(self, *, with_api: bool, progress: Progress | None) -> UpReport:
        settings = self.settings
        report = UpReport()
        if settings.uses_external_database:
            # An external database is someone else's server: pressroom only migrates it.
            targets = resolve_targets(settings)
            self.layout.root.mkdir(parents=True, exist_ok=True)
            secrets = load_or_create_secrets(self.layout.secrets_file)
        else:
            targets = self.up_database(report)
            secrets = read_secrets(self.layout.secrets_file)
        self.migrate(targets)
        self.up_redis(report, secrets)
        if settings.sample_articles > 0 and not settings.uses_external_database:
            self._sample_once(targets, progress)
        if with_api:
            report.api_url = self.up_api(report)
            report.dashboard_url = self.up_dashboard(report)
        return report

    def _sample_once(self, targets: DatabaseTargets, progress: Progress | None) -> None:
        state_file = self.layout.state_file
        state = read_state(state_file)
        if state.sample_done:
            return
        resuming = state.sample_target is not None
        write_state(state_file, state.with_sample(self.settings.sample_articles, done=False))
        # A fresh start loads only into an empty database (never over someone's own data); a
        # resumed one completes its own earlier, interrupted load.
        self.load_sample(targets, progress, only_if_empty=not resuming)
        write_state(
            state_file, read_state(state_file).with_sample(self.settings.sample_articles, done=True)
        )

    def _server_user(self, report: UpReport) -> RunAs:
        """As root, the servers run as the service user, if that user can run this Python and
        read pressroom's code; an interpreter installed under root's home (pyenv, say) cannot
        be, and then they run as root, saying so (once)."""
        run_as = RunAs.for_servers(self.settings.service_user)
        code = Path(pressroom.__file__).parent
        if run_as.can_reach(Path(sys.executable)) and run_as.can_reach(code / "__init__.py", "-r"):
            return run_as
        note = (
            f"servers: the service user {run_as.user!r} cannot run {sys.executable} or read "
            f"{code}, so the API and dashboard run as root; install pressroom where that user can "
            "read it to avoid this"
        )
        if note in report.notes:
            return RunAs()
        report.notes.append(note)
        self.notify(note)
        return RunAs()

    def up_api(self, report: UpReport) -> str:
        return self._up_server(API, self.settings.api_host, self.settings.api_port, report)

    def up_dashboard(self, report: UpReport) -> str:
        url = self._up_server(
            DASHBOARD, self.settings.dashboard_host, self.settings.dashboard_port, report
        )
        return f"{url}/dashboard"

    def _up_server(self, server: Server, host: str, configured_port: int, report: UpReport) -> str:
        layout = self.layout
        recorded_port = getattr(read_state(layout.state_file), f"{server.key}_port")
        if server_status(layout, server).running and recorded_port is not None:
            return f"http://{host}:{recorded_port}"
        port = self._pick_port(server.name, recorded_port, configured_port, report.notes)
        self.notify(f"starting the {server.name} on http://{host}:{port}")
        env = {"PRESSROOM_DATA_DIR": str(layout.root)}
        run_as = self._server_user(report)
        # The servers read the role passwords, so they belong to the user they run as.
        run_as.own(layout.secrets_file)
        start_server(layout, server, host, port, env, run_as)
        write_state(layout.state_file, read_state(layout.state_file).with_port(server.key, port))
        return f"http://{host}:{port}"

    # -- down --------------------------------------------------------------------------------------
    def down(self) -> list[str]:
        """Stop whatever runs, newest first; returns what was stopped."""
        with self._exclusive():
            return self._down()

    def _down(self) -> list[str]:
        stopped: list[str] = []
        for server in (DASHBOARD, API):
            if stop_server(self.layout, server):
                stopped.append(server.name)
            # The next `up` decides afresh whether to start it.
            state = read_state(self.layout.state_file)
            write_state(self.layout.state_file, state.with_port(server.key, None))
        redis_binaries = find_redis()
        if redis_binaries is not None and self._redis(redis_binaries).stop():
            stopped.append("Redis")
        pg_binaries = find_postgres(self.settings.pg_bin_dir)
        local_cluster = pg_binaries is not None and not self.settings.uses_external_database
        if local_cluster and pg_binaries is not None and self._postgres(pg_binaries).stop():
            stopped.append("PostgreSQL")
        return stopped
