"""The ingest pipeline: records in, batches merged, rejects set aside, progress saved.

read → validate and normalise (records.py) → batch → merge (merge.py), one transaction per
batch. The batch's rejects are written to the dead-letter file, and flushed to disk, before the
batch commits; the checkpoint (the last line the batch covered, and the counts so far) commits
with it. A run killed at any moment therefore resumes after its last committed batch, rewrites
the dead letters of the batch that did not commit, and ends in the same state as one clean run;
and since merging is idempotent (repeats are recognised by their digest), even a run without a
checkpoint (standard input) changes nothing it already did. The checkpoint is deleted when the
run completes: a later run of the same file is a new run, whose repeats cost little.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import asyncpg
import orjson

from pressroom.ingest.merge import BatchCounts, Merger, staging_row
from pressroom.ingest.readers import RawRecord
from pressroom.ingest.records import IngestRow, Rejected, to_row

DEFAULT_BATCH = 5_000
# A batch also ends at this many bytes of article text, so memory stays bounded when bodies
# are large (5,000 bodies of 4 MiB would otherwise be 20 GB).
BATCH_BYTES = 32 * 1024 * 1024
REJECTS_KEPT = 1_000
RACE_RETRIES = 3  # reasons a summary carries for callers without a dead-letter file

CHECKPOINT = "SELECT last_record, counts FROM pressroom.ingest_checkpoints WHERE source = $1"
SAVE_CHECKPOINT = """
INSERT INTO pressroom.ingest_checkpoints (source, last_record, counts) VALUES ($1, $2, $3::jsonb)
ON CONFLICT (source) DO UPDATE
   SET last_record = EXCLUDED.last_record, counts = EXCLUDED.counts, updated_at = now()
"""
FORGET_CHECKPOINT = "DELETE FROM pressroom.ingest_checkpoints WHERE source = $1"


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

    def counts(self) -> dict[str, int]:
        return {
            k: getattr(self, k) for k in ("read", "inserted", "revised", "unchanged", "rejected")
        }

    @property
    def adds_up(self) -> bool:
        return self.read == self.inserted + self.revised + self.unchanged + self.rejected

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class DeadLetters:
    """The dead-letter file: one JSON line per reject, with its input line and the reason."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def open(self, resume_after: int) -> None:
        """Start the file, or, when resuming, keep only the rejects of committed batches: those
        after the checkpoint are written again as their batch is redone."""
        if resume_after and self.path.exists():
            # Rewritten beside the file and renamed over it, so a kill during the rewrite
            # leaves the old file whole; a line torn by the kill that ended the last run is
            # dropped (its batch did not commit).
            partial = self.path.with_name(self.path.name + ".partial")
            with self.path.open("rb") as existing, partial.open("wb") as kept:
                for line in existing:
                    if line.endswith(b"\n") and _entry_position(line) <= resume_after:
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
        return 2**62  # unreadable: treated as after the checkpoint, so dropped


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


async def _aiter(records: Iterable[RawRecord]) -> AsyncIterator[RawRecord]:
    for record in records:
        yield record


async def ingest(
    conn: asyncpg.Connection,
    records: Iterable[RawRecord] | AsyncIterator[RawRecord],
    options: IngestOptions,
    *,
    dead_letters: DeadLetters | None = None,
    on_progress: Progress | None = None,
) -> IngestSummary:
    """Ingest the records; the summary's counts always add up to the records read."""
    summary = IngestSummary()
    if options.source and not options.dry_run:
        saved = await conn.fetchrow(CHECKPOINT, options.source)
        if saved is not None:
            for name, value in orjson.loads(saved["counts"]).items():
                setattr(summary, name, value)
            summary.resumed_after = saved["last_record"]
    if dead_letters is not None:
        dead_letters.open(summary.resumed_after)
    merger = Merger(conn, options.actor)
    rows: list[IngestRow] = []
    rejects: list[Rejected] = []
    size = 0
    position = last_position = summary.resumed_after

    async def flush() -> None:
        nonlocal rows, rejects, size
        if dead_letters is not None:
            dead_letters.write(rejects)
        summary.rejected += len(rejects)
        summary.rejects += [
            {"line": r.line, "reason": r.reason}
            for r in rejects[: REJECTS_KEPT - len(summary.rejects)]
        ]
        summary.read += len(rows) + len(rejects)
        if options.dry_run:
            summary.unchanged += len(rows)  # nothing written: "would be merged"
        else:
            await _merge(conn, merger, rows, summary, options.source, last_position)
        rows, rejects, size = [], [], 0
        if on_progress is not None:
            on_progress(summary)

    stream = records if isinstance(records, AsyncIterator) else _aiter(records)
    try:
        skipped = 0
        async for record in stream:
            if skipped < summary.resumed_after:
                skipped += 1
                continue
            position += 1
            outcome = replace(to_row(record), position=position)
            if isinstance(outcome, Rejected):
                rejects.append(outcome)
            else:
                rows.append(outcome)
                size += len(outcome.body) + len(outcome.summary) + len(outcome.title)
            last_position = position
            if len(rows) + len(rejects) >= options.batch_size or size >= BATCH_BYTES:
                await flush()
        if rows or rejects:
            await flush()
    finally:
        if dead_letters is not None:
            dead_letters.close()
    if options.source and not options.dry_run:
        await conn.execute(FORGET_CHECKPOINT, options.source)
    return summary


async def _merge(
    conn: asyncpg.Connection,
    merger: Merger,
    rows: list[IngestRow],
    summary: IngestSummary,
    source: str | None,
    last_position: int,
) -> None:
    staged = [staging_row(row, row.position) for row in rows]
    if staged:
        await merger.ensure_partitions(staged)
    for attempt in range(RACE_RETRIES + 1):
        try:
            async with conn.transaction():
                counts = await merger.merge(staged) if staged else BatchCounts()
                totals = summary.counts() | {
                    "inserted": summary.inserted + counts.inserted,
                    "revised": summary.revised + counts.revised,
                    "unchanged": summary.unchanged + counts.unchanged,
                }
                if source is not None:
                    await conn.execute(
                        SAVE_CHECKPOINT, source, last_position, orjson.dumps(totals).decode()
                    )
        except asyncpg.UniqueViolationError:
            # Another writer added one of these URLs (or its id) between our check and our
            # insert. Merging is idempotent: the batch again, in a new transaction, sees it.
            if attempt == RACE_RETRIES:
                raise
            continue
        summary.inserted, summary.revised = totals["inserted"], totals["revised"]
        summary.unchanged = totals["unchanged"]
        return
