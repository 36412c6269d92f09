"""Building an index the advisor recommends, the way a live database can take it.

CREATE INDEX CONCURRENTLY builds without blocking writes, but it must run outside a transaction,
waits for every transaction that could still see the table without the index, and when it fails
(a lock it could not get, a timeout, a duplicate in a unique index) it leaves an INVALID index
behind that every write keeps updating. So the build here runs with a short lock timeout (better
to fail and retry later than to queue behind a long transaction while other sessions queue
behind us), a statement timeout long enough for a real build, and drops whatever it leaves when
it fails.

Nothing but index builds runs through here: a statement must parse as exactly one CREATE INDEX
CONCURRENTLY with a name (the name is how a failed build is cleaned up and how the caller finds
the index). A Recommendation brings its own statements, which for a partitioned table are the
ON ONLY parent index, each partition's concurrent build and its ATTACH; those are checked too.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import asyncpg
import pglast
from pglast import ast, enums
from pglast.parser import ParseError

from pressroom.insights.advisor_model import (
    IndexBuildError,
    Recommendation,
    UnsafeStatementError,
)
from pressroom.insights.plans import safe_error

LOCK_TIMEOUT_MS = 5_000
BUILD_TIMEOUT_MS = 4 * 3600 * 1000  # an index build on a large table takes a while

# The index `$2` would be in the schema of table `$1`.`$2` (or of the table on the search path).
INDEX_QUALIFIED = """
SELECT quote_ident(n.nspname) || '.' || quote_ident($3) AS qualified,
       c.relkind = 'p' AS partitioned
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($2)
                                ELSE quote_ident($1) || '.' || quote_ident($2) END)
"""
INDEX_STATE = """
SELECT c.relkind = 'I' AS partitioned, i.indisvalid AS valid
  FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
 WHERE c.oid = to_regclass($1)
"""
CURRENT_TIMEOUTS = """
SELECT current_setting('lock_timeout') AS lock_timeout,
       current_setting('statement_timeout') AS statement_timeout
