"""What the stack looks like right now: each service, its address, version and health."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis

from pressroom.config import Settings
from pressroom.db.connect import connect_sync, redact
from pressroom.db.migrate import current_revision, head_revision
from pressroom.db.targets import resolve_targets
from pressroom.errors import PressroomError
from pressroom.local.binaries import find_postgres, find_redis
from pressroom.local.layout import Layout
from pressroom.local.ports import LOOPBACK
from pressroom.local.postgres import ClusterState, LocalPostgres
from pressroom.local.processes import RunAs
from pressroom.local.redis import LocalRedis
from pressroom.local.secrets import read_secrets
from pressroom.local.servers import API, DASHBOARD, Server, server_status
from pressroom.local.state import read_state

ESTIMATED_ARTICLES = """
SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'pressroom.articles'::regclass
"""


@dataclass(frozen=True, slots=True)
class ServiceReport:
    name: str
    state: str  # running | stopped | absent | external | unreachable | not started
    address: str = ""
    version: str = ""
    pid: int | None = None
    detail: str = ""

    @property
    def healthy(self) -> bool:
        # "not started": an optional service (the API) that this stack was brought up without.
        return self.state in ("running", "external", "not started")


@dataclass
class StackReport:
    data_dir: str
    services: list[ServiceReport] = field(default_factory=list)
    schema_revision: str | None = None
    expected_revision: str = ""
    articles_estimate: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return (
            all(s.healthy for s in self.services)
            and self.schema_revision == self.expected_revision
            and not self.problems
        )


def _postgres_report(settings: Settings, report: StackReport) -> ServiceReport:
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
        return _probe_database(
            settings, report, ServiceReport("PostgreSQL", "external", redact(url))
        )
    layout = Layout(settings.data_dir)
    binaries = find_postgres(settings.pg_bin_dir)
    if binaries is None:
        return ServiceReport("PostgreSQL", "absent", detail="server binaries not installed")
    status = LocalPostgres(layout, binaries, RunAs()).status()
    if status.state is ClusterState.ABSENT:
        return ServiceReport(
            "PostgreSQL", "absent", version=binaries.version, detail="run `pressroom up`"
        )
    if status.state is ClusterState.STOPPED:
        return ServiceReport(
            "PostgreSQL", "stopped", version=binaries.version, detail=str(layout.pg_data)
        )
    service = ServiceReport(
        "PostgreSQL",
        "running",
        f"{LOOPBACK}:{status.port}",
        binaries.version,
        status.pid,
        f"data {layout.pg_data}, socket {layout.pg_socket_dir}"
        + ("" if binaries.has_hypopg else "; hypopg not installed"),
    )
    return _probe_database(settings, report, service)


def _probe_database(
    settings: Settings, report: StackReport, service: ServiceReport
) -> ServiceReport:
    try:
        targets = resolve_targets(settings)
        report.schema_revision = current_revision(targets.owner, settings.connect_timeout_s)
        with connect_sync(targets.reader, settings.connect_timeout_s) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            version = str(row[0]).split(" ", 1)[0] if row else ""
            if report.schema_revision is not None:
                estimate = conn.execute(ESTIMATED_ARTICLES).fetchone()
                report.articles_estimate = int(estimate[0]) if estimate else None
    except PressroomError as exc:
        return ServiceReport(service.name, "unreachable", service.address, detail=str(exc))
    return ServiceReport(
        service.name, service.state, service.address, version, service.pid, service.detail
    )


def _redis_report(settings: Settings) -> ServiceReport:
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
        client = redis.Redis.from_url(url, socket_timeout=settings.connect_timeout_s)
        address = redact(url)
        state = "external"
        pid = None
    else:
        layout = Layout(settings.data_dir)
        binaries = find_redis()
        if binaries is None:
            return ServiceReport("Redis", "absent", detail="redis-server not installed")
        status = LocalRedis(layout, binaries, RunAs()).status()
        if not status.running or status.port is None:
            return ServiceReport("Redis", "stopped", version=binaries.version)
        password = read_secrets(layout.secrets_file).redis_password
        client = redis.Redis(host=LOOPBACK, port=status.port, password=password, socket_timeout=2)
        address = f"{LOOPBACK}:{status.port}"
        state = "running"
        pid = status.pid
    try:
        info = client.info("server")
    except redis.RedisError as exc:
        return ServiceReport("Redis", "unreachable", address, detail=str(exc))
    finally:
        client.close()
    return ServiceReport("Redis", state, address, str(info.get("redis_version", "")), pid)


def _server_report(settings: Settings, server: Server, host: str, path: str = "") -> ServiceReport:
    layout = Layout(settings.data_dir)
    status = server_status(layout, server)
    port = getattr(read_state(layout.state_file), f"{server.key}_port")
    if not status.running:
        return ServiceReport(server.name, "stopped" if port is not None else "not started")
    return ServiceReport(server.name, "running", f"http://{host}:{port}{path}", pid=status.pid)


def stack_report(settings: Settings) -> StackReport:
    report = StackReport(str(settings.data_dir), expected_revision=head_revision())
    report.services.append(_postgres_report(settings, report))
    report.services.append(_redis_report(settings))
    report.services.append(_server_report(settings, API, settings.api_host))
    report.services.append(
        _server_report(settings, DASHBOARD, settings.dashboard_host, "/dashboard")
    )
    if report.services[0].state == "absent":
        report.problems.append(f"no local stack in {report.data_dir}: run `pressroom up`")
    if report.schema_revision != report.expected_revision and report.services[0].healthy:
        report.problems.append(
            f"schema is at {report.schema_revision or 'nothing'}, this code expects "
            f"{report.expected_revision}: run `pressroom migrate`"
        )
    return report
