"""Appending to and reading from event streams, with optimistic concurrency and idempotency.

An append validates the events, claims the idempotency key (if any), moves the stream's version
in event_streams only if it still is the version the caller expected, inserts the events
without a global position (the sequencer numbers them once committed: docs/events.md), and
projects the stream into the articles read model, all in one transaction: a read after a write
sees it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from pressroom.errors import PressroomError
from pressroom.events.types import validated_data

MAX_EVENTS_PER_APPEND = 100


class ConcurrencyError(PressroomError):
    """The stream is not at the version the caller expected."""

    def __init__(self, stream_id: int, expected: int | None, actual: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, not the expected {expected}"
            if actual
            else f"stream {stream_id} does not exist"
        )
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


class IdempotencyKeyReusedError(PressroomError):
    """An idempotency key came back with a different request."""


class ProjectionConflictError(PressroomError):
    """The events are valid, but the read model cannot take them (a URL another article has)."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventMetadata:
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self, idempotency_key: str | None) -> dict[str, Any]:
        known = {
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "idempotency_key": idempotency_key,
        }
        return {**self.extra, **{k: v for k, v in known.items() if v is not None}}


@dataclass(frozen=True, slots=True)
class AppendResult:
    stream_id: int
    first_version: int
    last_version: int
    replayed: bool = False  # True: an idempotent retry, answered with the first attempt's result


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    stream_id: int
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    position: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            # A string, as every id pressroom shows: JSON readers with doubles (JavaScript, jq)
            # would round a 64-bit integer.
            "stream_id": str(self.stream_id),
            "version": self.version,
            "type": self.type,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": self.recorded_at,
        }


STORED_RESULT = """
SELECT fingerprint, stream_id, first_version, last_version
  FROM pressroom.event_idempotency WHERE key = $1
"""

# One round trip: migration 0005 has the steps and their order.
APPEND = """
SELECT first_version, last_version, replayed
  FROM pressroom.append_events($1, $2, $3, $4::jsonb[], $5::jsonb, $6, $7, $8)
"""
STALE_VERSION = "PR409"
KEY_REUSED = "PR422"

STREAM_VERSION = "SELECT version FROM pressroom.event_streams WHERE stream_id = $1"

# The stream's first event is no older than the stream, so partitions before it are skipped
# while executing.
READ_STREAM = """
SELECT stream_id, stream_version, event_type, data::text, metadata::text, recorded_at, position
  FROM pressroom.events
 WHERE stream_id = $1 AND stream_version > $2
   AND recorded_at >= (SELECT created_at FROM pressroom.event_streams WHERE stream_id = $1)
 ORDER BY stream_version
 LIMIT $3
"""


def fingerprint(events: Sequence[NewEvent], expected_version: int | None) -> bytes:
    """What identifies a request for idempotency: its events and expectation."""
    payload = {"expected": expected_version, "events": [[e.type, e.data] for e in events]}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).digest()


async def idempotent_result(
    conn: asyncpg.Connection, key: str, request: bytes
) -> AppendResult | None:
    """The result of an earlier append under this key, None if there was none; a different
    request under the same key is refused."""
    row = await conn.fetchrow(STORED_RESULT, key)
    if row is None:
        return None
    if row["fingerprint"] != request:
        raise IdempotencyKeyReusedError(
            "this Idempotency-Key was already used for a different request"
        )
    return AppendResult(row["stream_id"], row["first_version"], row["last_version"], replayed=True)


def recorded_event(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        stream_id=row[0],
        version=row[1],
        type=row[2],
        data=orjson.loads(row[3]),
        metadata=orjson.loads(row[4]),
        recorded_at=row[5],
        position=row[6],
    )


async def append(
    conn: asyncpg.Connection,
    stream_id: int,
    events: Sequence[NewEvent],
    *,
    expected_version: int | None,
    metadata: EventMetadata | None = None,
    idempotency_key: str | None = None,
    request: bytes | None = None,
    project: bool = True,
) -> AppendResult:
    """Append events to a stream and project it, atomically.

    expected_version: the stream's current version (0: the stream must not exist yet), or None
    to append whatever it is. A mismatch raises ConcurrencyError and appends nothing. With an
    idempotency key, a retry of the same request returns the first result instead of appending
    again; `request` is what identifies the request for that (by default, the events and the
    expectation). `project=False` leaves the read model to a caller that projects many streams
    at once itself (bulk ingestion)."""
    if not events:
        raise ValueError("nothing to append")
    if len(events) > MAX_EVENTS_PER_APPEND:
        raise ValueError(f"at most {MAX_EVENTS_PER_APPEND} events per append")
    checked = [NewEvent(*validated_data(e.type, e.data)) for e in events]
    if idempotency_key is not None:
        request = request or fingerprint(checked, expected_version)
    meta = (metadata or EventMetadata()).as_json(idempotency_key)
    try:
        row = await conn.fetchrow(
            APPEND,
            stream_id,
            expected_version,
            [e.type for e in checked],
            [orjson.dumps(e.data).decode() for e in checked],
            orjson.dumps(meta).decode(),
            idempotency_key,
            request,
            project,
        )
    except asyncpg.PostgresError as exc:
        raise _append_error(exc, stream_id, expected_version) from None
    assert row is not None
    return AppendResult(stream_id, row[0], row[1], replayed=row[2])


def _append_error(exc: asyncpg.PostgresError, stream_id: int, expected: int | None) -> Exception:
    """What a refused append means to the caller; anything unexpected as it was."""
    if exc.sqlstate == STALE_VERSION:
        return ConcurrencyError(stream_id, expected, int(exc.detail or 0))
    if exc.sqlstate == KEY_REUSED:
        return IdempotencyKeyReusedError(str(exc))
    if isinstance(exc, asyncpg.UniqueViolationError) and exc.constraint_name == "article_urls_pkey":
        return ProjectionConflictError("another article of this site already has this URL")
    return exc


async def stream_version(conn: asyncpg.Connection, stream_id: int) -> int:
    """The stream's current version; 0 if it has no events."""
    return int(await conn.fetchval(STREAM_VERSION, stream_id) or 0)


async def read_stream(
    conn: asyncpg.Connection, stream_id: int, *, after_version: int = 0, limit: int = 100
) -> list[RecordedEvent]:
    """The stream's events after a version, oldest first."""
    return [
        recorded_event(row)
        for row in await conn.fetch(READ_STREAM, stream_id, after_version, limit)
    ]
