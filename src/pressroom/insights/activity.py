"""Who is connected and what they are doing: connection usage, long queries, sessions idle inside
a transaction, and who blocks whom.

Everything comes from pg_stat_activity, which is cluster-wide: connections are counted across all
databases because max_connections is a cluster-wide limit. Only client backends (sessions opened
by applications and people) are listed; PostgreSQL's own processes have their own slots and are
not the application's doing. The doctor's own session is always left out.

Blocking: pg_blocking_pids(pid) gives the sessions a waiting session waits for directly. Those may
be waiting themselves (A holds a row lock, B waits for A, C waits for B), so the chain is walked
up to its root blockers: the sessions that wait for nobody and whose ending would release the
whole queue. Terminating a session in the middle of a chain only moves the queue along.

The two actions, `cancel_backend` and `terminate_backend`, are called by the CLI and the dashboard
after a person confirmed; they refuse anything but another client session of this cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from pressroom.errors import PressroomError
from pressroom.insights.formatting import human_seconds, shorten_sql
from pressroom.insights.model import Column, Finding, Kind, Options, Section, Status, Table
from pressroom.insights.target import Target

NAME = "activity"
TITLE = "Activity"

CLIENT_BACKEND = "client backend"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When activity becomes a finding; tests lower them instead of waiting a minute."""

    long_query_seconds: float = 60.0
    idle_in_transaction_seconds: float = 60.0
    # A session waiting this long for a lock is an outage for whoever waits on it.
    blocked_fail_seconds: float = 300.0
    connections_warn_percent: float = 80.0
    connections_fail_percent: float = 95.0


class SignalError(PressroomError):
    """A session cannot be cancelled or terminated as asked."""


# Ages as float8: extract() returns numeric since PostgreSQL 14, which asyncpg reads as Decimal.
# pg_blocking_pids is only asked about sessions waiting on a lock: it takes the lock manager's
# partition locks, and nobody else can be blocked by a heavyweight lock.
SESSIONS = """
SELECT pid,
       backend_type,
       datname,
       usename,
       quote_ident(usename) AS usename_ident,
       application_name,
       host(client_addr) AS client_addr,
       state,
       wait_event_type,
       wait_event,
       query,
       extract(epoch FROM now() - xact_start)::float8 AS xact_seconds,
       extract(epoch FROM now() - query_start)::float8 AS query_seconds,
       extract(epoch FROM now() - state_change)::float8 AS state_seconds,
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END AS blocking_pids
  FROM pg_stat_activity
 WHERE pid <> $1
 ORDER BY pid
"""

CONNECTION_LIMITS = """
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS reserved,
       current_setting('idle_in_transaction_session_timeout') AS idle_timeout
"""


@dataclass(frozen=True, slots=True)
class Session:
    pid: int
    backend_type: str | None
    database: str | None
    user: str | None
    user_ident: str | None
    application: str | None
    client_addr: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    query: str | None
    xact_seconds: float | None
    query_seconds: float | None
    state_seconds: float | None
    blocking_pids: tuple[int, ...]

    @property
    def is_client(self) -> bool:
        return self.backend_type == CLIENT_BACKEND

    @property
    def wait(self) -> str | None:
        if self.wait_event_type is None:
            return None
        return f"{self.wait_event_type}: {self.wait_event}"

    @property
    def label(self) -> str:
        who = ", ".join(
            part
            for part in (
                f"user {self.user}" if self.user else None,
                f"application {self.application!r}" if self.application else None,
                f"database {self.database}" if self.database else None,
            )
            if part
        )
        kind = "" if self.is_client else f" ({self.backend_type})"
        return f"pid {self.pid}{kind}" + (f" ({who})" if who else "")


