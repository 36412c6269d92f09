"""Replay rebuilds the read model from the log, identical to the live one row for row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from pressroom.config import Settings
from pressroom.content.writes import (
    publish_article,
    restore_article,
    retract_article,
    revise_article,
)
from pressroom.db import migrate
from pressroom.db.targets import DatabaseTargets
from pressroom.events.replay import replay
from pressroom.events.store import NewEvent, append
from pressroom.events.types import EventType
from tests.conftest import CORPUS_ARTICLES
from tests.events.helpers import draft, tagged
from tests.support import clone_database, drop_database

# What a reader can see of every article, in one comparable list.
READ_MODEL = """
SELECT a.id, s.domain, a.canonical_url, a.title, a.summary, a.body, a.language, a.author,
       a.metadata, a.version, a.updated_at, a.ingested_at, a.tag_vector,
       (SELECT row(d.*)::text FROM pressroom.search_documents d WHERE d.article_id = a.id)
           AS search_document,
       ARRAY(SELECT t.slug FROM pressroom.article_tags at JOIN pressroom.tags t ON t.id = at.tag_id
              WHERE at.article_id = a.id ORDER BY 1) AS tags,
       (SELECT u.canonical_url FROM pressroom.article_urls u WHERE u.article_id = a.id) AS claim
  FROM pressroom.articles a JOIN pressroom.sites s ON s.id = a.site_id
 ORDER BY a.id
"""


@pytest.fixture
async def conn(corpus: DatabaseTargets) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(corpus.writer)
    try:
        yield connection
    finally:
        await connection.close()


async def test_the_loaded_corpus_replays_identically(conn: asyncpg.Connection) -> None:
    report = await replay(conn, apply=False)
    assert report.identical, (report.differing[:5], report.without_events[:5])
    assert report.articles == CORPUS_ARTICLES


async def test_writes_of_every_kind_replay_identically(conn: asyncpg.Connection) -> None:
    ids = [(await publish_article(conn, draft(n, tags=["a", "b"]))).article_id for n in range(5)]
    await revise_article(conn, ids[0], {"title": "Changed", "metadata": {"k": [1, 2]}}, tags=["c"])
    await revise_article(conn, ids[0], {"author": "Someone", "body": "Another body"})
    await revise_article(conn, ids[0], {"author": None})
    await retract_article(conn, ids[1])
    await retract_article(conn, ids[2])
    await restore_article(conn, ids[2])
    await revise_article(conn, ids[3], {"url": "https://news.example.org/moved/3"})
    # Raw batches: deltas in one append, and changes to a retracted article seen on restore.
    await append(
        conn,
        ids[4],
        [
            NewEvent(EventType.TAGGED, {"tags": ["d", "e"]}),
            NewEvent(EventType.REVISED, {"language": "fa", "title": "عنوان"}),
            NewEvent(EventType.UNTAGGED, {"tags": ["a", "d", "never-had"]}),
            NewEvent(EventType.REVISED, {"summary": "", "metadata": {}}),
        ],
        expected_version=1,
    )
    await retract_article(conn, ids[3])
    await append(
        conn,
        ids[3],
        [NewEvent(EventType.REVISED, {"title": "Edited while away"}), tagged("z")],
        expected_version=3,
    )
    await restore_article(conn, ids[3])
    before = await conn.fetch(READ_MODEL)
    report = await replay(conn, apply=True)
    assert report.identical
    assert report.changed == 0
    assert await conn.fetch(READ_MODEL) == before


async def test_replay_repairs_a_damaged_read_model(
    conn: asyncpg.Connection, corpus: DatabaseTargets
) -> None:
    before = await conn.fetch(READ_MODEL)
    victims = [row["id"] for row in before[:3]]
    owner = await asyncpg.connect(corpus.owner)
    try:
        await owner.execute(
            "UPDATE pressroom.articles SET title = 'vandalised' WHERE id = $1", victims[0]
        )
        await owner.execute("DELETE FROM pressroom.article_tags WHERE article_id = $1", victims[1])
        for table, column in (
            ("article_tags", "article_id"),
            ("article_urls", "article_id"),
            ("articles", "id"),
        ):
            sql = f"DELETE FROM pressroom.{table} WHERE {column} = $1"
            await owner.execute(sql, victims[2])
    finally:
        await owner.close()
    stranger = (await publish_article(conn, draft(77))).article_id
    await conn.execute("DELETE FROM pressroom.events WHERE stream_id = $1", stranger)

    check = await replay(conn, apply=False)
    assert sorted(check.differing) == sorted(victims[:3])
    assert check.without_events == [stranger]
    await replay(conn, apply=True)
    assert (await replay(conn, apply=False)).identical
    assert await conn.fetch(READ_MODEL) == before


def test_the_migration_gives_existing_articles_their_events(
    stack: Settings, corpus_template: str
) -> None:
    targets = clone_database(stack, corpus_template, "t_replay_backfill")
    try:
        migrate.downgrade(targets.owner, 10, "0004_article_search")
        migrate.upgrade(targets.owner, 10)

        async def check() -> None:
            conn = await asyncpg.connect(targets.writer)
            try:
                report = await replay(conn, apply=False)
                assert report.identical
                assert report.events == CORPUS_ARTICLES
                positions = await conn.fetch("SELECT position FROM pressroom.events ORDER BY 1")
                assert [r[0] for r in positions] == list(range(1, CORPUS_ARTICLES + 1))
            finally:
                await conn.close()

        asyncio.run(check())
    finally:
        drop_database(stack, "t_replay_backfill")
