"""What kind of statement a pg_stat_statements entry is, read with PostgreSQL's own parser.

The advisor evaluates only reads of user tables; the queries section leaves statements that read
only the system catalogue (monitoring tools, the doctor itself) out of its warnings, while still
listing them: on a quiet database they would otherwise be all the doctor finds.
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast import ast
from pglast.parser import ParseError
from pglast.visitors import Visitor

# Schemas whose tables are PostgreSQL's own or the doctor's.
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast", "pressroom_insights"})


class _Relations(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.relations: list[ast.RangeVar] = []
        self.writes = False

    def visit_RangeVar(self, ancestors: Any, node: ast.RangeVar) -> None:
        self.relations.append(node)

    def visit_InsertStmt(self, ancestors: Any, node: ast.Node) -> None:
        self.writes = True

    def visit_UpdateStmt(self, ancestors: Any, node: ast.Node) -> None:
        self.writes = True

    def visit_DeleteStmt(self, ancestors: Any, node: ast.Node) -> None:
        self.writes = True

    def visit_MergeStmt(self, ancestors: Any, node: ast.Node) -> None:
        self.writes = True


WRITE_STATEMENTS = {
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
}


def statement_kind(query: str) -> tuple[str, str] | None:
    """None for a statement the advisor evaluates (a SELECT, WITH ... SELECT included), else
    (category, reason): category "write" and "unreadable" are listed, "utility", "catalogue"
    and "no table" only counted."""
    if query.strip() == "<insufficient privilege>":
        return "unreadable", (
            "pg_stat_statements hides another role's statements from this one: grant it "
            "pg_read_all_stats (or run the doctor as a superuser)"
        )
    try:
        parsed = pglast.parse_sql(query)
    except ParseError:
        return "unreadable", (
            "the statement text cannot be parsed (pg_stat_statements may have cut it at "
            "track_activity_query_size)"
        )
    if len(parsed) != 1:
        return "utility", "more than one statement"
    statement = parsed[0].stmt
    kind = type(statement).__name__
    if kind in WRITE_STATEMENTS:
        return "write", f"not a SELECT ({WRITE_STATEMENTS[kind]}): writes are left out"
    if not isinstance(statement, ast.SelectStmt):
        return "utility", "not a SELECT"
    if statement.intoClause is not None:
        return "write", "not a SELECT (SELECT INTO creates a table): writes are left out"
    visitor = _Relations()
    visitor(statement)
    if visitor.writes:
        return "write", "a WITH clause writes (INSERT/UPDATE/DELETE): writes are left out"
    if any(_system_relation(relation) for relation in visitor.relations):
        return "catalogue", "reads the system catalogue or the doctor's own schema"
    if not visitor.relations:
        return "no table", "reads no table"
    return None


def _system_relation(relation: ast.RangeVar) -> bool:
    if relation.schemaname is not None:
        return relation.schemaname in SYSTEM_SCHEMAS
    return (relation.relname or "").startswith("pg_")
