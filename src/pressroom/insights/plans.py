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
import pglast
import pglast.parser
import pglast.visitors

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


def safe_error(exc: asyncpg.PostgresError, *, while_running: bool = False) -> PlanError:
    """`exc` in words safe to show anyone. While a statement runs, even a class 42 message can
    quote a row (`x::regclass` on a value read from a table says `relation "<value>" does not
    exist`), so only errors from parsing and planning keep their message."""
    sqlstate = exc.sqlstate or "XX000"
    if sqlstate.startswith(SAFE_MESSAGE_CLASSES) and not while_running:
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

    Always in a READ ONLY transaction that is rolled back, under `timeout_ms`. With `analyze`
    the statement runs: a statement that would write fails, and one that calls a function that
    acts outside the transaction (`pg_terminate_backend()`, `pg_advisory_lock()`, dblink...) or
    locks rows is refused before it runs (refuse_side_effects). Statements with placeholders
    cannot be analyzed (there are no values to run them with) and get their generic plan.

    Every statement goes through the extended protocol (`fetchval`), which refuses more than one
    command: `SELECT 1; DROP TABLE t` fails instead of running its second half.
    """
    query = _single_statement(query)
    params = placeholder_count(query)
    if analyze and params:
        raise PlanError(
            "a statement with $n placeholders cannot be run; explain it without ANALYZE"
        )
    if analyze:
        await refuse_side_effects(conn, query)
    prepared = False
    running = False
    tx = conn.transaction(readonly=True)
    await tx.start()
    try:
        await conn.fetchval("SELECT set_config('statement_timeout', $1, true)", str(timeout_ms))
        if analyze:
            # Planned first: an error now is about the statement; once it runs, an error may
            # quote the rows it was reading.
            await conn.fetchval("EXPLAIN (FORMAT JSON) " + query)
            running = True
            text = await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) " + query)
        elif params and conn.get_server_version() >= (16, 0):
            # The extended protocol still sees the placeholders as parameters: bind NULLs,
            # which GENERIC_PLAN ignores.
            text = await conn.fetchval(
                "EXPLAIN (GENERIC_PLAN, VERBOSE, FORMAT JSON) " + query, *[None] * params
            )
        elif params:
            await conn.fetchval("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")
            # PREPARE cannot take the statement as a bound parameter; it is the admin's own input
            # or pg_stat_statements' record of a statement that already ran.
            await conn.fetchval(f"PREPARE {PREPARED_NAME} AS {query}")
            prepared = True
            nulls = ", ".join(["NULL"] * params)
            text = await conn.fetchval(
                f"EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE {PREPARED_NAME}({nulls})"
            )
        else:
            text = await conn.fetchval("EXPLAIN (VERBOSE, FORMAT JSON) " + query)
    except asyncpg.PostgresError as exc:
        raise safe_error(exc, while_running=running) from None
    except asyncpg.InterfaceError as exc:
        # The client's side of a mismatch (a parameter count, say); never the server's rows.
        raise PlanError(f"the statement cannot be explained here: {exc}") from None
    finally:
        try:
            await tx.rollback()
        finally:
            if prepared:
                await forget_prepared(conn)
    document = orjson.loads(text) if isinstance(text, str) else text
    plan: dict[str, Any] = document[0]
    return plan


async def forget_prepared(conn: asyncpg.Connection) -> None:
    """Prepared statements belong to the session and outlive a rollback; one left behind (the
    connection was cancelled mid-explain) would make the next PREPARE of that name fail."""
    if not conn.is_closed():
        await conn.execute(FORGET_PREPARED)


FORGET_HYPOTHETICAL = """
DO $$
DECLARE
    schema text := (SELECT n.nspname FROM pg_extension e
                      JOIN pg_namespace n ON n.oid = e.extnamespace
                     WHERE e.extname = 'hypopg');
BEGIN
    IF schema IS NOT NULL THEN
        EXECUTE format('SELECT %I.hypopg_reset()', schema);
    END IF;
END $$
"""


async def reset_session(conn: asyncpg.Connection) -> None:
    """A pooled connection made fit for the next request, beyond asyncpg's own reset (locks,
    cursors, settings): no prepared plan and no HypoPG index left by an explain or an advice
    that was cancelled halfway, which would change the plans the next request sees."""
    await conn.reset()
    await conn.execute(FORGET_HYPOTHETICAL)
    await forget_prepared(conn)


# Volatile functions that change nothing outside the statement: safe to run under ANALYZE.
# (Writers among volatile functions, nextval() and the like, fail in a read-only transaction.)
HARMLESS_VOLATILE = frozenset(
    {
        "random",
        "random_normal",
        "setseed",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "uuid_generate_v4",
        "pg_sleep",
        "currval",
        "lastval",
        "nextval",
        "setval",
        "txid_current",
        "pg_current_xact_id",
    }
)
VOLATILE_CALLED = """
SELECT DISTINCT proname::text FROM pg_proc WHERE proname = ANY($1::text[]) AND provolatile = 'v'
"""
FORGET_PREPARED = f"""
DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_prepared_statements WHERE name = '{PREPARED_NAME}') THEN
        DEALLOCATE {PREPARED_NAME};
    END IF;
END $$
"""


async def refuse_side_effects(conn: asyncpg.Connection, query: str) -> None:
    """Refuse to run a statement whose effects a rollback would not undo: row locks (FOR
    UPDATE/SHARE) and volatile functions other than the harmless ones. A READ ONLY transaction
    stops writes to tables, but not `pg_terminate_backend()`, `pg_advisory_lock()`,
    `pg_stat_statements_reset()`, `pg_reload_conf()`, dblink or `lo_export()`. Functions
    reached through views or operators are not seen here; ANALYZE is for admins only."""
    try:
        tree = pglast.parse_sql(query)
    except pglast.parser.ParseError:
        return  # EXPLAIN will say what is wrong with it, safely
    calls = _Calls()
    calls(tree)
    if calls.locks:
        raise PlanError(
            "ANALYZE would lock rows (FOR UPDATE/SHARE) and make writers wait; explain it "
            "without ANALYZE"
        )
    names = sorted(calls.names - HARMLESS_VOLATILE)
    if not names:
        return
    volatile = [row[0] for row in await conn.fetch(VOLATILE_CALLED, names)]
    if volatile:
        raise PlanError(
            f"ANALYZE would run {', '.join(f'{name}()' for name in volatile)}, which may act "
            "outside the statement, where a rollback cannot undo it; explain it without ANALYZE"
        )


class _Calls(pglast.visitors.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.locks = False

    def visit_FuncCall(self, ancestors: Any, node: Any) -> None:
        self.names.add(str(node.funcname[-1].sval).lower())

    def visit_LockingClause(self, ancestors: Any, node: Any) -> None:
        self.locks = True


async def planned_cost(conn: asyncpg.Connection, query: str) -> float:
    """The planner's total cost estimate for `query` (generic when it has placeholders)."""
    plan = await explain_json(conn, query)
    return float(plan["Plan"]["Total Cost"])
