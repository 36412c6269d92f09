"""The ingest pipeline: records in, batches merged, rejects set aside, progress saved.

read → validate and normalise (records.py) → batch → merge (merge.py), one transaction per
batch. Batches are merged on as many connections as the caller gives (the work is all in the
database backends, so two connections use two cores); two batches that share a URL are never
in flight together, so the later record of a URL still wins and no two batches wait on each
other's rows. A batch's rejects are written to the dead-letter file, and flushed to disk, before
the batch commits; the range of input records it covered commits with it. A run killed at any
moment therefore resumes by skipping exactly the records of committed batches, rewrites the dead
letters of those that did not commit, and ends in the same state as one clean run; and since
merging is idempotent (repeats are recognised by their digest), even a run without a checkpoint
(standard input) changes nothing it already did. The checkpoint is deleted when the run
completes: a later run of the same file is a new run, whose repeats cost little.
"""

from __future__ import annotations

import bisect
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO, Any

import asyncpg
import orjson

from pressroom.content.partitions import month_of
from pressroom.ingest.concurrency import MergerPool, merge_in_transaction
from pressroom.ingest.merge import BatchCounts, Merger, staging_row
from pressroom.ingest.readers import RawRecord
from pressroom.ingest.records import IngestRow, Rejected, refused, to_row

DEFAULT_BATCH = 5_000
# Article text held in memory at once, whatever the file's size: the batches merging plus the
# one being read share it, so a batch also ends at its share (5,000 bodies of 4 MiB would
# otherwise be 20 GB).
BATCH_BYTES = 32 * 1024 * 1024
REJECTS_KEPT = 1_000  # reasons a summary carries for callers without a dead-letter file
COUNTED = ("read", "inserted", "revised", "unchanged", "rejected")

COMMITTED = """
SELECT first_record, last_record, counts FROM pressroom.ingest_batches
 WHERE source = $1 ORDER BY first_record
"""
SAVE_BATCH = """
INSERT INTO pressroom.ingest_batches (source, first_record, last_record, counts)
VALUES ($1, $2, $3, $4::jsonb)
"""
FORGET_BATCHES = "DELETE FROM pressroom.ingest_batches WHERE source = $1"


@dataclass
class IngestSummary:
    read: int = 0
    inserted: int = 0
    revised: int = 0
    unchanged: int = 0
    rejected: int = 0
    # An earlier run had committed the input's records up to this one (1-based, in input order;
    # not a line number: a minified feed holds many records on one line).
    resumed_after: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)  # the first few, for callers
    # The months whose partitions this run inserted into or revised (settle_after_load's).
    months_written: set[date] = field(default_factory=set)

    def add_rejects(self, rejects: list[Rejected]) -> None:
        """Count rejects, keeping the reasons of the first REJECTS_KEPT for callers."""
        self.rejected += len(rejects)
        room = max(0, REJECTS_KEPT - len(self.rejects))
        self.rejects += [{"line": r.line, "reason": r.reason} for r in rejects[:room]]

    def counts(self) -> dict[str, int]:
        return {
            k: getattr(self, k) for k in ("read", "inserted", "revised", "unchanged", "rejected")
        }

    @property
    def adds_up(self) -> bool:
        return self.read == self.inserted + self.revised + self.unchanged + self.rejected

    def as_json(self) -> dict[str, Any]:
        summary = asdict(self)
        del summary["months_written"]
        return summary


