"""Which statements cost the most: pg_stat_statements, over any window of the snapshots.

pg_stat_statements adds up every statement's calls, time, rows and block reads since it was last
reset, across the whole cluster; this section keeps to the inspected database. Without a window
the tables show those totals. With one (`Options.since/until`), they show what happened inside it,
from the snapshots (snapshots.py): the counters at its end minus those at its start, summed over
roles and nesting levels per statement. The charts come from the snapshots too: execution time
per interval, calls per second of the statements that took the most time, and the database's
transactions per second.

Checks: pg_stat_statements usable, statements slow on average (often enough to matter), statements
that read much of their data from outside shared_buffers, and track_io_timing, without which
nobody can tell reading time from computing time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg

from pressroom.errors import PressroomError
from pressroom.insights import snapshots
from pressroom.insights.formatting import human_ms, human_number, rounded, shorten_sql
from pressroom.insights.model import (
    Chart,
    Column,
    Finding,
    Kind,
    Options,
    Section,
    Series,
    Status,
    Table,
)
from pressroom.insights.snapshots import StatementStats, StatementWindow
from pressroom.insights.statement_kinds import statement_kind
from pressroom.insights.target import PG_STAT_STATEMENTS, Target

NAME = "queries"
TITLE = "Queries"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a statement becomes a finding; tests lower them rather than run slow workloads."""

    slow_mean_ms: float = 100.0
    # A statement slow once or twice may be a report someone ran; five times is a habit.
    slow_min_calls: int = 5
    cache_hit_percent: float = 90.0
    # Below this many blocks read (8 MB) a hit ratio says little: a cold start, one big report.
    cache_min_reads: int = 1_000
    chart_statements: int = 5


THRESHOLDS = Thresholds()
LISTED = 3  # statements named in a finding's detail

TRACK_IO_TIMING = "SELECT current_setting('track_io_timing')::boolean"

COLUMNS = (
    Column("queryid"),
    Column("query", Kind.SQL),
    Column("calls", Kind.NUMBER),
    Column("total ms", Kind.MS),
    Column("mean ms", Kind.MS),
    Column("rows", Kind.NUMBER),
    Column("shared blocks read", Kind.NUMBER),
    Column("cache hit %", Kind.PERCENT),
)


class QueriesError(PressroomError):
    """Query statistics cannot be read or reset as asked."""


def _row(stats: StatementStats) -> tuple[object, ...]:
    return (
        # As text: JSON readers with doubles would round a 64-bit queryid.
        str(stats.queryid),
        stats.query,
        stats.calls,
        rounded(stats.total_exec_time),
        rounded(stats.mean_exec_time),
        stats.rows,
        stats.shared_blks_read,
        rounded(stats.cache_hit_percent),
    )


TOP: tuple[tuple[str, Callable[[StatementStats], float]], ...] = (
    ("total time", lambda s: s.total_exec_time),
    ("mean time", lambda s: s.mean_exec_time or 0.0),
    ("calls", lambda s: s.calls),
    ("rows", lambda s: s.rows),
    ("shared blocks read", lambda s: s.shared_blks_read),
)


def top_tables(window: StatementWindow, limit: int) -> list[Table]:
    tables = []
    for title, key in TOP:
        ranked = sorted((s for s in window.statements if key(s) > 0), key=key, reverse=True)
        if window.missing:
            note = window.missing
        else:
            note = f"Statements of this database, {window.note}."
            if not ranked:
                note += " None ran."
        tables.append(
            Table(f"Top statements by {title}", COLUMNS, [_row(s) for s in ranked[:limit]], note)
        )
    return tables


def _during(window: StatementWindow) -> str:
    return f", {window.note}" if window.note else ""


def _sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _named(statements: Sequence[StatementStats], describe: Callable[[StatementStats], str]) -> str:
    listed = "; ".join(
        f"queryid {s.queryid} ({shorten_sql(s.query or '?', 80)}): {describe(s)}"
        for s in statements[:LISTED]
    )
    more = len(statements) - LISTED
    return listed + (f"; and {more} more" if more > 0 else "")


def reads_only_the_catalogue(query: str | None) -> bool:
    """Monitoring tools' statements, the doctor's own included: listed in the tables, but no
    reason to warn; on a quiet database they would be all the doctor finds."""
    kind = statement_kind(query) if query else None
    return kind is not None and kind[0] == "catalogue"


