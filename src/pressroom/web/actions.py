"""What the dashboard can change: cancel or terminate a backend, reset query statistics, take a
snapshot, create a recommended index.

Each action is two POSTs. The first (from a button next to the evidence) only describes what would
happen, with the details a person needs to be sure (the backend's user and query, the statement
to run); the second, from that confirmation page, does it. Both need an admin key and, from a
browser session, the session's anti-CSRF token (checked before an action is looked at).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pressroom.config import Settings
from pressroom.errors import PressroomError
from pressroom.insights import activity, advisor, queries, snapshots
from pressroom.insights.advisor_model import Recommendation
from pressroom.insights.formatting import human_bytes, human_seconds
from pressroom.insights.target import Target
from pressroom.web.forms import FormError
from pressroom.web.selection import read_limit

log = logging.getLogger("pressroom.dashboard")

CANCEL_PATH = "/dashboard/activity/cancel"
TERMINATE_PATH = "/dashboard/activity/terminate"
RESET_PATH = "/dashboard/queries/reset"
SNAPSHOT_PATH = "/dashboard/snapshot"
CREATE_INDEX_PATH = "/dashboard/advisor/create-index"

BACKEND = """
SELECT pid, backend_start, usename AS user_name, datname AS database, application_name,
       backend_type, state,
       client_addr::text AS client,
       extract(epoch FROM now() - coalesce(query_start, backend_start))::float8 AS running_s,
       left(query, 4000) AS query
  FROM pg_stat_activity
 WHERE pid = $1
"""


class ActionError(PressroomError):
    """The action cannot be done as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Confirmation:
    path: str
    question: str
    explanation: str
    button: str
    fields: dict[str, str] = field(default_factory=dict)
    details: list[tuple[str, str]] = field(default_factory=list)
    sql: str | None = None
    danger: bool = False


