"""The database being inspected: one connection plus what the checks need to know about it.

The doctor works against any PostgreSQL 13 or newer. What differs between servers (version,
installed extensions, privileges) is read once here, so each check can say plainly what is missing
and how to enable it instead of failing on a missing view.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from pressroom.config import Settings
from pressroom.db.targets import resolve_targets
from pressroom.errors import DatabaseUnavailableError, PressroomError
from pressroom.insights.model import Finding, Status

MIN_SERVER_VERSION = 130000
APPLICATION_NAME = "pressroom doctor"
# Every inspection query is a catalogue or statistics read; none should take long, and one that
# does must not pin the connection the dashboard shares.
STATEMENT_TIMEOUT_MS = 15_000
# Sizes need a lock on each relation: behind an ALTER TABLE or a VACUUM FULL a section gives up
# after this instead of hanging until the statement timeout.
LOCK_TIMEOUT_MS = 2_000

FACTS = """
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_database() AS database,
       current_user AS user_name,
       pg_backend_pid() AS pid,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor,
       pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend,
       pg_is_in_recovery() AS in_recovery,
       current_setting('shared_preload_libraries') AS preload,
       coalesce((SELECT array_agg(extname::text) FROM pg_extension), '{}') AS installed,
       coalesce((SELECT array_agg(name::text) FROM pg_available_extensions), '{}') AS available
"""


class InspectionError(PressroomError):
    """The database cannot be inspected as asked (a message for the user)."""


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension a section needs, and how to get it."""

    name: str
    purpose: str
    needs_preload: bool = False
    package_hint: str = ""


PG_STAT_STATEMENTS = Extension(
    "pg_stat_statements",
    "query statistics",
    needs_preload=True,
    package_hint="it ships with PostgreSQL's contrib package",
)
HYPOPG = Extension(
    "hypopg",
    "hypothetical indexes for the index advisor",
    package_hint="Debian/Ubuntu: apt-get install postgresql-<major>-hypopg; most managed "
    "services offer it as an extension",
)


@dataclass(frozen=True, slots=True)
class Target:
    conn: asyncpg.Connection
    version_num: int
    version: str
    database: str
    user: str
    pid: int  # our own backend, left out of activity listings
    superuser: bool
    monitor: bool
    signal_backend: bool
    in_recovery: bool
    preloaded: frozenset[str]
    installed: frozenset[str]
    available: frozenset[str]

    def has(self, extension: Extension) -> bool:
        loaded = not extension.needs_preload or extension.name in self.preloaded
        return extension.name in self.installed and loaded

    def missing(self, extension: Extension, check: str) -> Finding:
        """A finding that says why `extension` is not usable here and how to enable it."""
        steps: list[str] = []
        fix: tuple[str, ...] = ()
        if extension.name not in self.available:
            steps.append(f"install it on the server ({extension.package_hint})")
        if extension.needs_preload and extension.name not in self.preloaded:
            steps.append(
                f"add {extension.name} to shared_preload_libraries and restart PostgreSQL "
                "(on managed services: the parameter group or server flags)"
            )
        if extension.name not in self.installed:
            steps.append(f"run CREATE EXTENSION {extension.name} in database {self.database}")
            fix = (f"CREATE EXTENSION IF NOT EXISTS {extension.name};",)
        return Finding(
            check=check,
            title=f"{extension.name} is not available",
            status=Status.WARN,
            detail=f"{extension.name} provides {extension.purpose}; without it this section "
            "cannot say anything.",
            advice="To enable it: " + "; then ".join(steps) + ".",
            fix_sql=fix,
        )


async def describe(conn: asyncpg.Connection) -> Target:
    row = await conn.fetchrow(FACTS)
    assert row is not None
    if row["version_num"] < MIN_SERVER_VERSION:
        raise InspectionError(
            f"PostgreSQL {row['version']} is too old: the doctor needs 13 or newer"
        )
    preload = {part.strip() for part in row["preload"].split(",") if part.strip()}
    return Target(
        conn=conn,
        version_num=row["version_num"],
        version=row["version"],
        database=row["database"],
        user=row["user_name"],
        pid=row["pid"],
        superuser=row["superuser"],
        monitor=row["monitor"],
        signal_backend=row["signal_backend"],
        in_recovery=row["in_recovery"],
        preloaded=frozenset(preload),
        installed=frozenset(row["installed"]),
        available=frozenset(row["available"]),
    )


async def prepare_connection(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "SELECT set_config('application_name', $1, false), "
        "set_config('statement_timeout', $2, false), set_config('lock_timeout', $3, false)",
        APPLICATION_NAME,
        str(STATEMENT_TIMEOUT_MS),
        str(LOCK_TIMEOUT_MS),
    )


@asynccontextmanager
async def open_target(dsn: str, timeout_s: float = 10.0) -> AsyncIterator[Target]:
    """A connection to `dsn`, described; closed on exit."""
    try:
        conn = await asyncpg.connect(dsn, timeout=timeout_s)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise DatabaseUnavailableError(f"cannot connect to the database: {exc}") from None
    try:
        await prepare_connection(conn)
        yield await describe(conn)
    finally:
        await conn.close()


def default_dsn(settings: Settings) -> str:
    """Whom the doctor inspects when no DSN is given: DATABASE_URL, or the local stack's
    database as its superuser (the only role that sees every statement and may cancel any
    backend)."""
    targets = resolve_targets(settings)
    return targets.admin or targets.owner


def memory_budget_mb(settings: Settings, dsn: str | None) -> int | None:
    """The memory PostgreSQL was tuned for, when the doctor inspects the local stack (no DSN
    given, no external database): its `pg_memory_budget_mb`, not the whole machine. None for
    any other server, whose memory is detected or given."""
    local_stack = dsn is None and not settings.uses_external_database
    return settings.pg_memory_budget_mb if local_stack else None
