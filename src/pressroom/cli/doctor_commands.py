"""`pressroom doctor`: what is wrong with the database, why, and the fix.

Thin: every check lives in pressroom.insights; this file parses options, asks for confirmation
before anything that changes the server, and renders Sections (Rich, or JSON for scripts).
Commands that change the server (cancel, terminate, reset-stats, advisor --create) also need an
admin API key, as the dashboard does: one audited rule for every face, whoever holds a DSN.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import asyncpg
import orjson
import typer
from rich.console import Console

from pressroom.access.keys import ApiKey, Scope, verify_token
from pressroom.cli.common import console, settings, user_errors
from pressroom.cli.section_view import render_section
from pressroom.db.targets import resolve_targets
from pressroom.errors import PressroomError
from pressroom.insights import (
    activity,
    advisor,
    explain,
    queries,
    settings_check,
    snapshots,
)
from pressroom.insights.model import Options, Section, Status
from pressroom.insights.sections import SECTIONS, overview
from pressroom.insights.target import Target, default_dsn, memory_budget_mb, open_target
from pressroom.insights.window import parse_window

T = TypeVar("T")

doctor_app = typer.Typer(
    help="Inspect PostgreSQL: what is wrong, why, and the SQL to fix it. Without a section: "
    "the overview of every check. Works against any PostgreSQL 13+ (--dsn).",
    invoke_without_command=True,
)

Dsn = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        envvar="PRESSROOM_DOCTOR_DSN",
        help="PostgreSQL to inspect (default: DATABASE_URL, or the local stack as superuser).",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")]
Since = Annotated[
    str | None,
    typer.Option(help="Window start for statistics deltas: 1h, 7d, or an ISO timestamp."),
]
Until = Annotated[str | None, typer.Option(help="Window end (default: now).")]
Limit = Annotated[int, typer.Option(min=1, max=500, help="Rows per table.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
AdminKey = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="PRESSROOM_API_KEY",
        help="An API key with the admin scope (`pressroom keys create NAME --scope admin`).",
        show_default=False,
    ),
]
ServerMemory = Annotated[
    int | None,
    typer.Option(min=128, help="The server's memory in MB, when it runs on another host."),
]
ServerCpus = Annotated[
    int | None, typer.Option(min=1, help="The server's CPUs, when it runs on another host.")
]
# Results go to standard output, wrapped to the terminal (the shared console is for messages).
out = Console(soft_wrap=False)


def _with_target(dsn: str | None, work: Callable[[Target], Awaitable[T]]) -> T:
    config = settings()
    url = dsn or default_dsn(config)

    async def run() -> T:
        async with open_target(url, config.connect_timeout_s) as target:
            return await work(target)

    return asyncio.run(run())


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def _show(sections: list[Section], as_json: bool, *, passes: bool = True) -> None:
    if as_json:
        _print_json(
            sections[0].as_json() if len(sections) == 1 else [s.as_json() for s in sections]
        )
    else:
        for section in sections:
            render_section(out, section, passes=passes)
    if any(section.status is Status.FAIL for section in sections):
        raise typer.Exit(1)


def _options(
    dsn: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    server_memory_mb: int | None = None,
    server_cpus: int | None = None,
) -> Options:
    start, end = parse_window(since, until)
    return Options(
        since=start,
        until=end,
        limit=limit,
        server_memory_mb=server_memory_mb,
        server_cpus=server_cpus,
        memory_budget_mb=memory_budget_mb(settings(), dsn),
    )


def _require_admin(key: str | None) -> None:
    """Changing the server takes an admin key, checked in pressroom's own database."""
    if not key:
        raise PressroomError(
            "this command changes the server: give an admin API key with --key or "
            "PRESSROOM_API_KEY (pressroom keys create NAME --scope admin)"
        )
    config = settings()

    async def check() -> ApiKey | None:
        url = resolve_targets(config).writer
        conn = await asyncpg.connect(url, timeout=config.connect_timeout_s)
        try:
            return await verify_token(conn, key.strip())
        finally:
            await conn.close()

    found = asyncio.run(check())
    if found is None:
        raise PressroomError("the API key is unknown or revoked")
    if Scope.ADMIN not in found.scopes:
        raise PressroomError(f"the API key {found.id} has no admin scope")


def _confirm(question: str, yes: bool) -> None:
    if not yes and not typer.confirm(question, default=False):
        raise typer.Exit(1)


@doctor_app.callback()
@user_errors
def doctor(
    ctx: typer.Context,
    dsn: Dsn = None,
    as_json: AsJson = False,
    since: Since = None,
    until: Until = None,
    limit: Limit = 20,
    server_memory_mb: ServerMemory = None,
    server_cpus: ServerCpus = None,
) -> None:
    if ctx.invoked_subcommand is not None:
        # `doctor --dsn prod terminate 42` must not quietly terminate 42 on the default server.
        given = [
            "--" + name.replace("_", "-").removeprefix("as-")
            for name in ctx.params
            if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"
        ]
        if given:
            raise typer.BadParameter(
                f"{', '.join(given)} must follow the command: pressroom doctor "
                f"{ctx.invoked_subcommand} {given[0]} ..."
            )
        return
    options = _options(dsn, since, until, limit, server_memory_mb, server_cpus)
    summary, _ = _with_target(dsn, lambda target: overview(target, options))
    # The overview lists every check; passes are only worth a line each on a terminal.
    _show([summary], as_json)