def _session(row: asyncpg.Record) -> Session:
    return Session(
        pid=row["pid"],
        backend_type=row["backend_type"],
        database=row["datname"],
        user=row["usename"],
        user_ident=row["usename_ident"],
        application=row["application_name"] or None,
        client_addr=row["client_addr"],
        state=row["state"],
        wait_event_type=row["wait_event_type"],
        wait_event=row["wait_event"],
        query=row["query"] or None,
        xact_seconds=row["xact_seconds"],
        query_seconds=row["query_seconds"],
        state_seconds=row["state_seconds"],
        blocking_pids=tuple(row["blocking_pids"] or ()),
    )


async def sessions(conn: asyncpg.Connection, own_pid: int) -> list[Session]:
    """Every backend of the cluster but `own_pid`."""
    return [_session(row) for row in await conn.fetch(SESSIONS, own_pid)]


async def inspect(
    target: Target, options: Options, thresholds: Thresholds | None = None
) -> Section:
    limits = thresholds or Thresholds()
    backends = await sessions(target.conn, target.pid)
    clients = [s for s in backends if s.is_client]
    settings = await target.conn.fetchrow(CONNECTION_LIMITS)
    assert settings is not None
    section = Section(NAME, TITLE)
    privileged = target.superuser or target.monitor

    # The doctor's own session takes a slot too.
    used = len(clients) + 1
    section.findings.append(
        connection_usage(used, settings["max_connections"], settings["reserved"], limits)
    )
    section.tables += connection_tables(clients, privileged)

    long_running = [
        s
        for s in clients
        if s.state in ("active", "fastpath function call")
        and s.query_seconds is not None
        and s.query_seconds > limits.long_query_seconds
    ]
    long_running.sort(key=lambda s: -(s.query_seconds or 0))
    section.findings += long_query_findings(long_running[: options.limit], limits)
    section.tables.append(long_query_table(long_running, options.limit, limits))

    idle = [
        s
        for s in clients
        if s.state is not None
        and s.state.startswith("idle in transaction")
        and s.state_seconds is not None
        and s.state_seconds > limits.idle_in_transaction_seconds
    ]
    idle.sort(key=lambda s: -(s.state_seconds or 0))
    section.findings += idle_findings(idle[: options.limit], settings["idle_timeout"], limits)
    section.tables.append(idle_table(idle, options.limit, limits))

    chains = blocking_chains(backends)
    section.findings += blocking_findings(chains, {s.pid: s for s in backends}, limits)
    section.tables.append(blocked_table(chains, {s.pid: s for s in backends}, options.limit))
    return section


# --- connections ---------------------------------------------------------------------------------


def connection_usage(used: int, max_connections: int, reserved: int, limits: Thresholds) -> Finding:
    percent = 100.0 * used / max_connections
    detail = (
        f"{used} of max_connections = {max_connections} client connections are in use "
        f"({percent:.0f}%); the last {reserved} are kept for superusers, so applications hit "
        f"'too many clients' at {max_connections - reserved}."
    )
    if percent <= limits.connections_warn_percent:
        return Finding("activity.connections", "Connection usage", Status.PASS, detail)
    status = Status.FAIL if percent > limits.connections_fail_percent else Status.WARN
    return Finding(
        "activity.connections",
        f"{percent:.0f}% of max_connections in use",
        status,
        detail + " New connections will soon be refused.",
        advice="Put a connection pool (PgBouncer in transaction mode, or the application's own "
        "pool with a smaller size) in front of PostgreSQL rather than raising max_connections: "
        "each connection costs memory and more active backends than CPUs only queue. Look at "
        "the tables below for the application or address holding most connections, and for "
        "idle sessions that a pool would close.",
    )


