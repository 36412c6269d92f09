"""Helpers for tests that need a real stack: scratch folders the service user can enter,
settings on free ports, and databases cloned from a migrated template."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from psycopg import sql

from pressroom.config import Settings, load_settings
from pressroom.db.connect import connect_sync
from pressroom.db.roles import ADMIN_ROLE, Role
from pressroom.db.targets import DatabaseTargets, local_url
from pressroom.local.layout import Layout
from pressroom.local.ports import free_port
from pressroom.local.secrets import read_secrets
from pressroom.local.state import read_state

TEST_MEMORY_BUDGET_MB = 512


@contextmanager
def scratch_dir(prefix: str = "pressroom-test-") -> Iterator[Path]:
    # Not pytest's tmp_path: it lives under a 0700 folder that PostgreSQL's service user cannot
    # enter when the suite runs as root.
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def stack_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "pg_port": free_port(),
        "redis_port": free_port(),
        "api_port": free_port(),
        "pg_memory_budget_mb": TEST_MEMORY_BUDGET_MB,
        "pg_max_connections": 50,
        "sample_articles": 0,
        "database_url": None,
        "redis_url": None,
    }
    values.update(overrides)
    return load_settings(**values)


def admin_url(settings: Settings, dbname: str = "postgres") -> str:
    layout = Layout(settings.data_dir)
    port = read_state(layout.state_file).pg_port
    assert port is not None
    return local_url(
        layout, port, ADMIN_ROLE, read_secrets(layout.secrets_file).admin_password, dbname
    )


def database_targets(settings: Settings, dbname: str) -> DatabaseTargets:
    layout = Layout(settings.data_dir)
    port = read_state(layout.state_file).pg_port
    assert port is not None
    secrets = read_secrets(layout.secrets_file)
    return DatabaseTargets(
        owner=local_url(layout, port, Role.OWNER.value, secrets.owner_password, dbname),
        writer=local_url(layout, port, Role.WRITER.value, secrets.writer_password, dbname),
        reader=local_url(layout, port, Role.READER.value, secrets.reader_password, dbname),
        admin=local_url(layout, port, ADMIN_ROLE, secrets.admin_password, dbname),
    )


def clone_database(settings: Settings, template: str, name: str) -> DatabaseTargets:
    """A fresh database copied from a migrated template: milliseconds instead of migrating."""
    with connect_sync(admin_url(settings), 10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(template), sql.Identifier(Role.OWNER.value)
            )
        )
        for role in (Role.WRITER, Role.READER):
            conn.execute(
                sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                    sql.Identifier(name), sql.Identifier(role.value)
                )
            )
    return database_targets(settings, name)


def drop_database(settings: Settings, name: str) -> None:
    with connect_sync(admin_url(settings), 10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def cloned_database(settings: Settings, template: str, name: str) -> Iterator[DatabaseTargets]:
    """clone_database() for the length of a block (a fixture's, a test's), dropped after it."""
    targets = clone_database(settings, template, name)
    try:
        yield targets
    finally:
        drop_database(settings, name)
