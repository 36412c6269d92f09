"""`pressroom search`: the same search as GET /search, in a terminal."""

from __future__ import annotations

import asyncio
import html
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import asyncpg
import orjson
import typer
from rich.markup import escape

from pressroom.cli.common import console, settings, user_errors
from pressroom.config import Settings
from pressroom.content.cursor import InvalidCursorError
from pressroom.db.targets import resolve_targets
from pressroom.search.engine import SearchFilter, SearchResult, search_articles

MARK = re.compile(r"<mark>(.*?)</mark>")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _marked(highlighted: str) -> str:
    """<mark>…</mark> HTML from the search as bold terminal text."""
    parts = MARK.split(highlighted)
    # Odd parts were inside <mark>.
    return "".join(
        f"[bold yellow]{escape(html.unescape(p))}[/bold yellow]"
        if i % 2
        else escape(html.unescape(p))
        for i, p in enumerate(parts)
    )


async def _search(
    config: Settings, q: str, where: SearchFilter, limit: int, cursor: str | None
) -> SearchResult:
    conn = await asyncpg.connect(resolve_targets(config).reader, timeout=config.connect_timeout_s)
    try:
        return await search_articles(
            conn,
            q,
            where,
            cursor=cursor,
            limit=limit,
            half_life=timedelta(days=config.search_half_life_days),
        )
    finally:
        await conn.close()


def _print(result: SearchResult) -> None:
    total = f"{result.total.value:,}" + ("" if result.total.exact else " (estimated)")
    console.print(f"{total} articles", highlight=False)
    for item in result.items:
        when = item["published_at"].strftime("%Y-%m-%d %H:%M")
        console.print(f"\n{_marked(item['highlight']['title'])}", highlight=False)
        console.print(f"  [dim]{item['site']} · {when} · id {item['id']}[/dim]", highlight=False)
        if item["highlight"]["summary"]:
            console.print(f"  {_marked(item['highlight']['summary'])}", highlight=False)
    if result.ignored:
        console.print(f"\n[dim]ignored: {escape(', '.join(result.ignored))}[/dim]")
    if result.hint:
        console.print(f"\n[yellow]{escape(result.hint)}[/yellow]")
    if result.did_you_mean:
        console.print(f"\ndid you mean: [bold]{escape(result.did_you_mean)}[/bold]")
    if result.next_cursor:
        console.print(f"\n[dim]more: --cursor {result.next_cursor}[/dim]", highlight=False)


@user_errors
def search(
    q: Annotated[str, typer.Argument(help='What to search for: words, "phrases", -word, or.')],
    site: Annotated[str | None, typer.Option(help="Only this site's domain.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language: fa, en.")] = None,
    since: Annotated[
        datetime | None, typer.Option("--from", help="Published at or after (UTC if no zone).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option("--to", help="Published before (UTC if no zone).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Results per page.")] = 10,
    cursor: Annotated[str | None, typer.Option(help="Next page: the cursor printed last.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON instead.")] = False,
) -> None:
    """Search articles, ranked by relevance and freshness, as GET /search does."""
    where = SearchFilter(site.lower() if site else None, lang, _utc(since), _utc(until))
    try:
        result = asyncio.run(_search(settings(), q, where, limit, cursor))
    except InvalidCursorError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(result.as_json(), option=orjson.OPT_INDENT_2) + b"\n")
        return
    _print(result)