def connection_tables(clients: Sequence[Session], privileged: bool) -> list[Table]:
    hidden = (
        None
        if privileged
        else "Sessions of other roles show no state without pg_monitor (GRANT pg_monitor TO "
        "<role>), so they count as 'unknown'."
    )
    by_state = Counter(s.state or "unknown" for s in clients)
    by_app: Counter[tuple[str, str, str]] = Counter(
        (s.application or "(none)", s.database or "", s.user or "") for s in clients
    )
    active_by_app = Counter(
        (s.application or "(none)", s.database or "", s.user or "")
        for s in clients
        if s.state == "active"
    )
    by_addr = Counter(s.client_addr or "local socket" for s in clients)
    return [
        Table(
            "Connections by state",
            (Column("state"), Column("connections", Kind.NUMBER)),
            sorted(by_state.items(), key=lambda item: (-item[1], item[0])),
            note=hidden or "Client sessions of every database, not counting the doctor's own.",
        ),
        Table(
            "Connections by application",
            (
                Column("application"),
                Column("database"),
                Column("user"),
                Column("connections", Kind.NUMBER),
                Column("active", Kind.NUMBER),
            ),
            [
                (*key, count, active_by_app[key])
                for key, count in sorted(by_app.items(), key=lambda item: (-item[1], item[0]))
            ],
        ),
        Table(
            "Connections by client address",
            (Column("client address"), Column("connections", Kind.NUMBER)),
            sorted(by_addr.items(), key=lambda item: (-item[1], item[0])),
        ),
    ]


# --- long queries and idle transactions -----------------------------------------------------------


def long_query_findings(long_running: Sequence[Session], limits: Thresholds) -> list[Finding]:
    if not long_running:
        return [
            Finding(
                "activity.long_running",
                "No long-running queries",
                Status.PASS,
                f"No query has been running for more than {human_seconds(limits.long_query_seconds)}.",
            )
        ]
    findings = []
    for s in long_running:
        waiting = f", waiting on {s.wait}" if s.wait else ", not waiting (on CPU or I/O)"
        findings.append(
            Finding(
                "activity.long_running",
                f"Query running for {human_seconds(s.query_seconds or 0)} (pid {s.pid})",
                Status.WARN,
                f"{s.label} has been running its query for "
                f"{human_seconds(s.query_seconds or 0)}{waiting}: "
                f"{shorten_sql(s.query or '')}. A long query holds its locks and a snapshot "
                "that keeps vacuum from removing dead rows in every table.",
                advice="If it is not an expected batch job, cancel it (the session stays "
                "connected). To stop runaway queries for good, set statement_timeout for the "
                "application's role, e.g. ALTER ROLE <role> SET statement_timeout = '30s'; look "
                "at its plan in the queries section if it should have been fast.",
                fix_sql=(f"SELECT pg_cancel_backend({s.pid});",),
            )
        )
    return findings


def long_query_table(long_running: Sequence[Session], limit: int, limits: Thresholds) -> Table:
    return Table(
        "Long-running queries",
        (
            Column("pid"),
            Column("database"),
            Column("user"),
            Column("application"),
            Column("running for", Kind.SECONDS),
            Column("wait event"),
            Column("query", Kind.SQL),
        ),
        [
            (s.pid, s.database, s.user, s.application, s.query_seconds, s.wait, s.query)
            for s in long_running[:limit]
        ],
        note=_limit_note(
            f"Queries active for more than {human_seconds(limits.long_query_seconds)}.",
            len(long_running),
            limit,
        ),
    )


