"""Applying and reverting the schema with Alembic; migrations are plain SQL files."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import psycopg
from alembic import command, op
from alembic.config import Config
from alembic.script import ScriptDirectory

from pressroom.db.connect import connect_sync
from pressroom.db.roles import SCHEMA

MIGRATIONS_PACKAGE = "pressroom.db.migrations"


def _sql(name: str) -> str:
    return (resources.files(MIGRATIONS_PACKAGE) / name).read_text(encoding="utf-8")


def run_sql_file(name: str) -> None:
    """Run one SQL file of the migrations package inside the migration's transaction."""
    dbapi = op.get_bind().connection.driver_connection
    assert isinstance(dbapi, psycopg.Connection)
    # No parameters are passed, so psycopg sends the file as it is: '%' and ':' need no escaping.
    dbapi.execute(_sql(name))


def _config(url: str, timeout_s: float) -> Config:
    config = Config()
    config.set_main_option("script_location", "pressroom.db:migrations")
    config.attributes["url"] = url
    config.attributes["connect"] = lambda target: connect_sync(target, timeout_s, autocommit=False)
    return config


def head_revision() -> str:
    script = ScriptDirectory.from_config(_config("", 1))
    head = script.get_current_head()
    assert head is not None
    return head


@dataclass(frozen=True, slots=True)
class MigrationResult:
    before: str | None
    after: str | None


def current_revision(url: str, timeout_s: float) -> str | None:
    with connect_sync(url, timeout_s) as conn:
        exists = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.alembic_version"]
        ).fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute(f"SELECT version_num FROM {SCHEMA}.alembic_version").fetchone()  # noqa: S608
        return str(row[0]) if row else None


def upgrade(url: str, timeout_s: float, revision: str = "head") -> MigrationResult:
    before = current_revision(url, timeout_s)
    command.upgrade(_config(url, timeout_s), revision)
    apply_grants(url, timeout_s)
    return MigrationResult(before, current_revision(url, timeout_s))


def downgrade(url: str, timeout_s: float, revision: str) -> MigrationResult:
    before = current_revision(url, timeout_s)
    command.downgrade(_config(url, timeout_s), revision)
    return MigrationResult(before, current_revision(url, timeout_s))


def apply_grants(url: str, timeout_s: float) -> None:
    grants = (resources.files("pressroom.db") / "grants.sql").read_text(encoding="utf-8")
    with connect_sync(url, timeout_s) as conn:
        conn.execute(grants)
