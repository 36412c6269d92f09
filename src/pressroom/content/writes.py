"""Changing articles. Every command becomes events on the article's stream (events/store.py),
and the read model follows in the same transaction; the HTTP API and the CLI call these.

Revisions carry only the fields that really change, computed against the stored article at
the version the change is based on; a change that changes nothing appends nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from pressroom.content.ids import make_article_id, url_discriminator
from pressroom.errors import PressroomError
from pressroom.events.store import (
    AppendResult,
    ConcurrencyError,
    EventMetadata,
    NewEvent,
    append,
    idempotent_result,
    stream_version,
)
from pressroom.events.types import EventType, tag_slug, validated_data

ID_ATTEMPTS = 8


class ArticleExistsError(PressroomError):
    def __init__(self, article_id: int, *, retracted: bool = False) -> None:
        state = "a retracted article" if retracted else "article"
        super().__init__(f"this site already has {state} {article_id} at this URL")
        self.article_id = article_id


class ArticleNotFoundError(PressroomError):
    pass


class ArticleRetractedError(PressroomError):
    """The article was retracted; it can be restored, not changed."""


class ArticleNotRetractedError(PressroomError):
    pass


@dataclass(frozen=True, slots=True)
class WriteResult:
    article_id: int
    version: int
    changed: bool = True  # False: the command changed nothing, and nothing was appended
    replayed: bool = False  # True: an idempotent retry, answered with the first result

    @classmethod
    def appended(cls, result: AppendResult) -> WriteResult:
        return cls(result.stream_id, result.last_version, True, result.replayed)


FIND_BY_URL = """
SELECT u.article_id
  FROM pressroom.article_urls u
  JOIN pressroom.sites s ON s.id = u.site_id
 WHERE s.domain = $1 AND u.canonical_url = $2
"""

STATE = """
SELECT domain, canonical_url, retracted FROM pressroom.article_states(ARRAY[$1::bigint])
"""

CURRENT = """
SELECT a.version, a.canonical_url AS url, a.title, a.summary, a.body, a.language::text AS language,
       a.author, a.metadata::text AS metadata,
       ARRAY(SELECT t.slug FROM pressroom.article_tags at JOIN pressroom.tags t ON t.id = at.tag_id
              WHERE at.article_id = $1 AND at.published_at = pressroom.article_id_time($1)) AS tags
  FROM pressroom.articles a
 WHERE a.id = $1 AND a.published_at = pressroom.article_id_time($1)
"""


async def replayed_result(
    conn: asyncpg.Connection, idempotency_key: str | None, request: bytes
) -> WriteResult | None:
    """The first attempt's result when this request is a retry under the same key."""
    if idempotency_key is None:
        return None
    earlier = await idempotent_result(conn, idempotency_key, request)
    return WriteResult.appended(earlier) if earlier is not None else None


def request_fingerprint(command: str, article_id: int | None, payload: object) -> bytes:
    body = orjson.dumps([command, article_id, payload], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).digest()


async def publish_article(
    conn: asyncpg.Connection,
    data: dict[str, Any],
    *,
    metadata: EventMetadata | None = None,
    idempotency_key: str | None = None,
) -> WriteResult:
    """A new article; its id comes from its publication time and URL."""
    _, published = validated_data(EventType.PUBLISHED, data)
    request = request_fingerprint("publish", None, published)
    if earlier := await replayed_result(conn, idempotency_key, request):
        return earlier
    site, url = published["site"], published["url"]
    existing = await conn.fetchval(FIND_BY_URL, site, url)
    if existing is not None:
        raise ArticleExistsError(existing)
    published_at = datetime.fromisoformat(published["published_at"])
    events = [NewEvent(EventType.PUBLISHED, published)]
    for attempt in range(ID_ATTEMPTS):
        article_id = make_article_id(published_at, url_discriminator(site, url, attempt))
        try:
            result = await append(
                conn,
                article_id,
                events,
                expected_version=0,
                metadata=metadata,
                idempotency_key=idempotency_key,
                request=request,
            )
        except ConcurrencyError:
            # The id is taken: by this very URL, retracted, or by another article that drew
            # the same millisecond and discriminator, in which case the next attempt differs.
            state = await conn.fetchrow(STATE, article_id)
            if state is not None and (state["domain"], state["canonical_url"]) == (site, url):
                raise ArticleExistsError(article_id, retracted=state["retracted"]) from None
            continue
        return WriteResult.appended(result)
    raise PressroomError("no free article id for this publication time; try again")


async def _current(conn: asyncpg.Connection, article_id: int) -> asyncpg.Record:
    """The stored article, or why there is none."""
    row = await conn.fetchrow(CURRENT, article_id)
    if row is not None:
        return row
    if await stream_version(conn, article_id):
        raise ArticleRetractedError(f"article {article_id} was retracted; restore it first")
    raise ArticleNotFoundError(f"no article with id {article_id}")