def idle_findings(idle: Sequence[Session], idle_timeout: str, limits: Thresholds) -> list[Finding]:
    if not idle:
        return [
            Finding(
                "activity.idle_in_transaction",
                "No sessions idle in transaction",
                Status.PASS,
                "No session has been idle inside an open transaction for more than "
                f"{human_seconds(limits.idle_in_transaction_seconds)}.",
            )
        ]
    timeout = (
        "idle_in_transaction_session_timeout is off (0) for the doctor's session, and likely "
        "for the application's too"
        if idle_timeout in ("0", "0ms")
        else f"idle_in_transaction_session_timeout is {idle_timeout} here"
    )
    findings = []
    for s in idle:
        role = s.user_ident or "<role>"
        findings.append(
            Finding(
                "activity.idle_in_transaction",
                f"Idle in transaction for {human_seconds(s.state_seconds or 0)} (pid {s.pid})",
                Status.WARN,
                f"{s.label} opened a transaction "
                f"{human_seconds(s.xact_seconds or 0)} ago and has done nothing for "
                f"{human_seconds(s.state_seconds or 0)} (state '{s.state}'). Its last statement: "
                f"{shorten_sql(s.query or '')}. Until it ends, its locks block others and its "
                "snapshot stops vacuum from cleaning up dead rows.",
                advice="The application forgot to commit or roll back (often an exception path "
                "or a transaction held open across a network call). Terminate the session, fix "
                f"the code path, and set a timeout so it cannot happen again: {timeout}; "
                f"ALTER ROLE {role} SET idle_in_transaction_session_timeout = '5min' ends such "
                "sessions automatically.",
                fix_sql=(f"SELECT pg_terminate_backend({s.pid});",),
            )
        )
    return findings


def idle_table(idle: Sequence[Session], limit: int, limits: Thresholds) -> Table:
    return Table(
        "Idle in transaction",
        (
            Column("pid"),
            Column("database"),
            Column("user"),
            Column("application"),
            Column("idle for", Kind.SECONDS),
            Column("transaction age", Kind.SECONDS),
            Column("last query", Kind.SQL),
        ),
        [
            (s.pid, s.database, s.user, s.application, s.state_seconds, s.xact_seconds, s.query)
            for s in idle[:limit]
        ],
        note=_limit_note(
            "Sessions idle inside an open transaction for more than "
            f"{human_seconds(limits.idle_in_transaction_seconds)}.",
            len(idle),
            limit,
        ),
    )


# --- blocking ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chain:
    """One waiting session: whom it waits for directly, and the roots of its chain."""

    blocked: int
    blocking: tuple[int, ...]
    roots: tuple[int, ...]
    deadlock: bool  # the chain loops; the deadlock detector will cancel one of them


def root_blockers(waits_for: Mapping[int, Sequence[int]], pid: int) -> tuple[tuple[int, ...], bool]:
    """The sessions at the top of `pid`'s chain, and whether the chain loops without a root.

    A root is a session that waits for nobody; a session waiting on several others can have
    several roots."""
    roots: set[int] = set()
    seen: set[int] = set()
    pending = list(waits_for.get(pid, ()))
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        upstream = waits_for.get(current, ())
        if upstream:
            pending.extend(upstream)
        else:
            roots.add(current)
    if roots:
        return tuple(sorted(roots)), False
    # Every session upstream waits for another: a deadlock not yet detected (deadlock_timeout).
    return tuple(sorted(seen)), True


def blocking_chains(backends: Iterable[Session]) -> list[Chain]:
    waits_for = {s.pid: s.blocking_pids for s in backends if s.blocking_pids}
    chains = []
    for pid, blocking in waits_for.items():
        roots, deadlock = root_blockers(waits_for, pid)
        chains.append(Chain(pid, blocking, roots, deadlock))
    return chains


def blocking_findings(
    chains: Sequence[Chain], by_pid: Mapping[int, Session], limits: Thresholds
) -> list[Finding]:
    if not chains:
        return [
            Finding(
                "activity.blocking",
                "No blocked queries",
                Status.PASS,
                "No session is waiting for a lock another session holds.",
            )
        ]
    findings = []
    deadlocked = sorted({pid for chain in chains if chain.deadlock for pid in chain.roots})
    if deadlocked:
        findings.append(
            Finding(
                "activity.blocking",
                "Sessions waiting for each other",
                Status.WARN,
                f"Sessions {', '.join(map(str, deadlocked))} wait for each other in a loop: a "
                "deadlock that PostgreSQL detects after deadlock_timeout and resolves by "
                "cancelling one of them.",
                advice="Nothing to do now; if it recurs, make the transactions involved take "
                "their locks in the same order (for instance update rows sorted by key).",
            )
        )
    waiting: dict[int, list[int]] = {}
    for chain in chains:
        if not chain.deadlock:
            for root in chain.roots:
                waiting.setdefault(root, []).append(chain.blocked)
    for root, blocked in sorted(waiting.items(), key=lambda item: -len(item[1])):
        longest = max(
            (by_pid[pid].query_seconds or 0.0 for pid in blocked if pid in by_pid), default=0.0
        )
        status = Status.FAIL if longest > limits.blocked_fail_seconds else Status.WARN
        findings.append(_blocker_finding(root, sorted(blocked), longest, status, by_pid))
    return findings


