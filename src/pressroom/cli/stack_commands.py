"""up, down, status, migrate, tune: the local stack and its database."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from pressroom.cli.common import console, settings, user_errors
from pressroom.db import migrate as migrations
from pressroom.db.targets import resolve_targets
from pressroom.local.machine import detect_machine
from pressroom.local.stack import Stack, tuning_for
from pressroom.local.status import stack_report


@user_errors
def up(
    api: Annotated[
        bool, typer.Option(help="Also start the HTTP API server and the dashboard.")
    ] = True,
) -> None:
    """Bring the whole local stack up: PostgreSQL, Redis, schema, sample corpus, API,
    dashboard."""
    config = settings()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("sample corpus", total=config.sample_articles, visible=False)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, visible=True)

        report = Stack(config, notify=lambda line: bar.console.print(f"• {line}")).up(
            with_api=api, progress=advance
        )
    console.print("[green]pressroom is up.[/green]")
    if report.api_url:
        console.print(f"  API            {report.api_url}")
        console.print(f"  API docs       {report.api_url}/docs")
    if report.dashboard_url:
        console.print(
            f"  Dashboard      {report.dashboard_url} "
            "(sign in with a key from `pressroom keys create NAME --scope admin`)"
        )
    if report.pg_port:
        console.print(
            f"  PostgreSQL     127.0.0.1:{report.pg_port} (passwords in {config.data_dir}/secrets.json)"
        )
    if report.redis_port:
        console.print(f"  Redis          127.0.0.1:{report.redis_port}")
    console.print("  Status         pressroom status")


@user_errors
def down() -> None:
    """Stop the local stack cleanly (data stays in the data folder)."""
    stopped = Stack(settings()).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@user_errors
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show the local stack: services, ports, data folder, versions, health."""
    report = stack_report(settings())
    if as_json:
        typer.echo(json.dumps({**asdict(report), "healthy": report.healthy}, indent=2))
    else:
        table = Table(title=f"pressroom stack — {report.data_dir}")
        for column in ("service", "state", "address", "version", "pid"):
            table.add_column(column, no_wrap=True)
        for service in report.services:
            colour = "green" if service.healthy else "red"
            table.add_row(
                service.name,
                f"[{colour}]{service.state}[/{colour}]",
                service.address,
                service.version,
                str(service.pid or ""),
            )
        console.print(table)
        for service in report.services:
            if service.detail:
                console.print(f"{service.name}: {service.detail}", highlight=False)
        console.print(
            f"schema: {report.schema_revision or 'none'} (expected {report.expected_revision})"
            + (
                f", ~{report.articles_estimate:,} articles"
                if report.articles_estimate is not None
                else ""
            )
        )
        for problem in report.problems:
            console.print(f"[yellow]• {problem}[/yellow]")
        console.print("[green]healthy[/green]" if report.healthy else "[red]not healthy[/red]")
    if not report.healthy:
        raise typer.Exit(1)


@user_errors
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision for an upgrade.")] = "head",
    down_to: Annotated[
        str | None,
        typer.Option("--down", help="Revert to this revision instead (`base` reverts everything)."),
    ] = None,
) -> None:
    """Apply (or revert) schema migrations, as the owner role."""
    config = settings()
    owner = resolve_targets(config).owner
    if down_to is not None:
        result = migrations.downgrade(owner, config.connect_timeout_s, down_to)
    else:
        result = migrations.upgrade(owner, config.connect_timeout_s, revision)
    if result.before == result.after:
        console.print(f"schema already at {result.after or 'base'}")
    else:
        console.print(f"schema: {result.before or 'base'} → {result.after or 'base'}")


@user_errors
def tune(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Print the PostgreSQL settings chosen for this machine, and why."""
    config = settings()
    machine = detect_machine(config.data_dir)
    chosen = tuning_for(config)
    if as_json:
        typer.echo(
            json.dumps(
                {"machine": asdict(machine), "settings": [asdict(s) for s in chosen]}, indent=2
            )
        )
        return
    gib = machine.memory_bytes / 2**30
    table = Table(
        title=f"PostgreSQL settings for {machine.cpus} CPUs, {gib:.1f} GiB, {machine.storage}"
    )
    table.add_column("setting", style="bold")
    table.add_column("value")
    table.add_column("why")
    for setting in chosen:
        table.add_row(setting.name, setting.value, setting.reason)
    console.print(table)
