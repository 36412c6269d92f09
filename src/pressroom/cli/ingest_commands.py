"""`pressroom ingest`: load crawler output (JSONL, CSV, RSS/Atom; plain or gzip)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import IO, Annotated

import asyncpg
import orjson
import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from pressroom.cli.common import console, settings, user_errors
from pressroom.db.targets import resolve_targets
from pressroom.errors import PressroomError
from pressroom.ingest.concurrency import DEFAULT_WORKERS
from pressroom.ingest.pipeline import (
    DEFAULT_BATCH,
    DeadLetters,
    IngestOptions,
    IngestSummary,
    file_source,
    ingest,
)
from pressroom.ingest.readers import Format, detect_format, open_input, read_records
from pressroom.ingest.settle import settle_as_owner


@user_errors
def ingest_command(
    path: Annotated[str, typer.Argument(help="A file, or - for standard input.")],
    format_: Annotated[
        Format | None,
        typer.Option("--format", help="jsonl, csv or feed (RSS/Atom); detected when omitted."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Records per transaction.")
    ] = DEFAULT_BATCH,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Batches merged at once, each on its own connection (the work is in the "
            "database: about one per core it may use).",
        ),
    ] = DEFAULT_WORKERS,
    dry_run: Annotated[bool, typer.Option(help="Validate only; write nothing.")] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Dead-letter file (default: next to the input, .rejects.jsonl)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    settle: Annotated[
        bool,
        typer.Option(
            help="Then vacuum and analyze the partitions written (as the tables' owner), so "
            "searches and lists are fast at once rather than after autovacuum's next round."
        ),
    ] = True,
) -> None:
    """Ingest articles. New URLs become published articles, changed ones revisions, repeats
    cost nothing; bad records go to the dead-letter file with their line and reason, and the
    run goes on. Interrupted, it resumes where it stopped when run again."""
    config = settings()
    stdin = path == "-"
    file = Path(path)
    if not stdin and not file.is_file():
        raise PressroomError(f"no such file: {path}")
    dead = rejects or (
        Path("ingest.rejects.jsonl") if stdin else file.with_name(file.name + ".rejects.jsonl")
    )
    total = None if stdin else file.stat().st_size
    raw: IO[bytes] = sys.stdin.buffer if stdin else file.open("rb")
    try:
        stream = open_input(raw)
        kind = format_ or detect_format(stream, None if stdin else file.name)
        options = IngestOptions(
            batch_size=batch_size,
            dry_run=dry_run,
            source=None if stdin or dry_run else file_source(file),
        )
        targets = resolve_targets(config)
        summary = asyncio.run(
            _run(
                targets.writer,
                workers,
                stream,
                kind,
                options,
                DeadLetters(dead),
                raw,
                total,
            )
        )
    finally:
        if not stdin:
            raw.close()
    if settle and summary.months_written:
        with console.status("vacuuming and analyzing the partitions written"):
            asyncio.run(settle_as_owner(targets.owner, summary.months_written))
    if as_json:
        typer.echo(orjson.dumps(summary.as_json() | {"dead_letters": str(dead)}).decode())
        return
    _print(summary, dead, dry_run)


async def _run(
    url: str,
    workers: int,
    stream: IO[bytes],
    kind: Format,
    options: IngestOptions,
    dead_letters: DeadLetters,
    raw: IO[bytes],
    total: int | None,
) -> IngestSummary:
    connections = [
        await asyncpg.connect(url, server_settings={"application_name": "pressroom ingest"})
        for _ in range(workers)
    ]
    started = time.monotonic()
    columns = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    ]
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"ingesting ({kind.value})", total=total, rate="")

            def progress(summary: IngestSummary) -> None:
                elapsed = max(time.monotonic() - started, 1e-6)
                position = raw.tell() if total is not None else summary.read
                bar.update(task, completed=position, rate=f"{summary.read / elapsed:,.0f} rows/s")

            return await ingest(
                connections,
                read_records(stream, kind),
                options,
                dead_letters=dead_letters,
                on_progress=progress,
            )
    finally:
        for conn in connections:
            await conn.close()


def _print(summary: IngestSummary, dead: Path, dry_run: bool) -> None:
    verb = "checked" if dry_run else "read"
    line = (
        f"{verb} {summary.read:,}: {summary.inserted:,} inserted, {summary.revised:,} revised, "
        f"{summary.unchanged:,} unchanged, {summary.rejected:,} rejected"
    )
    if dry_run:
        line = f"{verb} {summary.read:,}: {summary.read - summary.rejected:,} valid, {summary.rejected:,} rejected"
    console.print(line, highlight=False)
    if summary.resumed_after:
        console.print(f"resumed after record {summary.resumed_after:,} of an interrupted run")
    if summary.rejected:
        console.print(f"rejects, with their line and reason: {dead}", highlight=False)