def _blocker_finding(
    root: int, blocked: list[int], longest: float, status: Status, by_pid: Mapping[int, Session]
) -> Finding:
    session = by_pid.get(root)
    waiters = ", ".join(str(pid) for pid in blocked)
    count = f"{len(blocked)} session{'s' if len(blocked) != 1 else ''}"
    summary = (
        f"{count} wait{'s' if len(blocked) == 1 else ''} for locks held, directly or through "
        f"a chain, by pid {root} (waiting: {waiters}; the longest for {human_seconds(longest)})."
    )
    if session is None:
        return Finding(
            "activity.blocking",
            f"pid {root} blocks {count}",
            status,
            summary + " That session is not visible in pg_stat_activity any more.",
            advice="Inspect again: the blocker may just have ended.",
        )
    doing = f"state '{session.state}'" if session.state else "state unknown"
    if session.xact_seconds is not None:
        doing += f", transaction open for {human_seconds(session.xact_seconds)}"
    detail = f"{summary} The root blocker is {session.label}, {doing}; its last statement: {shorten_sql(session.query or '')}."
    if not session.is_client:
        return Finding(
            "activity.blocking",
            f"pid {root} ({session.backend_type}) blocks {count}",
            status,
            detail,
            advice="A PostgreSQL process, not an application, holds the lock. An autovacuum "
            "worker gives way to lock requests unless it runs to prevent transaction ID "
            "wraparound; let that one finish. The doctor does not signal server processes.",
        )
    if session.state is not None and session.state.startswith("idle in transaction"):
        return Finding(
            "activity.blocking",
            f"pid {root} blocks {count} while idle in transaction",
            status,
            detail,
            advice="The blocker does nothing: it holds its locks inside a transaction the "
            "application never finished. Terminating it rolls that transaction back and lets "
            "the queue move; set idle_in_transaction_session_timeout so it ends by itself.",
            fix_sql=(f"SELECT pg_terminate_backend({root});",),
        )
    return Finding(
        "activity.blocking",
        f"pid {root} blocks {count}",
        status,
        detail,
        advice="Cancel the root blocker's statement if it is not essential (its transaction is "
        "rolled back and the locks released); terminate the session only if cancelling does not "
        "help. Schema changes should run with a short lock_timeout (SET lock_timeout = '5s') so "
        "they fail instead of queueing everyone behind them.",
        fix_sql=(f"SELECT pg_cancel_backend({root});",),
    )