def slow_statements(window: StatementWindow, thresholds: Thresholds) -> Finding:
    slow = sorted(
        (
            s
            for s in window.statements
            if s.calls >= thresholds.slow_min_calls
            and (s.mean_exec_time or 0.0) >= thresholds.slow_mean_ms
            and not reads_only_the_catalogue(s.query)
        ),
        key=lambda s: s.total_exec_time,
        reverse=True,
    )
    limit = f"{thresholds.slow_mean_ms:.0f} ms"
    if not slow:
        return Finding(
            check="queries.slow",
            title="No slow statements",
            status=Status.PASS,
            detail=f"No statement run {thresholds.slow_min_calls} times or more took {limit} "
            f"or more on average{_during(window)} (statements that read only the system "
            "catalogue, such as monitoring tools' and the doctor's own, are listed but not "
            "judged).",
        )
    return Finding(
        check="queries.slow",
        title=f"{len(slow)} statement(s) take {limit} or more on average",
        status=Status.WARN,
        detail=f"{_sentence(window.note)}: "
        + _named(
            slow,
            lambda s: f"{human_ms(s.mean_exec_time or 0)} mean over {human_number(s.calls)} calls",
        )
        + ". Every caller waits that long each time, and a slow statement holds its locks and "
        "connection as long.",
        advice="Explain each one (the dashboard's explain view, or `pressroom doctor explain`) "
        "to see which plan node takes the time, and run the index advisor (`pressroom doctor "
        "advisor`) for an index that would make it cheaper.",
    )


def cache_misses(window: StatementWindow, thresholds: Thresholds) -> Finding:
    missing = sorted(
        (
            s
            for s in window.statements
            if s.shared_blks_read >= thresholds.cache_min_reads
            and (s.cache_hit_percent or 0.0) < thresholds.cache_hit_percent
            and not reads_only_the_catalogue(s.query)
        ),
        key=lambda s: s.shared_blks_read,
        reverse=True,
    )
    limit = f"{thresholds.cache_hit_percent:.0f}%"
    if not missing:
        return Finding(
            check="queries.cache_hit",
            title="Statements find their data in shared buffers",
            status=Status.PASS,
            detail=f"No statement that read {human_number(thresholds.cache_min_reads)} blocks "
            f"or more found fewer than {limit} of them in shared buffers{_during(window)}.",
        )
    return Finding(
        check="queries.cache_hit",
        title=f"{len(missing)} statement(s) read most of their data from outside shared buffers",
        status=Status.WARN,
        detail=f"{_sentence(window.note)}: "
        + _named(
            missing,
            lambda s: (
                f"{human_number(s.shared_blks_read)} blocks read, "
                f"{s.cache_hit_percent or 0:.0f}% found in shared buffers"
            ),
        )
        + ". Each block not in shared buffers comes from the operating system's cache at best "
        "and from disk at worst.",
        advice="Read fewer blocks first: an index that narrows the scan (run the index advisor, "
        "`pressroom doctor advisor`), or a narrower query. If the data every request needs is "
        "larger than shared_buffers, give PostgreSQL more memory (shared_buffers about a "
        "quarter of RAM).",
    )


async def io_timing(conn: asyncpg.Connection) -> Finding:
    if await conn.fetchval(TRACK_IO_TIMING):
        return Finding(
            check="queries.track_io_timing",
            title="track_io_timing is on",
            status=Status.PASS,
            detail="Statements' time spent reading and writing blocks is measured.",
        )
    return Finding(
        check="queries.track_io_timing",
        title="track_io_timing is off",
        status=Status.WARN,
        detail="Without it pg_stat_statements and EXPLAIN cannot say how much of a statement's "
        "time went to waiting for reads, so a slow statement cannot be told I/O-bound from "
        "CPU-bound.",
        advice="Turn it on (no restart needed). Its cost is two clock reads per block read, "
        "small on modern machines; pg_test_timing shows this machine's clock overhead. On a "
        "managed service set it in the parameter group instead.",
        fix_sql=("ALTER SYSTEM SET track_io_timing = on;", "SELECT pg_reload_conf();"),
    )


def _available() -> Finding:
    return Finding(
        check="queries.pg_stat_statements",
        title="pg_stat_statements is collecting",
        status=Status.PASS,
        detail="Every statement's calls, time, rows and block reads are counted.",
    )


