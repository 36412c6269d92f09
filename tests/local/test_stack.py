"""The local stack's lifecycle against real PostgreSQL and Redis processes started by
pressroom's own code: secure defaults, idempotent `up`, clean `down`, recovery from crashes and
clear refusals of folders it must not touch."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from pressroom.bench.cpu import children, postmaster_pid
from pressroom.config import Settings
from pressroom.db.connect import connect_sync
from pressroom.db.migrate import head_revision
from pressroom.db.targets import resolve_targets
from pressroom.errors import DatabaseUnavailableError, StackError
from pressroom.local.layout import Layout
from pressroom.local.ports import LOOPBACK, free_port
from pressroom.local.postgres import ClusterState
from pressroom.local.secrets import read_secrets
from pressroom.local.stack import Stack
from pressroom.local.state import read_state
from pressroom.local.status import stack_report
from tests.support import admin_url, scratch_dir, stack_settings


@pytest.fixture(scope="module")
def own_stack() -> Iterator[Settings]:
    """A stack of this module's own, since these tests stop, kill and restart it."""
    with scratch_dir() as root:
        settings = stack_settings(root / "data")
        try:
            Stack(settings).up(with_api=False)
            yield settings
        finally:
            Stack(settings).down()


def _show(settings: Settings, name: str) -> str:
    with connect_sync(admin_url(settings), 10) as conn:
        row = conn.execute(f"SHOW {name}").fetchone()  # names come from the tests below
    assert row is not None
    return str(row[0])


