"""Loading articles given as objects (the sample corpus, tests): batches merged on as many
connections as given, each in its own transaction, so a failure loses no committed batch and a
rerun picks up where it stopped."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

import asyncpg

from pressroom.content.partitions import month_of
from pressroom.content.urls import InvalidUrlError
from pressroom.ingest.concurrency import MergerPool, merge_in_transaction
from pressroom.ingest.merge import PUBLISHED_AT, SITE, URL, ArticleInput, Merger, staging_row


@dataclass(frozen=True, slots=True)
class Rejected:
    position: int  # 1-based position of the article in the input
    reason: str


@dataclass
class LoadSummary:
    read: int = 0
    inserted: int = 0
    revised: int = 0
    skipped: int = 0  # already known and unchanged
    rejected: list[Rejected] = field(default_factory=list)


def _batches(items: Iterable[ArticleInput], size: int) -> Iterator[list[ArticleInput]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _staging_rows(
    batch: list[ArticleInput], first_position: int, summary: LoadSummary
) -> list[tuple[object, ...]]:
    """Staging rows of the valid articles; the others are recorded as rejected, and the load
    goes on without them."""
    rows = []
    for offset, article in enumerate(batch):
        try:
            rows.append(staging_row(article, first_position + offset))
        except (InvalidUrlError, ValueError, TypeError, AttributeError) as exc:
            summary.rejected.append(Rejected(first_position + offset, str(exc)[:300]))
    return rows


async def load_articles(
    connections: asyncpg.Connection | Sequence[asyncpg.Connection],
    articles: Iterable[ArticleInput],
    *,
    batch_size: int = 5_000,
    on_progress: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Merge the articles, a batch per transaction, as many batches at once as connections
    given. Articles with an invalid URL or publication time are rejected with their position
    and reason; the rest still load."""
    conns = [connections] if isinstance(connections, asyncpg.Connection) else list(connections)
    pool = MergerPool([Merger(conn, actor="loader") for conn in conns])
    summary = LoadSummary()

    async def merge(rows: list[tuple[object, ...]], read: int, merger: Merger) -> None:
        counts = await merge_in_transaction(merger, rows)
        summary.inserted += counts.inserted
        summary.revised += counts.revised
        summary.skipped += counts.unchanged
        if on_progress is not None:
            on_progress(read)

    try:
        for batch in _batches(articles, batch_size):
            rows = _staging_rows(batch, summary.read + 1, summary)
            summary.read += len(batch)
            months = {month_of(row[PUBLISHED_AT]) for row in rows}  # type: ignore[arg-type]
            keys = frozenset((str(row[SITE]), str(row[URL])) for row in rows)
            await pool.start(months, keys, functools.partial(merge, rows, len(batch)))
        await pool.finish()
    finally:
        await pool.cancel()
    return summary
