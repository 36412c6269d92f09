"""`pressroom dashboard`: the operations dashboard, served in the foreground."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from pressroom.cli.common import console, settings, user_errors
from pressroom.db.targets import resolve_targets
from pressroom.insights.target import default_dsn, memory_budget_mb


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@user_errors
def dashboard(
    dsn: Annotated[
        str | None,
        typer.Option(
            "--dsn",
            envvar="PRESSROOM_DOCTOR_DSN",
            help="PostgreSQL (13+) to inspect, as a libpq URL (default: DATABASE_URL, or the "
            "local stack as superuser). API keys are always checked in pressroom's database.",
            show_default=False,
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: dashboard_host, loopback).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: dashboard_port).")] = None,
    snapshots: Annotated[
        bool,
        typer.Option(help="Record snapshots in the background every insights_snapshot_interval_s."),
    ] = True,
    server_memory_mb: Annotated[
        int | None,
        typer.Option(min=128, help="The server's memory in MB, when it runs on another host."),
    ] = None,
    server_cpus: Annotated[
        int | None, typer.Option(min=1, help="The server's CPUs, when it runs on another host.")
    ] = None,
) -> None:
    """Serve the operations dashboard (/dashboard); log in with an admin API key."""
    import uvicorn

    from pressroom.insights.model import Options
    from pressroom.web.app import create_dashboard

    config = settings()
    targets = resolve_targets(config)
    inspect_dsn = dsn or default_dsn(config)
    bind = host or config.dashboard_host
    bind_port = port or config.dashboard_port
    if not _loopback(bind):
        console.print(
            f"[yellow]the dashboard listens on {bind}, not only on loopback: it shows query "
            "texts and can cancel backends; put it behind TLS[/yellow]",
            highlight=False,
        )
    console.print(f"dashboard on http://{bind}:{bind_port}/dashboard", highlight=False)
    uvicorn.run(
        # The API keys live in pressroom's own database; checking one also records its last
        # use, which needs the writer role.
        create_dashboard(
            config,
            inspect_dsn,
            targets.writer,
            snapshots=snapshots,
            # The settings page compares with what the server was tuned for.
            base_options=Options(
                memory_budget_mb=memory_budget_mb(config, dsn),
                server_memory_mb=server_memory_mb,
                server_cpus=server_cpus,
            ),
        ),
        host=bind,
        port=bind_port,
        log_level=config.log_level,
        access_log=False,
        # One process: sessions live in its memory.
        workers=1,
    )