def _section_command(name: str, help_text: str) -> None:
    @doctor_app.command(name, help=help_text)
    @user_errors
    def command(
        dsn: Dsn = None,
        as_json: AsJson = False,
        since: Since = None,
        until: Until = None,
        limit: Limit = 20,
    ) -> None:
        options = _options(dsn, since, until, limit)
        section = _with_target(dsn, lambda target: SECTIONS[name].inspect(target, options))
        _show([section], as_json)


@user_errors
def advisor_command(
    dsn: Dsn = None,
    as_json: AsJson = False,
    limit: Limit = 20,
    create: Annotated[
        bool,
        typer.Option(
            "--create", help="Create the recommended indexes (CONCURRENTLY, under a lock timeout)."
        ),
    ] = False,
    yes: Yes = False,
    key: AdminKey = None,
) -> None:
    """Index advisor: indexes that would halve the top statements' cost, checked with HypoPG."""
    options = Options(limit=limit)
    if create:
        _require_admin(key)

    async def work(target: Target) -> Section:
        if not create:
            return await advisor.inspect(target, options)
        advice = await advisor.advise(target, limit)
        if not advice.recommendations:
            console.print("nothing to create: no index would halve a top statement's cost")
        for recommendation in advice.recommendations:
            helped = ", ".join(
                f"{h.cost_before:.0f} → {h.cost_after:.0f}" for h in recommendation.helps
            )
            console.print(f"{recommendation.table}: cost {helped}")
            _confirm(f"run {'; '.join(recommendation.statements)}?", yes)
            name = await advisor.create_index(target.conn, recommendation)
            console.print(f"[green]created index {name}[/green]")
        return await advisor.inspect(target, options)

    _show([_with_target(dsn, work)], as_json)


@user_errors
def settings_command(
    dsn: Dsn = None,
    as_json: AsJson = False,
    server_memory_mb: ServerMemory = None,
    server_cpus: ServerCpus = None,
) -> None:
    """Settings: current values against those recommended for the machine, with reasons."""
    options = _options(dsn, None, None, 20, server_memory_mb, server_cpus)
    _show([_with_target(dsn, lambda target: settings_check.inspect(target, options))], as_json)


# In the overview's order, the advisor with its own --create option.
for _spec in SECTIONS.values():
    if _spec.name == advisor.NAME:
        doctor_app.command(advisor.NAME)(advisor_command)
    elif _spec.name == settings_check.NAME:
        doctor_app.command(settings_check.NAME)(settings_command)
    else:
        _section_command(_spec.name, f"{_spec.title}: {_spec.summary}.")


@doctor_app.command("explain")
@user_errors
def explain_command(
    statement: Annotated[str, typer.Argument(help="The statement; `-` reads it from stdin.")],
    analyze: Annotated[
        bool,
        typer.Option(
            "--analyze",
            help="Run it (read-only, rolled back, under a timeout) for real times and rows.",
        ),
    ] = False,
    dsn: Dsn = None,
    as_json: AsJson = False,
) -> None:
    """EXPLAIN a statement as a tree: inclusive and exclusive time, misestimates, hot nodes."""
    text = sys.stdin.read() if statement == "-" else statement
    result = _with_target(dsn, lambda target: explain.explain(target, text, analyze=analyze))
    if as_json:
        _print_json(result.as_json())
        return
    _show([explain.explain_section(result)], False)


@doctor_app.command("snapshot")
@user_errors
def snapshot_command(dsn: Dsn = None) -> None:
    """Record query statistics and sizes now (the dashboard server does it periodically);
    for cron against a database without the dashboard."""
    config = settings()
    retention = timedelta(days=config.insights_retention_days)
    taken = _with_target(dsn, lambda target: snapshots.take_snapshot(target.conn, retention))
    console.print(f"snapshot taken at {taken.isoformat()}")


@doctor_app.command("reset-stats")
@user_errors
def reset_stats_command(dsn: Dsn = None, yes: Yes = False, key: AdminKey = None) -> None:
    """Reset pg_stat_statements for this database (snapshots keep the history before it)."""
    _require_admin(key)
    _confirm("reset the query statistics of this database (snapshots keep their history)?", yes)
    _with_target(dsn, lambda target: queries.reset_statistics(target.conn))
    console.print("query statistics reset")


def _signal(pid: int, dsn: str | None, yes: bool, key: str | None, *, terminate: bool) -> None:
    _require_admin(key)
    verb = "terminate" if terminate else "cancel the query of"
    _confirm(f"{verb} backend {pid}?", yes)
    action = activity.terminate_backend if terminate else activity.cancel_backend
    done = _with_target(dsn, lambda target: action(target.conn, pid))
    console.print(f"backend {pid}: {'signalled' if done else 'no longer there'}")


@doctor_app.command("cancel")
@user_errors
def cancel_command(
    pid: Annotated[int, typer.Argument(help="Backend process id (see `doctor activity`).")],
    dsn: Dsn = None,
    yes: Yes = False,
    key: AdminKey = None,
) -> None:
    """Cancel a backend's running query (the session stays)."""
    _signal(pid, dsn, yes, key, terminate=False)


@doctor_app.command("terminate")
@user_errors
def terminate_command(
    pid: Annotated[int, typer.Argument(help="Backend process id (see `doctor activity`).")],
    dsn: Dsn = None,
    yes: Yes = False,
    key: AdminKey = None,
) -> None:
    """End a backend's session, rolling back its open transaction."""
    _signal(pid, dsn, yes, key, terminate=True)
