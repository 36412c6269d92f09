"""Whether the database is reachable and its schema is the one this code expects."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from pressroom.db.migrate import head_revision
from pressroom.db.pool import Database, PoolExhaustedError
from pressroom.db.roles import SCHEMA
from pressroom.errors import PressroomError


@dataclass(frozen=True, slots=True)
class Readiness:
    database: bool
    schema_revision: str | None
    expected_revision: str

    @property
    def ready(self) -> bool:
        return self.database and self.schema_revision == self.expected_revision


async def check_readiness(database: Database, timeout_s: float = 2.0) -> Readiness:
    expected = head_revision()
    try:
        async with database.connection("/ready") as conn:
            revision = await conn.fetchval(
                f"SELECT version_num FROM {SCHEMA}.alembic_version",  # noqa: S608
                timeout=timeout_s,
            )
    except PoolExhaustedError:
        # Every connection is busy serving requests: the database answers, this instance is
        # just loaded. Saying "not ready" here would make a load balancer drop every instance
        # at the same moment, so the last schema seen stands in.
        return Readiness(True, database.last_schema_revision, expected)
    except (OSError, TimeoutError, PressroomError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return Readiness(False, None, expected)
    database.last_schema_revision = revision
    return Readiness(True, revision, expected)