async def charts(
    conn: asyncpg.Connection,
    options: Options,
    window: StatementWindow | None,
    thresholds: Thresholds = THRESHOLDS,
) -> list[Chart]:
    """Values over time from the snapshots; a chart without points is left out."""
    since, until = options.since, options.until
    found: list[Chart] = []
    totals = await snapshots.total_intervals(conn, since, until)
    if totals:
        points = [(p.taken_at, round(p.total_exec_time, 3)) for p in totals]
        found.append(
            Chart(
                "Execution time per snapshot interval", Kind.MS, [Series("all statements", points)]
            )
        )
    if window is not None and window.statements:
        top = sorted(window.statements, key=lambda s: s.total_exec_time, reverse=True)
        top = top[: thresholds.chart_statements]
        intervals = await snapshots.statement_intervals(
            conn, since, until, [s.queryid for s in top]
        )
        series = [
            Series(
                f"{s.queryid}: {shorten_sql(s.query or '?', 40)}",
                [(p.taken_at, p.calls / p.seconds) for p in intervals[s.queryid] if p.seconds > 0],
            )
            for s in top
        ]
        series = [s for s in series if s.points]
        if series:
            found.append(Chart("Calls per second, top statements by time", Kind.NUMBER, series))
    history = await snapshots.database_history(conn, since, until)
    commits = snapshots.per_second(history, lambda p: p.xact_commit)
    if commits:
        rollbacks = snapshots.per_second(history, lambda p: p.xact_rollback)
        found.append(
            Chart(
                "Transactions per second",
                Kind.NUMBER,
                [Series("commits", commits), Series("rollbacks", rollbacks)],
            )
        )
    return found


async def inspect(target: Target, options: Options, thresholds: Thresholds = THRESHOLDS) -> Section:
    conn = target.conn
    section = Section(NAME, TITLE)
    window: StatementWindow | None = None
    if target.has(PG_STAT_STATEMENTS):
        window = await snapshots.statement_window(conn, options.since, options.until)
        section.tables = top_tables(window, options.limit)
        section.findings += [
            _available(),
            slow_statements(window, thresholds),
            cache_misses(window, thresholds),
        ]
    else:
        section.findings.append(target.missing(PG_STAT_STATEMENTS, "queries.pg_stat_statements"))
    section.findings.append(await io_timing(conn))
    section.charts = await charts(conn, options, window, thresholds)
    return section


async def statement_text(conn: asyncpg.Connection, queryid: int) -> str | None:
    """The text of a statement of this database, from pg_stat_statements or, once it is gone from
    there, from the snapshots; None when neither knows it. Statements carry $n placeholders
    where their constants were."""
    source = await snapshots.statement_source(conn)
    if source is not None:
        try:
            text: str | None = await conn.fetchval(source.text(), queryid)
        except asyncpg.ObjectNotInPrerequisiteStateError:
            text = None
        if text is not None:
            return text
    return await snapshots.stored_statement_text(conn, queryid)


async def reset_statistics(conn: asyncpg.Connection) -> None:
    """Reset pg_stat_statements' counters of this database (other databases of the cluster keep
    theirs).

    Snapshot deltas survive a reset: each snapshot records how much every statement's counters
    moved since the previous one, and a counter that went down (or a reset seen in
    pg_stat_statements_info) counts its new value alone, so a window that spans a reset adds up
    the work on both sides of it. Only the work between the last snapshot and the reset would be
    lost; when snapshots are in use, this records one right before resetting, in the same
    transaction, and then makes the next snapshot count every statement from zero.
    """
    source = await snapshots.statement_source(conn)
    if source is None:
        raise QueriesError("pg_stat_statements is not installed in this database")
    async with conn.transaction():
        history = await snapshots.has_schema(conn)
        if history:
            await conn.execute(snapshots.WRITE_LOCK)
            await snapshots.record_snapshot(conn, retention=None)
        try:
            await conn.execute(source.reset())
        except asyncpg.InsufficientPrivilegeError:
            raise QueriesError(
                "only a superuser may reset the query statistics, or a role granted EXECUTE on "
                "pg_stat_statements_reset"
            ) from None
        except asyncpg.ObjectNotInPrerequisiteStateError:
            raise QueriesError(
                "pg_stat_statements is installed but not loaded (shared_preload_libraries)"
            ) from None
        if history:
            await snapshots.forget_statements(conn)
