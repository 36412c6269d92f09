"""Batches merged at once, one per connection, and one batch's transaction with its retries.

Both loaders use this: `pressroom ingest` (pipeline.py) and the sample corpus (merge.py's
load_articles). The work of a merge is all in the database backend, so two connections keep two
cores busy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, date, datetime

import asyncpg

from pressroom.content.partitions import ensure_months, existing_months, months_ahead
from pressroom.ingest.merge import BatchCounts, Merger

RACE_RETRIES = 3
# Two batches at once keep two cores busy; more mostly wait on each other's new tags and words.
DEFAULT_WORKERS = 2
Key = tuple[str, str]  # (site, url)


async def merge_in_transaction(
    merger: Merger,
    staged: list[tuple[object, ...]],
    also: Callable[[BatchCounts], Awaitable[None]] | None = None,
    *,
    isolate: bool = False,
) -> BatchCounts:
    """Merge staging rows in a transaction of their own, with `also` (given the counts) in the
    same transaction; retried when it raced another writer. With `isolate`, records the
    database refuses are left out and counted as refused (Merger.merge_isolating()) instead of
    failing the batch."""
    await merger.prepare()
    merge = merger.merge_isolating if isolate else merger.merge
    for attempt in range(RACE_RETRIES + 1):
        try:
            async with merger.conn.transaction():
                counts = await merge(staged) if staged else BatchCounts()
                if also is not None:
                    await also(counts)
        except (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError):
            # Another writer added one of these URLs (or its id) between our check and our
            # insert, or two batches adding the same new tags and words met in a cycle. Merging
            # is idempotent: the batch again, in a new transaction, sees what the other did.
            if attempt == RACE_RETRIES:
                raise
            continue
        return counts
    raise AssertionError("unreachable")


class MergerPool:
    """Batches merging at once, one per connection. A batch that shares a URL with one in
    flight waits for it: the later record of a URL must win, and two transactions writing the
    same article would only wait on each other's row locks anyway."""

    def __init__(self, mergers: list[Merger]) -> None:
        if not mergers:
            raise ValueError("merging needs at least one connection")
        self.idle: asyncio.Queue[Merger] = asyncio.Queue()
        for merger in mergers:
            self.idle.put_nowait(merger)
        self.running: dict[asyncio.Task[None], frozenset[Key]] = {}
        self.months: set[date] | None = None  # partitions known to exist

    async def start(
        self,
        months: Collection[date],
        keys: frozenset[Key],
        work: Callable[[Merger], Awaitable[None]],
    ) -> None:
        """Run `work` on the next free merger once the partitions of `months` exist and no
        batch in flight holds one of `keys`; returns as soon as it has started."""
        await self._ensure_partitions(set(months))
        while True:
            self._reap()
            waits = [task for task, held in self.running.items() if held & keys]
            if not waits and not self.idle.empty():
                break
            await asyncio.wait(waits or list(self.running), return_when=asyncio.FIRST_COMPLETED)
        merger = self.idle.get_nowait()

        async def run() -> None:
            try:
                await work(merger)
            finally:
                self.idle.put_nowait(merger)

        self.running[asyncio.create_task(run())] = keys

    async def _ensure_partitions(self, months: set[date]) -> None:
        """Partitions for a new month are created while no batch merges: creating one locks
        the parent and the default partition, which a merging batch holds locks on, and the
        two would deadlock. The pause also creates the months that follow (months_ahead()):
        an archive loaded oldest first reaches a new month every few batches, and pausing
        for each one left one of the two connections idle most of the time (measured on
        the sample corpus loaded in publication order)."""
        if self.months is not None and months <= self.months:
            return
        await self.finish()
        merger = self.idle.get_nowait()
        try:
            if self.months is None:
                self.months = await existing_months(merger.conn)
            wanted = months | months_ahead(max(months), datetime.now(UTC))
            for attempt in range(RACE_RETRIES + 1):
                try:
                    await ensure_months(merger.conn, wanted, self.months)
                    return
                except asyncpg.DeadlockDetectedError:
                    # Another writer (the API, another ingest) writing the same partitions.
                    if attempt == RACE_RETRIES:
                        raise
        finally:
            self.idle.put_nowait(merger)

    def _reap(self) -> None:
        """Forget finished batches; the first failure ends the run."""
        for task in [task for task in self.running if task.done()]:
            del self.running[task]
            task.result()

    async def finish(self) -> None:
        while self.running:
            await asyncio.wait(list(self.running), return_when=asyncio.FIRST_COMPLETED)
            self._reap()

    async def cancel(self) -> None:
        """After a failure: stop the other batches (their transactions roll back)."""
        for task in self.running:
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)
        self.running.clear()