def _changes(current: asyncpg.Record, revised: dict[str, Any]) -> dict[str, Any]:
    stored = dict(current) | {"metadata": orjson.loads(current["metadata"])}
    return {name: value for name, value in revised.items() if stored[name] != value}


def _tag_events(current: list[str], wanted: list[str]) -> list[NewEvent]:
    have = set(current)
    by_slug = {tag_slug(tag): tag for tag in wanted}
    added = [tag for slug, tag in by_slug.items() if slug not in have]
    removed = [slug for slug in current if slug not in by_slug]
    events = []
    if added:
        events.append(NewEvent(EventType.TAGGED, {"tags": added}))
    if removed:
        events.append(NewEvent(EventType.UNTAGGED, {"tags": removed}))
    return events


async def revise_article(
    conn: asyncpg.Connection,
    article_id: int,
    fields: dict[str, Any],
    *,
    tags: list[str] | None = None,
    expected_version: int | None = None,
    metadata: EventMetadata | None = None,
    idempotency_key: str | None = None,
    request: bytes | None = None,
) -> WriteResult:
    """Change fields and/or replace the tag set. With expected_version, a stale version is a
    ConcurrencyError; without, the change applies to whatever the article is now. `request`
    identifies the request for idempotency when the caller knows it better (the HTTP route
    uses its If-Match header rather than the version it resolves to)."""
    revised = validated_data(EventType.REVISED, fields)[1] if fields else {}
    wanted = validated_data(EventType.TAGGED, {"tags": tags})[1]["tags"] if tags else []
    request = request or request_fingerprint(
        "revise", article_id, [revised, tags, expected_version]
    )
    if earlier := await replayed_result(conn, idempotency_key, request):
        return earlier
    # Without an expectation the caller wants the change made on top of whatever wins a race:
    # a conflict means computing it again against the newer version, a few times at most.
    attempts = 3 if expected_version is None else 1
    for attempt in range(attempts):
        try:
            return await _revise(
                conn, article_id, revised, tags, wanted, expected_version, metadata,
                idempotency_key, request,
            )  # fmt: skip
        except ConcurrencyError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


async def _revise(
    conn: asyncpg.Connection,
    article_id: int,
    revised: dict[str, Any],
    tags: list[str] | None,
    wanted: list[str],
    expected_version: int | None,
    metadata: EventMetadata | None,
    idempotency_key: str | None,
    request: bytes,
) -> WriteResult:
    current = await _current(conn, article_id)
    if expected_version is not None and expected_version != current["version"]:
        raise ConcurrencyError(article_id, expected_version, current["version"])
    events = []
    if changed := _changes(current, revised):
        events.append(NewEvent(EventType.REVISED, changed))
    if tags is not None:
        events += _tag_events(list(current["tags"]), wanted)
    if not events:
        return WriteResult(article_id, current["version"], changed=False)
    # Based on the version just read: a write in between makes this a conflict rather than a
    # revision computed against fields that are no longer there.
    result = await append(
        conn,
        article_id,
        events,
        expected_version=current["version"],
        metadata=metadata,
        idempotency_key=idempotency_key,
        request=request,
    )
    return WriteResult.appended(result)


async def retract_article(
    conn: asyncpg.Connection,
    article_id: int,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    metadata: EventMetadata | None = None,
    idempotency_key: str | None = None,
    request: bytes | None = None,
) -> WriteResult:
    """Take the article out of every read; its events stay, and it can be restored."""
    request = request or request_fingerprint("retract", article_id, [reason, expected_version])
    if earlier := await replayed_result(conn, idempotency_key, request):
        return earlier
    current = await _current(conn, article_id)
    version = current["version"] if expected_version is None else expected_version
    retracted = NewEvent(EventType.RETRACTED, {"reason": reason})
    return await _append_one(
        conn, article_id, retracted, version, metadata, idempotency_key, request
    )


async def restore_article(
    conn: asyncpg.Connection,
    article_id: int,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    metadata: EventMetadata | None = None,
    idempotency_key: str | None = None,
) -> WriteResult:
    request = request_fingerprint("restore", article_id, [reason, expected_version])
    if earlier := await replayed_result(conn, idempotency_key, request):
        return earlier
    version = await stream_version(conn, article_id)
    if not version:
        raise ArticleNotFoundError(f"no article with id {article_id}")
    if await conn.fetchrow(CURRENT, article_id) is not None:
        raise ArticleNotRetractedError(f"article {article_id} is not retracted")
    version = version if expected_version is None else expected_version
    restored = NewEvent(EventType.RESTORED, {"reason": reason})
    return await _append_one(
        conn, article_id, restored, version, metadata, idempotency_key, request
    )


async def _append_one(
    conn: asyncpg.Connection,
    article_id: int,
    event: NewEvent,
    expected_version: int,
    metadata: EventMetadata | None,
    idempotency_key: str | None,
    request: bytes,
) -> WriteResult:
    result = await append(
        conn,
        article_id,
        [event],
        expected_version=expected_version,
        metadata=metadata,
        idempotency_key=idempotency_key,
        request=request,
    )
    return WriteResult.appended(result)
