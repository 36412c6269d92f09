"""`pressroom events`: follow the feed, run the sequencer, replay the log."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import asyncpg
import orjson
import typer
from rich.progress import Progress
from rich.table import Table

from pressroom.cli.common import console, settings, user_errors
from pressroom.db.targets import resolve_targets
from pressroom.events.replay import ReplayReport, replay
from pressroom.events.sequencer import Sequencer
from pressroom.events.subscriptions import check_name, list_subscriptions, subscribe

events_app = typer.Typer(help="The event log and its global feed.", no_args_is_help=True)


@events_app.command("follow")
@user_errors
def follow(
    from_: Annotated[
        int, typer.Option("--from", min=0, help="Start after this position (0: the beginning).")
    ] = 0,
    subscription: Annotated[
        str | None,
        typer.Option(help="Resume from, and save progress to, this durable subscription."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many events (default: never).")
    ] = None,
) -> None:
    """Print the feed as JSON lines, then new events as they happen, until interrupted."""
    config = settings()
    if subscription is not None:
        check_name(subscription)
    targets = resolve_targets(config)

    async def run() -> None:
        # So that the feed moves even when no API process is running.
        sequencer = asyncio.create_task(
            Sequencer(targets.writer, poll_s=config.sequencer_poll_ms / 1000).run()
        )
        seen = 0
        try:
            async for event in subscribe(targets.writer, name=subscription, after=from_):
                line = orjson.dumps(event.as_json(), option=orjson.OPT_UTC_Z).decode()
                typer.echo(line)
                seen += 1
                if limit is not None and seen >= limit:
                    return
        finally:
            sequencer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sequencer

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@events_app.command("sequence")
@user_errors
def sequence() -> None:
    """Run the feed's sequencer in the foreground (the API runs one already; running more is
    safe: one leads, the others wait to take over)."""
    config = settings()
    console.print("sequencing the feed; Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        poll_s = config.sequencer_poll_ms / 1000
        asyncio.run(Sequencer(resolve_targets(config).writer, poll_s=poll_s).run())


@events_app.command("subscriptions")
@user_errors
def subscriptions() -> None:
    """Durable subscriptions, with how far each is behind the feed."""
    config = settings()

    async def run() -> list[dict[str, object]]:
        conn = await asyncpg.connect(resolve_targets(config).reader)
        try:
            return await list_subscriptions(conn)
        finally:
            await conn.close()

    table = Table("name", "position", "behind", "updated")
    for row in asyncio.run(run()):
        table.add_row(
            str(row["name"]),
            f"{row['position']:,}",
            f"{row['behind']:,}",
            f"{row['updated_at']:%Y-%m-%d %H:%M:%S}",
        )
    console.print(table)


def _print_report(report: ReplayReport, applied: bool) -> None:
    console.print(
        f"replayed {report.events:,} events into {report.articles:,} articles "
        f"in {report.seconds:.1f} s",
        highlight=False,
    )
    if report.identical:
        console.print("[green]the read model matches the log[/green]")
        return
    console.print(
        f"[yellow]{len(report.differing):,} articles differed from the log, "
        f"{len(report.without_events):,} had no events[/yellow]",
        highlight=False,
    )
    for article_id in (report.differing + report.without_events)[:20]:
        console.print(f"  {article_id}", highlight=False)
    if applied:
        console.print(f"[green]rewrote {report.changed:,} rows: the read model now matches[/green]")


@events_app.command("replay")
@user_errors
def replay_command(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare; exit 1 if the read model differs.")
    ] = False,
) -> None:
    """Rebuild the articles read model from the event log and make the live one match it."""
    config = settings()

    async def run() -> ReplayReport:
        conn = await asyncpg.connect(resolve_targets(config).writer)
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("re-projecting", total=None)
                return await replay(
                    conn, apply=not check, on_progress=lambda n: progress.advance(task, n)
                )
        finally:
            await conn.close()

    report = asyncio.run(run())
    _print_report(report, applied=not check)
    if check and not report.identical:
        raise typer.Exit(1)
