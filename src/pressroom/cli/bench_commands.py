"""`pressroom bench ...`: benchmarks that write a markdown report (never part of the tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.bench.api_bench import BenchOptions, run_api_bench
from pressroom.bench.events_bench import EventsBenchOptions, run_events_bench
from pressroom.bench.ingest_bench import IngestBenchOptions, run_ingest_bench
from pressroom.bench.search_bench import SearchBenchOptions, run_search_bench
from pressroom.cli.common import console, settings, user_errors

bench_app = typer.Typer(help="Benchmarks: each writes a markdown report under bench/results/.")


@bench_app.command("api")
@user_errors
def api(
    articles: Annotated[
        int, typer.Option(min=1000, help="Sample articles in the bench database.")
    ] = 1_000_000,
    duration: Annotated[int, typer.Option(min=1, help="Seconds per scenario.")] = 15,
    connections: Annotated[int, typer.Option(min=1, help="wrk connections.")] = 8,
    output: Annotated[Path, typer.Option(help="Report file.")] = Path("bench/results/api.md"),
) -> None:
    """The HTTP API with wrk against its framework ceiling and the seed's implementation."""
    options = BenchOptions(
        articles=articles, duration_s=duration, connections=connections, output=output
    )
    report = run_api_bench(settings(), options, notify=lambda line: console.print(f"• {line}"))
    console.print(f"[green]report written to {report}[/green]")


@bench_app.command("search")
@user_errors
def search(
    articles: Annotated[
        int, typer.Option(min=1000, help="Sample articles in the bench database.")
    ] = 1_000_000,
    duration: Annotated[
        int, typer.Option(min=1, help="Seconds per scenario, over all rounds.")
    ] = 15,
    rounds: Annotated[
        int,
        typer.Option(
            min=1, help="Rounds of every scenario; each search is compared with its round's lookup."
        ),
    ] = 3,
    connections: Annotated[int, typer.Option(min=1, help="wrk connections.")] = 2,
    output: Annotated[Path, typer.Option(help="Report file.")] = Path("bench/results/search.md"),
) -> None:
    """Search through the API against a lookup by id and against ILIKE."""
    options = SearchBenchOptions(
        articles=articles,
        duration_s=duration,
        rounds=rounds,
        connections=connections,
        output=output,
    )
    report = run_search_bench(settings(), options, notify=lambda line: console.print(f"• {line}"))
    console.print(f"[green]report written to {report}[/green]")


@bench_app.command("events")
@user_errors
def events(
    articles: Annotated[
        int, typer.Option(min=1000, help="Sample articles in the bench database.")
    ] = 10_000,
    duration: Annotated[int, typer.Option(min=1, help="Seconds per scenario.")] = 10,
    output: Annotated[Path, typer.Option(help="Report file.")] = Path("bench/results/events.md"),
) -> None:
    """Appends, stream reads and follow lag, against the eventsourcing library."""
    options = EventsBenchOptions(articles=articles, duration_s=duration, output=output)
    report = run_events_bench(settings(), options, notify=lambda line: console.print(f"• {line}"))
    console.print(f"[green]report written to {report}[/green]")


@bench_app.command("ingest")
@user_errors
def ingest(
    articles: Annotated[int, typer.Option(min=1000, help="Sample articles to load.")] = 1_000_000,
    output: Annotated[Path, typer.Option(help="Report file.")] = Path("bench/results/ingest.md"),
) -> None:
    """pressroom ingest against \\copy, INSERT loops and pgloader, with peak memory."""
    options = IngestBenchOptions(articles=articles, output=output)
    report = run_ingest_bench(settings(), options, notify=lambda line: console.print(f"• {line}"))
    console.print(f"[green]report written to {report}[/green]")