class Action(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def name(self) -> str: ...

    async def confirm(self, target: Target, form: dict[str, str]) -> Confirmation: ...

    async def run(self, target: Target, form: dict[str, str]) -> str: ...


def _pid(form: dict[str, str]) -> int:
    try:
        pid = int(form.get("pid", ""))
    except ValueError:
        raise FormError("pid must be a process id (a whole number)") from None
    if not 0 < pid < 2**31:
        raise FormError("pid must be a process id (a whole number)")
    return pid


def _limit(form: dict[str, str]) -> int:
    """How many statements the advisor evaluates: as many as on the page the button was on, so
    it finds the same indexes."""
    return read_limit(form.get("limit"))


def _started(form: dict[str, str]) -> datetime | None:
    """The confirmed session's start, so the action cannot reach a new session given its pid."""
    text = form.get("started", "")
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise FormError("started must be the session's start time (ISO 8601)") from None


async def _backend_details(
    target: Target, pid: int
) -> tuple[list[tuple[str, str]], str | None, dict[str, str]]:
    row = await target.conn.fetchrow(BACKEND, pid)
    if row is None:
        raise ActionError(f"there is no PostgreSQL session with pid {pid} (it may have ended)")
    hidden = {"pid": str(pid), "started": row["backend_start"].isoformat()}
    details = [
        ("pid", str(row["pid"])),
        ("user", row["user_name"] or ""),
        ("database", row["database"] or ""),
        ("application", row["application_name"] or ""),
        ("client", row["client"] or "local socket"),
        ("backend type", row["backend_type"] or ""),
        ("state", row["state"] or ""),
    ]
    if row["running_s"] is not None:
        details.append(("in this state for", human_seconds(max(0.0, row["running_s"]))))
    return details, row["query"] or None, hidden


@dataclass(frozen=True, slots=True)
class SignalBackend:
    name: str
    path: str
    terminate: bool

    async def confirm(self, target: Target, form: dict[str, str]) -> Confirmation:
        pid = _pid(form)
        details, query, hidden = await _backend_details(target, pid)
        if self.terminate:
            return Confirmation(
                self.path,
                f"Terminate session {pid}?",
                "The session is disconnected: its running statement stops and its open "
                "transaction is rolled back. The client sees its connection drop.",
                "Terminate the session",
                hidden,
                details,
                query,
                danger=True,
            )
        return Confirmation(
            self.path,
            f"Cancel the statement running in session {pid}?",
            "The statement stops with an error (57014, canceling statement due to user "
            "request); the session stays connected, and a transaction it was in is aborted.",
            "Cancel the statement",
            hidden,
            details,
            query,
            danger=True,
        )

    async def run(self, target: Target, form: dict[str, str]) -> str:
        pid, started = _pid(form), _started(form)
        if self.terminate:
            done = await activity.terminate_backend(target.conn, pid, started)
            verb = "terminated session"
        else:
            done = await activity.cancel_backend(target.conn, pid, started)
            verb = "sent a cancel to session"
        if not done:
            raise ActionError(f"PostgreSQL could not signal session {pid}; it may have ended")
        return f"{verb.capitalize()} {pid}."


@dataclass(frozen=True, slots=True)
class ResetStatistics:
    name: str = "reset statistics"
    path: str = RESET_PATH

    async def confirm(self, target: Target, form: dict[str, str]) -> Confirmation:
        return Confirmation(
            self.path,
            "Reset the query statistics?",
            "pg_stat_statements starts counting from zero for every statement of the "
            "cluster. The 'since reset' window then shows only what runs from now on; windows "
            "over earlier snapshots keep their history.",
            "Reset statistics",
            danger=True,
        )

    async def run(self, target: Target, form: dict[str, str]) -> str:
        await queries.reset_statistics(target.conn)
        return "Query statistics were reset."


@dataclass(frozen=True, slots=True)
class TakeSnapshot:
    settings: Settings
    name: str = "snapshot"
    path: str = SNAPSHOT_PATH

    async def confirm(self, target: Target, form: dict[str, str]) -> Confirmation:
        return Confirmation(
            self.path,
            "Take a snapshot now?",
            "Records the current query statistics and table and index sizes, so that time "
            "windows and charts have a point at this moment. The dashboard also takes one "
            f"every {human_seconds(self.settings.insights_snapshot_interval_s)} by itself; "
            f"snapshots older than {self.settings.insights_retention_days:g} days are deleted.",
            "Take a snapshot",
        )

    async def run(self, target: Target, form: dict[str, str]) -> str:
        retention = timedelta(days=self.settings.insights_retention_days)
        taken_at = await snapshots.take_snapshot(target.conn, retention)
        return f"Took a snapshot at {taken_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC."


@dataclass(frozen=True, slots=True)
class CreateIndex:
    """Builds one of the advisor's current recommendations, found again by its index name: the
    form names an index, never a statement, so only what the advisor recommends right now can be
    built (and a partitioned table gets its whole recipe)."""

    name: str = "create index"
    path: str = CREATE_INDEX_PATH

    async def _recommendation(self, target: Target, form: dict[str, str]) -> Recommendation:
        name = form.get("index", "").strip()
        if not name:
            raise FormError("no index was named")
        advice = await advisor.advise(target, _limit(form))
        for recommendation in advice.recommendations:
            if recommendation.name == name:
                return recommendation
        raise ActionError(
            f"the advisor no longer recommends an index {name}: the workload or the indexes "
            "changed since the page was shown; look at the advisor page again"
        )

    async def confirm(self, target: Target, form: dict[str, str]) -> Confirmation:
        recommendation = await self._recommendation(target, form)
        details = [
            ("index", recommendation.name),
            ("table", f"{recommendation.schema}.{recommendation.table_name}"),
            ("columns", ", ".join(recommendation.columns)),
            ("estimated size", human_bytes(recommendation.size_bytes)),
            ("statements it serves", str(len(recommendation.helps))),
        ]
        return Confirmation(
            self.path,
            f"Create the index {recommendation.name}?",
            "The index is built CONCURRENTLY, under a short lock timeout: writes to the table go "
            "on meanwhile, and the build can take a while on a large table (this page waits for "
            "it). A build that fails is dropped again instead of leaving an invalid index.",
            "Create the index",
            {"index": recommendation.name, "limit": str(_limit(form))},
            details,
            sql=";\n".join(recommendation.statements) + ";",
        )

    async def run(self, target: Target, form: dict[str, str]) -> str:
        recommendation = await self._recommendation(target, form)
        name = await advisor.create_index(target.conn, recommendation)
        return f"Created the index {name}."


def all_actions(settings: Settings) -> list[Action]:
    return [
        SignalBackend("cancel", CANCEL_PATH, terminate=False),
        SignalBackend("terminate", TERMINATE_PATH, terminate=True),
        ResetStatistics(),
        TakeSnapshot(settings),
        CreateIndex(),
    ]