class DeadLetters:
    """The dead-letter file: one JSON line per reject, with its input line and the reason."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def open(self, committed: Committed) -> None:
        """Start the file, or, when resuming, keep only the rejects of committed batches: the
        others are written again as their batch is redone."""
        if committed and self.path.exists():
            # Rewritten beside the file and renamed over it, so a kill during the rewrite
            # leaves the old file whole; a line torn by the kill that ended the last run is
            # dropped (its batch did not commit).
            partial = self.path.with_name(self.path.name + ".partial")
            with self.path.open("rb") as existing, partial.open("wb") as kept:
                for line in existing:
                    if line.endswith(b"\n") and _entry_position(line) in committed:
                        kept.write(line)
                kept.flush()
                os.fsync(kept.fileno())
            partial.replace(self.path)
            self._file = self.path.open("ab")
        else:
            self._file = self.path.open("wb")

    def write(self, rejects: list[Rejected]) -> None:
        assert self._file is not None
        for reject in rejects:
            entry = {
                "line": reject.line,
                "position": reject.position,
                "reason": reject.reason,
                "record": reject.raw,
            }
            self._file.write(orjson.dumps(entry) + b"\n")
        # On disk before the batch commits: a committed batch's rejects are never lost.
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _entry_position(line: bytes) -> int:
    try:
        return int(orjson.loads(line)["position"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return 0  # unreadable: in no committed batch, so dropped


class Committed:
    """The input records that committed batches covered, as sorted, disjoint ranges."""

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[tuple[int, int]] = []
        for first, last in sorted(ranges):
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], last))
            else:
                merged.append((first, last))
        self._firsts = [first for first, _ in merged]
        self._ranges = merged

    def __contains__(self, position: object) -> bool:
        if not isinstance(position, int):
            return False
        at = bisect.bisect_right(self._firsts, position) - 1
        return at >= 0 and self._ranges[at][0] <= position <= self._ranges[at][1]

    def __bool__(self) -> bool:
        return bool(self._ranges)

    @property
    def prefix(self) -> int:
        """The last record of the unbroken run of committed records from the first one."""
        return self._ranges[0][1] if self._ranges and self._ranges[0][0] == 1 else 0


def file_source(path: Path) -> str:
    """A checkpoint key for a file: a changed file (size or time) is a different source, so a
    resume never skips lines of content it has not seen."""
    stat = path.stat()
    identity = f"{path.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}"
    return f"file:{path.name[:200]}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


@dataclass(frozen=True, slots=True)
class IngestOptions:
    batch_size: int = DEFAULT_BATCH
    dry_run: bool = False  # validate only: nothing is written
    source: str | None = None  # the checkpoint key; None: the run cannot be resumed
    actor: str = "ingest"


Progress = Callable[[IngestSummary], None]


@dataclass
class _Batch:
    rows: list[IngestRow] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    size: int = 0  # bytes of article text
    first: int = 0  # input positions covered, committed with the batch
    last: int = 0

    def add(self, outcome: IngestRow | Rejected) -> None:
        self.first = self.first or outcome.position
        self.last = outcome.position
        if isinstance(outcome, Rejected):
            self.rejects.append(outcome)
        else:
            self.rows.append(outcome)
            self.size += len(outcome.body) + len(outcome.summary) + len(outcome.title)

    def __len__(self) -> int:
        return len(self.rows) + len(self.rejects)


async def _aiter(records: Iterable[RawRecord]) -> AsyncIterator[RawRecord]:
    for record in records:
        yield record


async def ingest(
    connections: Sequence[asyncpg.Connection],
    records: Iterable[RawRecord] | AsyncIterator[RawRecord],
    options: IngestOptions,
    *,
    dead_letters: DeadLetters | None = None,
    on_progress: Progress | None = None,
) -> IngestSummary:
    """Ingest the records, merging batches on the given connections at once; the summary's
    counts always add up to the records read."""
    if not connections:
        raise ValueError("ingest needs at least one connection")
    summary = IngestSummary()
    committed = Committed()
    if options.source and not options.dry_run:
        saved = await connections[0].fetch(COMMITTED, options.source)
        committed = Committed((row["first_record"], row["last_record"]) for row in saved)
        for row in saved:
            for name, value in orjson.loads(row["counts"]).items():
                setattr(summary, name, getattr(summary, name) + value)
        summary.resumed_after = committed.prefix
    if dead_letters is not None:
        dead_letters.open(committed)
    mergers = MergerPool([Merger(conn, options.actor) for conn in connections])

    async def flush(batch: _Batch) -> None:
        if dead_letters is not None:
            dead_letters.write(batch.rejects)
        summary.add_rejects(batch.rejects)
        summary.read += len(batch)
        if options.dry_run:
            summary.unchanged += len(batch.rows)  # nothing written: "would be merged"
            if on_progress is not None:
                on_progress(summary)
            return

        async def merge(merger: Merger) -> None:
            counts, rejects = await _merge(merger, batch, options.source, dead_letters)
            if counts.inserted or counts.revised:
                summary.months_written |= {month_of(row.published_at) for row in batch.rows}
            summary.inserted += counts.inserted
            summary.revised += counts.revised
            summary.unchanged += counts.unchanged
            summary.add_rejects(rejects)
            if on_progress is not None:
                on_progress(summary)

        months = {month_of(row.published_at) for row in batch.rows}
        await mergers.start(months, frozenset((row.site, row.url) for row in batch.rows), merge)

    stream = records if isinstance(records, AsyncIterator) else _aiter(records)
    batch_bytes = BATCH_BYTES // (len(connections) + 1)
    batch = _Batch()
    position = 0
    try:
        async for record in stream:
            position += 1
            if position in committed:
                continue
            batch.add(replace(to_row(record), position=position))
            if len(batch) >= options.batch_size or batch.size >= batch_bytes:
                await flush(batch)
                batch = _Batch()
        if batch:
            await flush(batch)
        await mergers.finish()
    finally:
        await mergers.cancel()
        if dead_letters is not None:
            dead_letters.close()
    if options.source and not options.dry_run:
        await connections[0].execute(FORGET_BATCHES, options.source)
    return summary


async def _merge(
    merger: Merger, batch: _Batch, source: str | None, dead_letters: DeadLetters | None
) -> tuple[BatchCounts, list[Rejected]]:
    """The batch merged in one transaction with its checkpoint; records the database refused
    are left out, and returned, and written as dead letters before the batch commits."""
    staged = [staging_row(row, row.position) for row in batch.rows]
    by_position = {row.position: row for row in batch.rows}
    rejects: list[Rejected] = []

    async def remember(counts: BatchCounts) -> None:
        rejects[:] = [refused(by_position[position], reason) for position, reason in counts.refused]
        if dead_letters is not None and rejects:
            dead_letters.write(rejects)
        if source is not None:
            totals = {
                "read": len(batch),
                "rejected": len(batch.rejects) + len(rejects),
                "inserted": counts.inserted,
                "revised": counts.revised,
                "unchanged": counts.unchanged,
            }
            await merger.conn.execute(
                SAVE_BATCH, source, batch.first, batch.last, orjson.dumps(totals).decode()
            )

    counts = await merge_in_transaction(merger, staged, remember, isolate=True)
    return counts, rejects
