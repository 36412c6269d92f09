"""Appending: optimistic concurrency, idempotency, validation, the inline projection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from pressroom.content.writes import (
    ArticleExistsError,
    ArticleRetractedError,
    publish_article,
    restore_article,
    retract_article,
    revise_article,
)
from pressroom.db.targets import DatabaseTargets
from pressroom.events.store import (
    ConcurrencyError,
    IdempotencyKeyReusedError,
    NewEvent,
    append,
    read_stream,
    stream_version,
)
from pressroom.events.types import EventType, InvalidEventError
from tests.events.helpers import draft, tagged


@pytest.fixture
async def other(database: DatabaseTargets) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database.writer)
    try:
        yield conn
    finally:
        await conn.close()


async def _article(conn: asyncpg.Connection, article_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT title, version, ARRAY(SELECT t.slug FROM pressroom.article_tags at"
        " JOIN pressroom.tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY 1) AS tags"
        " FROM pressroom.articles a WHERE id = $1",
        article_id,
    )


async def test_publish_projects_the_article_in_the_same_transaction(
    writer: asyncpg.Connection,
) -> None:
    result = await publish_article(writer, draft(1, tags=["World Cup", "world  cup", "Sport"]))
    assert (result.version, result.changed, result.replayed) == (1, True, False)
    row = await _article(writer, result.article_id)
    assert row is not None
    assert (row["title"], row["version"], row["tags"]) == (
        "Story number 1",
        1,
        ["sport", "world-cup"],
    )
    [event] = await read_stream(writer, result.article_id)
    assert event.type == "article.published"
    assert event.data["url"] == "https://news.example.org/story/1"
    assert event.position is None  # numbered by the sequencer once committed


async def test_the_same_url_cannot_be_published_twice(writer: asyncpg.Connection) -> None:
    first = await publish_article(writer, draft(2))
    with pytest.raises(ArticleExistsError) as exists:
        await publish_article(
            writer, draft(2, url="https://NEWS.example.org/story/2/?utm_source=x")
        )
    assert exists.value.article_id == first.article_id


async def test_a_stale_expected_version_appends_nothing(writer: asyncpg.Connection) -> None:
    article = (await publish_article(writer, draft(3))).article_id
    await append(writer, article, [tagged("a")], expected_version=1)
    with pytest.raises(ConcurrencyError) as stale:
        await append(writer, article, [tagged("b")], expected_version=1)
    assert (stale.value.expected, stale.value.actual) == (1, 2)
    assert await stream_version(writer, article) == 2
    with pytest.raises(ConcurrencyError):
        await append(writer, 12345, [tagged("c")], expected_version=3)  # no such stream


async def test_batch_append_is_all_or_nothing(writer: asyncpg.Connection) -> None:
    article = (await publish_article(writer, draft(4))).article_id
    result = await append(
        writer,
        article,
        [tagged("x"), tagged("y"), NewEvent("article.untagged", {"tags": ["x"]})],
        expected_version=1,
    )
    assert (result.first_version, result.last_version) == (2, 4)
    row = await _article(writer, article)
    assert row is not None
    assert row["tags"] == ["world", "y"]
    assert row["version"] == 4
    with pytest.raises(InvalidEventError):
        await append(
            writer,
            article,
            [tagged("z"), NewEvent("article.tagged", {"tags": []})],
            expected_version=4,
        )
    assert await stream_version(writer, article) == 4


@pytest.mark.parametrize(
    ("event_type", "data", "message"),
    [
        ("article.deleted", {}, "unknown event type"),
        ("article.revised", {}, "at least one field"),
        ("article.revised", {"title": None}, "title cannot be null"),
        ("article.revised", {"colour": "red"}, "colour"),
        ("article.tagged", {"tags": ["x" * 201]}, "1 to 200 characters"),
        ("article.published", {**draft(0), "published_at": "2026"}, "ISO 8601"),
        ("article.published", {**draft(0), "site": "not a host"}, "host name"),
        ("article.published", {**draft(0), "body": "\x00"}, "NUL"),
    ],
)
async def test_malformed_events_are_refused_with_the_reason(
    writer: asyncpg.Connection, event_type: str, data: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidEventError, match=message):
        await append(writer, 1, [NewEvent(event_type, data)], expected_version=None)


async def test_a_retried_request_appends_once(writer: asyncpg.Connection) -> None:
    article = (await publish_article(writer, draft(5))).article_id
    first = await append(
        writer, article, [tagged("once")], expected_version=1, idempotency_key="k-5"
    )
    again = await append(
        writer, article, [tagged("once")], expected_version=1, idempotency_key="k-5"
    )
    assert again.replayed
    assert (
        (again.first_version, again.last_version)
        == (2, 2)
        == (
            first.first_version,
            first.last_version,
        )
    )
    assert await stream_version(writer, article) == 2
    with pytest.raises(IdempotencyKeyReusedError):
        await append(writer, article, [tagged("other")], expected_version=2, idempotency_key="k-5")


async def test_concurrent_retries_wait_for_the_first_attempt(
    writer: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    article = (await publish_article(writer, draft(6))).article_id
    transaction = writer.transaction()
    await transaction.start()
    try:
        await append(writer, article, [tagged("t")], expected_version=1, idempotency_key="k-6")
        retry = asyncio.create_task(
            append(other, article, [tagged("t")], expected_version=1, idempotency_key="k-6")
        )
        await asyncio.sleep(0.3)
        assert not retry.done()  # waiting on the first attempt's key
    finally:
        await transaction.commit()
    result = await retry
    assert result.replayed
    assert result.last_version == 2
    assert await stream_version(writer, article) == 2


async def test_a_rolled_back_append_leaves_no_trace(writer: asyncpg.Connection) -> None:
    article = (await publish_article(writer, draft(7))).article_id
    transaction = writer.transaction()
    await transaction.start()
    await append(writer, article, [tagged("ghost")], expected_version=1, idempotency_key="k-7")
    await transaction.rollback()
    assert await stream_version(writer, article) == 1
    assert [e.version for e in await read_stream(writer, article)] == [1]
    # The key was released with the transaction: the retry appends for real.
    assert not (
        await append(writer, article, [tagged("ghost")], expected_version=1, idempotency_key="k-7")
    ).replayed


async def test_revisions_carry_only_what_changed(writer: asyncpg.Connection) -> None:
    article = (await publish_article(writer, draft(8))).article_id
    result = await revise_article(
        writer, article, {"title": "New title", "summary": "A summary."}, tags=["world", "Peace"]
    )
    assert result.version == 3
    events = await read_stream(writer, article)
    assert [(e.type, e.data) for e in events[1:]] == [
        ("article.revised", {"title": "New title"}),
        ("article.tagged", {"tags": ["Peace"]}),
    ]
    unchanged = await revise_article(writer, article, {"title": "New title"})
    assert (unchanged.changed, unchanged.version) == (False, 3)
    with pytest.raises(ConcurrencyError):
        await revise_article(writer, article, {"title": "Late"}, expected_version=2)


async def test_retract_and_restore(writer: asyncpg.Connection) -> None:
    article = (await publish_article(writer, draft(9))).article_id
    await retract_article(writer, article, reason="duplicate")
    assert await _article(writer, article) is None
    assert (
        await writer.fetchval(
            "SELECT count(*) FROM pressroom.article_urls WHERE article_id = $1", article
        )
        == 0
    )
    with pytest.raises(ArticleRetractedError):
        await revise_article(writer, article, {"title": "x"})
    with pytest.raises(ArticleExistsError, match="retracted"):
        await publish_article(writer, draft(9))
    await restore_article(writer, article)
    row = await _article(writer, article)
    assert row is not None
    assert row["version"] == 3
    assert row["tags"] == ["world"]
    assert [e.type for e in await read_stream(writer, article)] == [
        EventType.PUBLISHED,
        EventType.RETRACTED,
        EventType.RESTORED,
    ]


async def test_of_two_concurrent_writers_expecting_the_same_version_one_wins(
    writer: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    article = (await publish_article(writer, draft(10))).article_id
    outcomes = await asyncio.gather(
        append(writer, article, [tagged("left")], expected_version=1),
        append(other, article, [tagged("right")], expected_version=1),
        return_exceptions=True,
    )
    conflicts = [o for o in outcomes if isinstance(o, ConcurrencyError)]
    assert len(conflicts) == 1
    assert conflicts[0].actual == 2
    assert [e.version for e in await read_stream(writer, article)] == [1, 2]