"""
SET_TIMEOUTS = """
SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)
"""
DROP_INDEX_CONCURRENTLY = "DROP INDEX CONCURRENTLY IF EXISTS {}"
DROP_INDEX = "DROP INDEX IF EXISTS {}"  # a partitioned table's index: CONCURRENTLY cannot


@dataclass(frozen=True, slots=True)
class _Step:
    sql: str
    index: str | None  # schema-qualified, quoted: the index a CREATE makes (None: ATTACH)
    name: str | None  # its plain name
    concurrent: bool
    if_not_exists: bool


def _parse_one(statement: str) -> ast.Node:
    try:
        parsed = pglast.parse_sql(statement)
    except ParseError as exc:
        raise UnsafeStatementError(f"not a valid SQL statement: {exc}") from None
    if len(parsed) != 1:
        raise UnsafeStatementError("give exactly one statement")
    node = parsed[0].stmt
    assert isinstance(node, ast.Node)
    return node


def _index_statement(statement: str, *, allow_only_parent: bool) -> ast.IndexStmt:
    node = _parse_one(statement)
    if not isinstance(node, ast.IndexStmt):
        raise UnsafeStatementError("only CREATE INDEX CONCURRENTLY statements are run here")
    parent_only = node.relation is not None and node.relation.inh is False
    if not node.concurrent and not (allow_only_parent and parent_only):
        raise UnsafeStatementError(
            "only CREATE INDEX CONCURRENTLY is run here: without CONCURRENTLY the build blocks "
            "every write to the table until it finishes"
        )
    if not node.idxname:
        raise UnsafeStatementError("name the index (CREATE INDEX CONCURRENTLY <name> ON ...)")
    return node


def _is_attach(statement: str) -> bool:
    node = _parse_one(statement)
    if not isinstance(node, ast.AlterTableStmt) or node.objtype != enums.ObjectType.OBJECT_INDEX:
        return False
    commands = node.cmds or ()
    return (
        len(commands) == 1
        and isinstance(commands[0], ast.AlterTableCmd)
        and commands[0].subtype == enums.AlterTableType.AT_AttachPartition
    )


async def _step(conn: asyncpg.Connection, statement: str, *, in_recipe: bool) -> _Step:
    if in_recipe and _is_attach(statement):
        return _Step(statement, None, None, False, False)
    node = _index_statement(statement, allow_only_parent=in_recipe)
    relation = node.relation
    if relation is None or node.idxname is None:
        raise UnsafeStatementError("name the index and its table")
    table = await conn.fetchrow(
        INDEX_QUALIFIED, relation.schemaname, relation.relname, node.idxname
    )
    if table is None:
        raise UnsafeStatementError(f"table {relation.relname} does not exist")
    if not node.concurrent and not table["partitioned"]:
        # ON ONLY a plain table still builds its index, blocking writes.
        raise UnsafeStatementError(
            f"only CREATE INDEX CONCURRENTLY is run on {relation.relname}: it is not partitioned"
        )
    qualified: str = table["qualified"]
    return _Step(
        statement, qualified, node.idxname, bool(node.concurrent), bool(node.if_not_exists)
    )


async def create_index(
    conn: asyncpg.Connection,
    statement_or_recommendation: str | Recommendation,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    statement_timeout_ms: int = BUILD_TIMEOUT_MS,
) -> str:
    """Build the index (a recommendation, or one named CREATE INDEX CONCURRENTLY statement) and
    return its name. On failure the index it leaves is dropped and IndexBuildError raised."""
    if conn.is_in_transaction():
        raise UnsafeStatementError(
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction; use a connection "
            "outside one"
        )
    recipe = isinstance(statement_or_recommendation, Recommendation)
    texts = (
        statement_or_recommendation.statements
        if isinstance(statement_or_recommendation, Recommendation)
        else (statement_or_recommendation,)
    )
    steps = [await _step(conn, text, in_recipe=recipe) for text in texts]
    first = next((s for s in steps if s.name is not None), None)
    if first is None or first.name is None:
        raise UnsafeStatementError("nothing to build")
    saved = await conn.fetchrow(CURRENT_TIMEOUTS)
    assert saved is not None
    await conn.fetchval(SET_TIMEOUTS, f"{lock_timeout_ms}ms", f"{statement_timeout_ms}ms")
    try:
        await _run(conn, steps)
    finally:
        await conn.fetchval(SET_TIMEOUTS, saved["lock_timeout"], saved["statement_timeout"])
    return first.name


async def _run(conn: asyncpg.Connection, steps: list[_Step]) -> None:
    created: list[_Step] = []  # by this call, to drop again if a later step fails
    for step in steps:
        if step.index is not None:
            state = await conn.fetchrow(INDEX_STATE, step.index)
            if state is not None:
                if step.if_not_exists and (state["valid"] or state["partitioned"]):
                    continue  # built before (or a parent index waiting for its partitions)
                problem = "an INVALID index" if not state["valid"] else "an index"
                raise IndexBuildError(
                    f"{problem} named {step.index} already exists"
                    + (
                        f"; a failed build leaves such an index: drop it with "
                        f"{DROP_INDEX_CONCURRENTLY.format(step.index)} and try again"
                        if not state["valid"]
                        else ""
                    )
                )
        try:
            await conn.execute(step.sql)
            if step.index is not None:
                created.append(step)
                state = await conn.fetchrow(INDEX_STATE, step.index)
                if step.concurrent and (state is None or not state["valid"]):
                    raise IndexBuildError(f"the build of {step.index} finished INVALID")
        except (asyncpg.PostgresError, IndexBuildError) as exc:
            left = await _clean_up(conn, step, created)
            raise IndexBuildError(_failure(step, exc, left)) from None


async def _clean_up(conn: asyncpg.Connection, failed: _Step, created: list[_Step]) -> list[str]:
    """Drop what the failed build and the steps before it created, newest first; the
    statements for what is still there (the caller must run them later) are returned."""
    pending = [step for step in [*created, failed] if step.index is not None]
    drops: dict[str, str] = {}
    for step in reversed(list(dict.fromkeys(pending))):
        assert step.index is not None
        state = await conn.fetchrow(INDEX_STATE, step.index)
        if state is None:
            continue
        drop = DROP_INDEX if state["partitioned"] else DROP_INDEX_CONCURRENTLY
        drops[step.index] = drop.format(step.index)
        # A partition's index attached to its parent's cannot be dropped alone; it goes with
        # the parent's, dropped after it.
        with contextlib.suppress(asyncpg.PostgresError):
            await conn.execute(drops[step.index])
    return [
        sql for index, sql in drops.items() if await conn.fetchrow(INDEX_STATE, index) is not None
    ]


def _failure(step: _Step, exc: Exception, left: list[str]) -> str:
    if isinstance(exc, asyncpg.PostgresError):
        reason = str(safe_error(exc))
        if exc.sqlstate == "55P03":
            reason = (
                "it could not get its lock within the lock timeout: another transaction holds "
                "the table (or is old enough that the build must wait for it); try again when "
                "it has finished"
            )
        elif exc.sqlstate == "23505":
            reason = "the table holds duplicate values for this UNIQUE index"
        elif exc.sqlstate == "57014":
            reason = "it ran out of time (statement timeout) or was cancelled"
    else:
        reason = str(exc)
    what = step.index or "the index"
    message = f"building {what} failed: {reason}."
    if left:
        message += " An INVALID index remains; drop it with: " + "; ".join(left)
    else:
        message += " Nothing was left behind."
    return message
