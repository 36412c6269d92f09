"""Plans of arbitrary statements, safely: EXPLAIN in a transaction that is always rolled back.

Statements from pg_stat_statements carry `$n` placeholders. PostgreSQL 16 explains them with
`EXPLAIN (GENERIC_PLAN)`; on 13 to 15 the statement is PREPAREd and executed with NULLs under
`plan_cache_mode = force_generic_plan`, so the NULLs never reach the planner as values and the plan
is the one any parameters would get.

Errors: a failing statement's message can quote the data it failed on ("invalid input syntax for
type integer: <a value from the table>"), which is how PgHero leaked data (CVE-2023-22626). Only
errors about the statement itself (syntax, names, privileges: SQLSTATE class 42) keep their
message; every other error is reported by its SQLSTATE and condition name alone.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import orjson

from pressroom.errors import PressroomError

DEFAULT_TIMEOUT_MS = 10_000
# One fixed name, deallocated after each use: a new name per call would make every EXPLAIN
# EXECUTE a distinct pg_stat_statements entry, evicting the real statements it is there to show.
PREPARED_NAME = "pressroom_doctor_plan"
PLACEHOLDER = re.compile(r"\$(\d+)")
# Messages of these classes describe the statement, never row data.
SAFE_MESSAGE_CLASSES = ("42",)


class PlanError(PressroomError):
    """The statement could not be planned or run; the message is safe to show anyone."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def safe_error(exc: asyncpg.PostgresError) -> PlanError:
    sqlstate = exc.sqlstate or "XX000"
    if sqlstate.startswith(SAFE_MESSAGE_CLASSES):
        return PlanError(f"{exc.message} (SQLSTATE {sqlstate})", sqlstate)
    condition = re.sub(r"(?<!^)(?=[A-Z])", " ", type(exc).__name__.removesuffix("Error")).lower()
    return PlanError(
        f"the statement failed: {condition} (SQLSTATE {sqlstate}); the server's message is not "
        "shown because it may quote table data",
        sqlstate,
    )


def safe_message(exc: asyncpg.PostgresError | PressroomError) -> str:
    """What went wrong, in words safe to show anyone: the server's message only when it cannot
    quote table data (see safe_error); pressroom's own errors are written to be shown."""
    if isinstance(exc, asyncpg.PostgresError):
        return str(safe_error(exc))
    return str(exc)


def placeholder_count(query: str) -> int:
    return max((int(n) for n in PLACEHOLDER.findall(query)), default=0)


def _single_statement(query: str) -> str:
    query = query.strip().rstrip(";").strip()
    if not query:
        raise PlanError("the statement is empty")
    return query


async def explain_json(
    conn: asyncpg.Connection,
    query: str,
    *,
    analyze: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> dict[str, Any]:
    """The plan of `query` as PostgreSQL's JSON (the first element of EXPLAIN's array).

    With `analyze` the statement runs, in a READ ONLY transaction, so a statement that would write
    fails instead; either way the transaction is rolled back. Statements with placeholders cannot
    be analyzed (there are no values to run them with) and get their generic plan.

    Every statement goes through the extended protocol (`fetchval`), which refuses more than one
    command: `SELECT 1; DROP TABLE t` fails instead of running its second half.
    """
    query = _single_statement(query)
    params = placeholder_count(query)
    if analyze and params:
        raise PlanError(
            "a statement with $n placeholders cannot be run; explain it without ANALYZE"
        )
    prepared: str | None = None
    tx = conn.transaction(readonly=analyze)
    await tx.start()
    try:
        await conn.fetchval("SELECT set_config('statement_timeout', $1, true)", str(timeout_ms))
        if analyze:
            text = await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) " + query)
        elif params and conn.get_server_version() >= (16, 0):
            text = await conn.fetchval("EXPLAIN (GENERIC_PLAN, VERBOSE, FORMAT JSON) " + query)
        elif params:
            name = PREPARED_NAME
            await conn.fetchval("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")
            # PREPARE cannot take the statement as a bound parameter; it is the admin's own input
            # or pg_stat_statements' record of a statement that already ran.
            await conn.fetchval(f"PREPARE {name} AS {query}")
            prepared = name
            nulls = ", ".join(["NULL"] * params)
            text = await conn.fetchval(
                f"EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE {prepared}({nulls})"
            )
        else:
            text = await conn.fetchval("EXPLAIN (VERBOSE, FORMAT JSON) " + query)
    except asyncpg.PostgresError as exc:
        raise safe_error(exc) from None
    finally:
        await tx.rollback()
        if prepared is not None:
            # Prepared statements belong to the session and outlive the rollback.
            await conn.execute(f"DEALLOCATE {prepared}")
    document = orjson.loads(text) if isinstance(text, str) else text
    plan: dict[str, Any] = document[0]
    return plan


async def planned_cost(conn: asyncpg.Connection, query: str) -> float:
    """The planner's total cost estimate for `query` (generic when it has placeholders)."""
    plan = await explain_json(conn, query)
    return float(plan["Plan"]["Total Cost"])
