"""sample, serve, config: data, the server, and the settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.progress import Progress

from pressroom.cli.common import console, settings, user_errors
from pressroom.config import Settings
from pressroom.config_docs import settings_markdown


@user_errors
def sample(
    count: Annotated[
        int, typer.Option("--count", "-n", min=0, help="Articles to generate.")
    ] = 1000,
    sites: Annotated[int, typer.Option("--sites", "-m", min=1, help="Site domains.")] = 20,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same corpus.")] = 0,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
) -> None:
    """Stream a deterministic synthetic corpus of Persian and English articles as JSONL."""
    from pressroom.sample import generate_articles, write_jsonl

    articles = generate_articles(count, sites, seed)
    if output == "-":
        write_jsonl(articles, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    path = Path(output)
    with path.open("wb") as stream, Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"writing {path}", total=count)

        def counted() -> object:
            for index, article in enumerate(articles, 1):
                yield article
                if index % 1000 == 0:
                    bar.update(task, completed=index)

        written = write_jsonl(counted(), stream)  # type: ignore[arg-type]
    console.print(f"wrote {written:,} articles to {path}")


def _write(stream: BinaryIO, text: str) -> None:
    stream.write(text.encode())


@user_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: api_host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: api_port).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: api_workers).")
    ] = None,
) -> None:
    """Run the HTTP API in the foreground."""
    import uvicorn

    config = settings()
    uvicorn.run(
        "pressroom.api.app:create_app",
        factory=True,
        host=host or config.api_host,
        port=port or config.api_port,
        workers=workers or config.api_workers,
        loop="uvloop",
        http="httptools",
        log_level=config.log_level,
        access_log=False,
    )


@user_errors
def config(
    markdown: Annotated[
        bool, typer.Option(help="Print the settings reference (docs/configuration.md).")
    ] = False,
) -> None:
    """Show the effective settings (secrets hidden), or their reference documentation."""
    if markdown:
        typer.echo(settings_markdown(), nl=False)
        return
    current: Settings = settings()
    for name, value in current.model_dump().items():
        typer.echo(f"{name} = {value!s}" if value is not None else f"{name} = (unset)")
