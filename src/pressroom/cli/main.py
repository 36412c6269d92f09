"""The `pressroom` command: thin commands over the domain modules."""

from __future__ import annotations

import typer

from pressroom.cli import data_commands, search_commands, stack_commands
from pressroom.cli.bench_commands import bench_app
from pressroom.cli.dashboard_commands import dashboard
from pressroom.cli.doctor_commands import doctor_app
from pressroom.cli.event_commands import events_app
from pressroom.cli.ingest_commands import ingest_command
from pressroom.cli.key_commands import keys_app

app = typer.Typer(
    name="pressroom",
    help="PostgreSQL-backed storage and serving for Persian and English news.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.command()(stack_commands.up)
app.command()(stack_commands.down)
app.command()(stack_commands.status)
app.command()(stack_commands.migrate)
app.command()(stack_commands.tune)
app.command()(data_commands.sample)
app.command()(data_commands.serve)
app.command()(dashboard)
app.command()(data_commands.config)
app.command()(search_commands.search)
app.command("ingest")(ingest_command)
app.add_typer(events_app, name="events")
app.add_typer(keys_app, name="keys")
app.add_typer(bench_app, name="bench")
app.add_typer(doctor_app, name="doctor")
