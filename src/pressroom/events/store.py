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

APPENDED_CHANNEL = "pressroom_events"
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
            "stream_id": self.stream_id,
            "version": self.version,
            "type": self.type,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": self.recorded_at,
        }


CLAIM_KEY = """
INSERT INTO pressroom.event_idempotency (key, fingerprint, stream_id)
VALUES ($1, $2, $3)
ON CONFLICT (key) DO NOTHING
RETURNING true
"""

STORED_RESULT = """
SELECT fingerprint, stream_id, first_version, last_version
  FROM pressroom.event_idempotency WHERE key = $1
"""

SETTLE_KEY = """
UPDATE pressroom.event_idempotency SET first_version = $2, last_version = $3 WHERE key = $1
"""

# A stale expectation updates nothing; a current one takes the stream's row lock, which makes
# a second appender of the same stream wait for this transaction and then see the new version.
ADVANCE_STREAM = """
UPDATE pressroom.event_streams
   SET version = version + $2, updated_at = now()
 WHERE stream_id = $1 AND ($3::integer IS NULL OR version = $3)
RETURNING version
"""

CREATE_STREAM = """
INSERT INTO pressroom.event_streams (stream_id, version) VALUES ($1, $2)
ON CONFLICT (stream_id) DO NOTHING
RETURNING version
"""

STREAM_VERSION = "SELECT version FROM pressroom.event_streams WHERE stream_id = $1"

INSERT_EVENTS = """
INSERT INTO pressroom.events (stream_id, stream_version, event_type, data, metadata)
SELECT $1, $2 + e.ordinal, e.event_type, e.data, $5
  FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS e(event_type, data, ordinal)
"""

# The notification wakes the sequencer when this transaction commits, not before.
PROJECT = f"""
SELECT pressroom.project_articles(ARRAY[$1::bigint]), pg_notify('{APPENDED_CHANNEL}', '')
"""

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
) -> AppendResult:
    """Append events to a stream and project it, atomically.

    expected_version: the stream's current version (0: the stream must not exist yet), or None
    to append whatever it is. A mismatch raises ConcurrencyError and appends nothing. With an
    idempotency key, a retry of the same request returns the first result instead of appending
    again; `request` is what identifies the request for that (by default, the events and the
    expectation)."""
    if not events:
        raise ValueError("nothing to append")
    if len(events) > MAX_EVENTS_PER_APPEND:
        raise ValueError(f"at most {MAX_EVENTS_PER_APPEND} events per append")
    checked = [NewEvent(*validated_data(e.type, e.data)) for e in events]
    request = request or fingerprint(checked, expected_version)
    meta = (metadata or EventMetadata()).as_json(idempotency_key)
    async with conn.transaction():
        # A concurrent first attempt holding the key makes this insert wait for its outcome.
        if idempotency_key is not None and not await conn.fetchval(
            CLAIM_KEY, idempotency_key, request, stream_id
        ):
            earlier = await idempotent_result(conn, idempotency_key, request)
            assert earlier is not None
            if earlier.stream_id != stream_id:
                raise IdempotencyKeyReusedError(
                    "this Idempotency-Key was already used for another article"
                )
            return earlier
        last = await _advance(conn, stream_id, len(checked), expected_version)
        first = last - len(checked) + 1
        await conn.execute(
            INSERT_EVENTS,
            stream_id,
            first - 1,
            [e.type for e in checked],
            [orjson.dumps(e.data).decode() for e in checked],
            orjson.dumps(meta).decode(),
        )
        try:
            await conn.execute(PROJECT, stream_id)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != "article_urls_pkey":
                raise
            raise ProjectionConflictError(
                "another article of this site already has this URL"
            ) from None
        if idempotency_key is not None:
            await conn.execute(SETTLE_KEY, idempotency_key, first, last)
    return AppendResult(stream_id, first, last)


async def _advance(
    conn: asyncpg.Connection, stream_id: int, count: int, expected: int | None
) -> int:
    """The stream's new version after `count` events, if it was at `expected`."""
    version = await conn.fetchval(ADVANCE_STREAM, stream_id, count, expected)
    if version is not None:
        return int(version)
    if expected in (None, 0):
        version = await conn.fetchval(CREATE_STREAM, stream_id, count)
        if version is not None:
            return int(version)
        if expected is None:  # created by a concurrent appender a moment ago
            return await _advance(conn, stream_id, count, None)
    actual = await conn.fetchval(STREAM_VERSION, stream_id)
    raise ConcurrencyError(stream_id, expected, int(actual or 0))


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