def blocked_table(chains: Sequence[Chain], by_pid: Mapping[int, Session], limit: int) -> Table:
    rows: list[tuple[Any, ...]] = []
    ordered = sorted(
        chains,
        key=lambda c: -((by_pid[c.blocked].query_seconds or 0) if c.blocked in by_pid else 0),
    )
    for chain in ordered[:limit]:
        blocked = by_pid.get(chain.blocked)
        roots = [by_pid[pid] for pid in chain.roots if pid in by_pid]
        root_ages = [r.xact_seconds for r in roots if r.xact_seconds is not None]
        rows.append(
            (
                chain.blocked,
                blocked.query if blocked else None,
                blocked.query_seconds if blocked else None,
                blocked.wait if blocked else None,
                ", ".join(str(pid) for pid in chain.blocking),
                ", ".join(str(pid) for pid in chain.roots)
                + (" (deadlock)" if chain.deadlock else ""),
                ", ".join(r.state or "unknown" for r in roots) or None,
                max(root_ages) if root_ages else None,
                "; ".join(r.query or "" for r in roots) or None,
            )
        )
    return Table(
        "Blocked queries",
        (
            Column("blocked pid"),
            Column("blocked query", Kind.SQL),
            Column("waiting for", Kind.SECONDS),
            Column("wait event"),
            Column("blocked by"),
            Column("root blockers"),
            Column("root state"),
            Column("root transaction age", Kind.SECONDS),
            Column("root query", Kind.SQL),
        ),
        rows,
        note=_limit_note(
            "Sessions waiting for a lock; 'blocked by' are the sessions they wait for directly, "
            "'root blockers' those at the top of the chain, whose ending frees the queue.",
            len(chains),
            limit,
        ),
    )


def _limit_note(text: str, total: int, limit: int) -> str:
    if total > limit:
        return f"{text} Showing {limit} of {total}."
    return text


# --- actions -------------------------------------------------------------------------------------

BACKEND_OF = "SELECT backend_type, usename, backend_start FROM pg_stat_activity WHERE pid = $1"
# Signalled only if the session is still the one that started at $2 (when given): a pid freed by
# a session that ended can be reused by a new one between a confirmation and the click.
CANCEL = """
SELECT pg_cancel_backend(pid) FROM pg_stat_activity
 WHERE pid = $1 AND ($2::timestamptz IS NULL OR backend_start = $2)
"""
TERMINATE = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE pid = $1 AND ($2::timestamptz IS NULL OR backend_start = $2)
"""


async def _signal(
    conn: asyncpg.Connection, pid: int, statement: str, verb: str, started: datetime | None
) -> bool:
    if pid == conn.get_server_pid():
        raise SignalError(f"pid {pid} is the doctor's own session; it will not {verb} itself")
    row = await conn.fetchrow(BACKEND_OF, pid)
    if row is None:
        raise SignalError(
            f"there is no PostgreSQL session with pid {pid} in this cluster (it may have ended)"
        )
    if started is not None and row["backend_start"] != started:
        raise SignalError(
            f"the session with pid {pid} is not the one you chose: that one started at "
            f"{started.isoformat()} and has ended, and a new session now has its pid"
        )
    # Without pg_read_all_stats another role's backend_type reads NULL; PostgreSQL's own check
    # then decides (it refuses processes that carry no role, such as autovacuum workers, to
    # anyone but a superuser).
    if row["backend_type"] is not None and row["backend_type"] != CLIENT_BACKEND:
        raise SignalError(
            f"pid {pid} is PostgreSQL's own {row['backend_type']} process, not a client "
            f"session; the doctor only {verb}s client sessions"
        )
    try:
        result = await conn.fetchval(statement, pid, started)
    except asyncpg.InsufficientPrivilegeError as exc:
        raise SignalError(
            f"not allowed to {verb} pid {pid} ({exc.message}): signalling another role's "
            "session needs a superuser or a role granted pg_signal_backend "
            "(GRANT pg_signal_backend TO <role>), and only a superuser may signal a "
            "superuser's session"
        ) from None
    return bool(result)


async def cancel_backend(
    conn: asyncpg.Connection, pid: int, started: datetime | None = None
) -> bool:
    """Cancel the statement running in session `pid` (only if it is still the session that
    started at `started`, when given); the session stays connected.

    False when PostgreSQL could not signal the process (it ended meanwhile)."""
    return await _signal(conn, pid, CANCEL, "cancel", started)


async def terminate_backend(
    conn: asyncpg.Connection, pid: int, started: datetime | None = None
) -> bool:
    """End session `pid` (only if it is still the session that started at `started`, when
    given), rolling back its open transaction."""
    return await _signal(conn, pid, TERMINATE, "terminate", started)
