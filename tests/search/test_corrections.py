"""Spelling corrections are remembered per database, by word and by whether it is being typed."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.load import load_articles
from pressroom.sample import SampleArticle
from pressroom.search.corrections import CorrectionMemory, corrected_words
from pressroom.search.syntax import parse_query


async def test_answers_are_remembered_and_the_database_not_asked_again(
    database: DatabaseTargets, writer: asyncpg.Connection
) -> None:
    article = SampleArticle(
        url="https://news.example/harbour",
        site="news.example",
        title="Harbour lights report",
        summary="",
        body="",
        language="en",
        author=None,
        published_at=datetime(2026, 11, 1, tzinfo=UTC),
        tags=(),
        metadata={},
    )
    assert (await load_articles(writer, [article])).inserted == 1
    memory = CorrectionMemory()
    conn = await asyncpg.connect(database.reader)
    try:
        first = await corrected_words(
            conn, parse_query("harbuor report"), last_is_prefix=False, memory=memory
        )
    finally:
        await conn.close()
    assert first == {0: "harbour"}
    # Both words are remembered, the known one as kept: a closed connection is never asked.
    again = await corrected_words(
        conn, parse_query("report harbuor"), last_is_prefix=False, memory=memory
    )
    assert again == {1: "harbour"}
    # A word being typed is another question (is it the beginning of a known word?).
    with pytest.raises(asyncpg.InterfaceError):
        await corrected_words(
            conn, parse_query("report harbuor"), last_is_prefix=True, memory=memory
        )