def test_cluster_is_private_and_secure_by_default(own_stack: Settings) -> None:
    layout = Layout(own_stack.data_dir)
    assert _show(own_stack, "listen_addresses") == "127.0.0.1"
    assert _show(own_stack, "port") != "5432"
    assert _show(own_stack, "password_encryption") == "scram-sha-256"
    hba = [
        line.split()
        for line in (layout.pg_data / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert hba
    assert all(fields[-1] == "scram-sha-256" for fields in hba)
    assert (layout.secrets_file.stat().st_mode & 0o777) == 0o600
    secrets = read_secrets(layout.secrets_file)
    port = read_state(layout.state_file).pg_port
    # Without the password there is no way in, not even over the socket.
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(
            host=str(layout.pg_socket_dir), port=port, user="pressroom_admin", dbname="postgres"
        )
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=LOOPBACK, port=port, user="pressroom_owner", password="wrong", dbname="pressroom"
        )
    assert secrets.owner_password != secrets.reader_password


def _title(pid: int) -> bytes:
    """A process's title, or nothing if it ended since it was listed (backends come and go)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def test_cluster_is_configured_for_the_roadmap(own_stack: Settings) -> None:
    assert _show(own_stack, "wal_level") == "logical"
    assert (
        _show(own_stack, "shared_preload_libraries") == "pg_stat_statements,auto_explain,pg_prewarm"
    )
    assert _show(own_stack, "pg_prewarm.autoprewarm") == "on"
    # The leader keeps no database connection, so pg_stat_activity does not list it.
    postmaster = postmaster_pid(Layout(own_stack.data_dir).pg_data)
    assert postmaster is not None
    assert any(b"autoprewarm leader" in _title(pid) for pid in children(postmaster))
    assert _show(own_stack, "track_io_timing") == "on"
    assert _show(own_stack, "archive_mode") == "on"
    assert str(Layout(own_stack.data_dir).wal_archive) in _show(own_stack, "archive_command")
    assert _show(own_stack, "data_checksums") == "on"
    assert _show(own_stack, "server_encoding") == "UTF8"
    # The tuning for this machine's budget is what the server runs with.
    assert _show(own_stack, "shared_buffers") == "128MB"  # a quarter of the 512 MB test budget


def test_wal_is_archived(own_stack: Settings) -> None:
    archive = Layout(own_stack.data_dir).wal_archive
    with connect_sync(admin_url(own_stack), 10) as conn:
        segment = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()
        conn.execute("SELECT pg_switch_wal()")
    assert segment is not None
    deadline = time.monotonic() + 30
    while not (archive / str(segment[0])).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (archive / str(segment[0])).exists()


def test_redis_is_local_and_needs_its_password(own_stack: Settings) -> None:
    layout = Layout(own_stack.data_dir)
    port = read_state(layout.state_file).redis_port
    assert port is not None
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=LOOPBACK, port=port).ping()
    client = redis.Redis(
        host=LOOPBACK, port=port, password=read_secrets(layout.secrets_file).redis_password
    )
    assert client.ping()
    assert client.config_get("bind")["bind"] == LOOPBACK


def test_up_is_idempotent(own_stack: Settings) -> None:
    layout = Layout(own_stack.data_dir)
    before = (read_state(layout.state_file), layout.secrets_file.read_bytes())
    notes: list[str] = []
    Stack(own_stack, notify=notes.append).up(with_api=False)
    assert notes == []  # nothing was created, started or migrated again
    assert (read_state(layout.state_file), layout.secrets_file.read_bytes()) == before


def test_status_reports_a_healthy_stack(own_stack: Settings) -> None:
    report = stack_report(own_stack)
    assert report.healthy, report
    assert [(s.name, s.state) for s in report.services] == [
        ("PostgreSQL", "running"),
        ("Redis", "running"),
        ("API", "not started"),
        ("dashboard", "not started"),
    ]
    assert report.schema_revision == head_revision()


def test_a_crash_leaves_nothing_that_blocks_the_next_up(own_stack: Settings) -> None:
    layout = Layout(own_stack.data_dir)
    stack = Stack(own_stack)
    from pressroom.local.binaries import find_postgres
    from pressroom.local.postgres import LocalPostgres
    from pressroom.local.processes import RunAs

    binaries = find_postgres()
    assert binaries is not None
    postgres = LocalPostgres(layout, binaries, RunAs.for_servers(own_stack.service_user))
    status = postgres.status()
    assert status.state is ClusterState.RUNNING
    assert status.pid is not None
    os.kill(status.pid, signal.SIGKILL)
    redis_pid = int((layout.redis_pid_file).read_text())
    os.kill(redis_pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while postgres.status().state is ClusterState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
    # The pid file now names a dead process; pretend the pid was reused by something else.
    pid_file = layout.pg_data / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    lines[0] = str(os.getpid())
    pid_file.write_text("\n".join(lines) + "\n")
    stack.up(with_api=False)
    assert stack_report(own_stack).healthy
    with connect_sync(resolve_targets(own_stack).reader, 10) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_down_stops_everything_and_up_brings_it_back(own_stack: Settings) -> None:
    stack = Stack(own_stack)
    assert set(stack.down()) == {"PostgreSQL", "Redis"}
    report = stack_report(own_stack)
    states = [s.state for s in report.services]
    assert states == ["stopped", "stopped", "not started", "not started"]
    assert not report.healthy
    assert stack.down() == []
    stack.up(with_api=False)
    assert stack_report(own_stack).healthy


def test_a_busy_port_is_replaced_and_said(tmp_path_factory: pytest.TempPathFactory) -> None:
    with scratch_dir() as root, socket.socket() as squatter:
        squatter.bind((LOOPBACK, 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        settings = stack_settings(root / "data", pg_port=busy)
        notes: list[str] = []
        stack = Stack(settings, notify=notes.append)
        try:
            report = stack.up(with_api=False)
            assert report.pg_port != busy
            assert any(f"port {busy}" in note and "taken" in note for note in report.notes)
            assert stack_report(settings).healthy
        finally:
            stack.down()


def test_a_half_initialised_folder_does_not_block_up() -> None:
    with scratch_dir() as root:
        settings = stack_settings(root / "data")
        layout = Layout(settings.data_dir)
        layout.pg_data_in_progress.mkdir(parents=True)
        (layout.pg_data_in_progress / "PG_VERSION").write_text("15\n")  # initdb died here
        stack = Stack(settings)
        try:
            stack.up(with_api=False)
            assert stack_report(settings).healthy
            assert not layout.pg_data_in_progress.exists()
        finally:
            stack.down()


def _refused(settings: Settings, pg_data: Path, match: str) -> None:
    before = sorted(p.name for p in pg_data.iterdir())
    with pytest.raises(StackError, match=match):
        Stack(settings).up(with_api=False)
    assert sorted(p.name for p in pg_data.iterdir()) == before  # nothing deleted


def test_a_folder_from_another_postgres_version_is_refused_untouched() -> None:
    with scratch_dir() as root:
        settings = stack_settings(root / "data")
        pg_data = Layout(settings.data_dir).pg_data
        (pg_data / "global").mkdir(parents=True)
        (pg_data / "global" / "pg_control").write_bytes(b"\0" * 16)
        (pg_data / "PG_VERSION").write_text("11\n")
        _refused(settings, pg_data, "created by PostgreSQL 11")


def test_a_damaged_folder_is_refused_untouched() -> None:
    with scratch_dir() as root:
        settings = stack_settings(root / "data")
        pg_data = Layout(settings.data_dir).pg_data
        (pg_data / "base").mkdir(parents=True)
        (pg_data / "important.dat").write_text("someone's data")
        _refused(settings, pg_data, "not a complete PostgreSQL data folder")


def test_an_unreachable_external_database_fails_fast_and_clearly() -> None:
    with scratch_dir() as root:
        closed = free_port()
        settings = stack_settings(
            root / "data",
            database_url=f"postgresql://someone:secret@{LOOPBACK}:{closed}/news",
            connect_timeout_s=2,
        )
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailableError) as caught:
            Stack(settings).up(with_api=False)
        assert time.monotonic() - started < 15
        assert f"{LOOPBACK}:{closed}" in str(caught.value)
        assert "secret" not in str(caught.value)
        assert not Layout(settings.data_dir).pg_data.exists()


def test_an_external_database_is_migrated_and_nothing_is_started(stack: Settings) -> None:
    from tests.support import clone_database, drop_database

    target = clone_database(stack, "template0", "t_external")
    try:
        with connect_sync(target.admin or "", 10) as conn:
            conn.execute("ALTER SCHEMA public OWNER TO pressroom_owner")
        with scratch_dir() as root:
            redis_port = read_state(Layout(stack.data_dir).state_file).redis_port
            password = read_secrets(Layout(stack.data_dir).secrets_file).redis_password
            settings = stack_settings(
                root / "data",
                database_url=target.owner,
                redis_url=f"redis://:{password}@{LOOPBACK}:{redis_port}/0",
            )
            notes: list[str] = []
            Stack(settings, notify=notes.append).up(with_api=False)
            assert any("migrated the schema" in note for note in notes)
            assert not Layout(settings.data_dir).pg_data.exists()
            assert read_state(Layout(settings.data_dir).state_file).pg_port is None
            report = stack_report(settings)
            assert report.healthy, report
            assert report.services[0].state == "external"
            assert Stack(settings).down() == []  # nothing of ours was running
    finally:
        drop_database(stack, "t_external")


def test_missing_binaries_name_the_packages(tmp_path: Path) -> None:
    from pressroom.errors import MissingBinariesError
    from pressroom.local.binaries import ensure_postgres

    with pytest.raises(MissingBinariesError, match="postgresql postgresql-contrib"):
        ensure_postgres(tmp_path, install=False)
