"""`pressroom keys`: create, list and revoke the API keys that may write."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import asyncpg
import orjson
import typer
from rich.table import Table

from pressroom.access.keys import Scope, create_key, list_keys, revoke_key
from pressroom.cli.common import console, settings, user_errors
from pressroom.db.targets import resolve_targets

keys_app = typer.Typer(help="API keys for the write routes.", no_args_is_help=True)
T = TypeVar("T")


def _as_writer(work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    config = settings()

    async def run() -> T:
        url = resolve_targets(config).writer
        conn = await asyncpg.connect(url, timeout=config.connect_timeout_s)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


@keys_app.command("create")
@user_errors
def create(
    name: Annotated[str, typer.Argument(help="Who or what the key is for, e.g. 'crawler-eu'.")],
    scope: Annotated[list[Scope], typer.Option(help="Repeat for several.")] = [Scope.WRITE],  # noqa: B006
) -> None:
    """Create a key. The key is printed once, on standard output; only its hash is kept."""
    key, token = _as_writer(lambda conn: create_key(conn, name, scope))
    console.print(
        f"created key [bold]{key.id}[/bold] ({key.name}), scopes: {', '.join(key.scopes)}"
    )
    console.print("[yellow]store it now: it cannot be shown again[/yellow]")
    typer.echo(token)


@keys_app.command("list")
@user_errors
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, for scripts.")] = False,
) -> None:
    """Every key, active and revoked; never the secrets."""
    keys = _as_writer(list_keys)
    if as_json:
        for key in keys:
            typer.echo(orjson.dumps(key.as_json(), option=orjson.OPT_UTC_Z).decode())
        return
    table = Table("id", "name", "scopes", "created", "last used", "revoked")
    for key in keys:
        table.add_row(
            key.id,
            key.name,
            ",".join(key.scopes),
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
        )
    console.print(table)


@keys_app.command("revoke")
@user_errors
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id, from `keys list`.")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    key = _as_writer(lambda conn: revoke_key(conn, key_id))
    console.print(f"revoked key {key.id} ({key.name})")
