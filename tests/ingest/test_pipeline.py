"""Ingestion end to end on a real database: every format, every kind of reject with its line,
counts that add up, repeats that change nothing, changes that become one revision."""

from __future__ import annotations

import gzip
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from pressroom.content.writes import retract_article, revise_article
from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.pipeline import (
    Committed,
    DeadLetters,
    IngestOptions,
    IngestSummary,
    ingest,
)
from pressroom.ingest.readers import Format, detect_format, open_input, read_records

DATA = Path(__file__).parent / "data"


@pytest.fixture
def conn(writer: asyncpg.Connection) -> asyncpg.Connection:
    return writer


async def _ingest(
    conn: asyncpg.Connection,
    data: bytes,
    name: str | None = None,
    dead: Path | None = None,
    **options: Any,
) -> IngestSummary:
    stream = open_input(io.BytesIO(data))
    kind = detect_format(stream, name)
    summary = await ingest(
        [conn],
        read_records(stream, kind),
        IngestOptions(**options),
        dead_letters=DeadLetters(dead) if dead else None,
    )
    assert summary.adds_up, summary
    return summary


@asynccontextmanager
async def _connections(url: str, count: int) -> AsyncIterator[list[asyncpg.Connection]]:
    connections = [await asyncpg.connect(url) for _ in range(count)]
    try:
        yield connections
    finally:
        for connection in connections:
            await connection.close()


async def _article(conn: asyncpg.Connection, url: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT a.*, s.domain, ARRAY(SELECT t.slug FROM pressroom.article_tags at JOIN pressroom.tags t"
        " ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY 1) AS tag_slugs"
        " FROM pressroom.articles a JOIN pressroom.sites s ON s.id = a.site_id"
        " WHERE a.canonical_url = $1",
        url,
    )
    assert row is not None, url
    return dict(row)


def _jsonl(*records: object) -> bytes:
    return b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records)


def _story(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "url": f"https://wire.example/story/{n}",
        "title": f"Wire story {n}",
        "body": f"Body of story {n}.",
        "published_at": f"2026-09-{n % 28 + 1:02d}T08:00:00Z",
        "tags": ["wire"],
        **fields,
    }


async def test_rss_items_become_articles(conn: asyncpg.Connection) -> None:
    summary = await _ingest(conn, (DATA / "feed.rss").read_bytes(), "feed.rss")
    assert (summary.read, summary.inserted, summary.rejected) == (3, 2, 1)
    assert summary.rejects == [{"line": 17, "reason": "missing published_at"}]
    article = await _article(conn, "https://payam.example/economy/1")
    assert article["title"] == "بودجه سال آینده به مجلس رسید"
    assert article["language"] == "fa"  # from the channel
    assert article["author"] == "مریم احمدی"
    assert article["tag_slugs"] == ["اقتصاد", "مجلس"]
    assert article["body"] == "<p>متن کامل خبر بودجه</p>"
    assert article["published_at"].isoformat() == "2026-11-20T05:00:00+00:00"
    assert (await _article(conn, "https://payam.example/sport/3"))["domain"] == "payam.example"


async def test_atom_entries_become_articles(conn: asyncpg.Connection) -> None:
    summary = await _ingest(conn, (DATA / "feed.atom").read_bytes(), "feed.atom")
    assert (summary.read, summary.inserted, summary.rejected) == (2, 2, 0)
    article = await _article(conn, "https://herald.example/world/geneva")
    assert (article["author"], article["summary"], article["tag_slugs"]) == (
        "Jane Doe",
        "Talks open on Monday.",
        ["climate", "world"],
    )
    assert article["language"] == "en"  # guessed from the script
    assert article["published_at"].isoformat() == "2026-11-19T07:00:00+00:00"
    assert (await _article(conn, "https://herald.example/world/2"))["published_at"].day == 18


async def test_csv_rows_become_articles_and_broken_rows_are_named(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    dead = tmp_path / "csv.rejects.jsonl"
    summary = await _ingest(conn, (DATA / "articles.csv").read_bytes(), None, dead)
    assert (summary.read, summary.inserted, summary.rejected) == (4, 2, 2)
    assert [r["line"] for r in summary.rejects] == [5, 6]
    assert "2 fields where the header has 9" in summary.rejects[0]["reason"]
    assert summary.rejects[1]["reason"] == "metadata: not JSON"
    first = await _article(conn, "https://csv.example/a/1")
    assert first["body"] == "A body\nover two lines"
    assert orjson.loads(first["metadata"]) == {"section": "world"}
    assert first["tag_slugs"] == ["news", "world"]
    second = await _article(conn, "https://csv.example/a/2")
    assert (second["language"], second["tag_slugs"]) == ("fa", ["اقتصاد", "سیاست"])
    lines = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    assert [entry["line"] for entry in lines] == [5, 6]


async def test_every_kind_of_bad_record_is_set_aside_with_its_line(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    data = _jsonl(
        _story(1),
        b"{not json",
        {"url": "https://wire.example/x", "title": "no date"},
        [1, 2],
        _story(2, url="mailto:someone@example.org"),
        _story(3, published_at="last Tuesday"),
        _story(4, title="x" * 1001),
        _story(5, body="é" * 2_200_000),
        b'{"url": "https://wire.example/bad", "title": "\xff", "published_at": "2026-01-01T00:00:00Z"}',
        _story(6, tags="just one tag"),
        b"",
        _story(7, language="english"),
        _story(8, published_at="1850-01-01T00:00:00Z"),
    )
    dead = tmp_path / "rejects.jsonl"
    summary = await _ingest(conn, data, "x.jsonl", dead)
    reasons = {r["line"]: r["reason"] for r in summary.rejects}
    assert summary.read == 12
    assert summary.inserted == 2  # stories 1 and 6
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9, 12, 13}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3] == "missing published_at"
    assert reasons[4] == "not a JSON object"
    assert "http(s) URL" in reasons[5]
    assert "ISO 8601" in reasons[6]
    assert reasons[7].startswith("title:")
    assert "4194304 bytes" in reasons[8]
    assert reasons[9] == "invalid UTF-8"
    assert reasons[12].startswith("language:")
    assert "1900" in reasons[13]
    assert [orjson.loads(line)["line"] for line in dead.read_bytes().splitlines()] == sorted(
        reasons
    )


async def test_a_record_the_database_refuses_is_set_aside_and_its_batch_merged(
    conn: asyncpg.Connection, owner: asyncpg.Connection, tmp_path: Path
) -> None:
    """Validation cannot know every rule of the database: here a constraint a DBA added. The
    refused record becomes a reject with the database's reason, in the summary, the dead-letter
    file and the checkpoint's counts; every other record of its batch is merged."""
    await owner.execute(
        "ALTER TABLE pressroom.articles ADD CONSTRAINT no_embargoed_titles "
        "CHECK (title NOT LIKE '%EMBARGOED%')"
    )
    try:
        stories = [_story(n) for n in range(430, 440)]
        stories[3]["title"] = "EMBARGOED until noon"
        stories[7]["title"] = "Also EMBARGOED"
        dead = tmp_path / "refused.jsonl"
        summary = await _ingest(conn, _jsonl(*stories), "x.jsonl", dead, batch_size=10)
    finally:
        await owner.execute("ALTER TABLE pressroom.articles DROP CONSTRAINT no_embargoed_titles")
    assert (summary.read, summary.inserted, summary.rejected) == (10, 8, 2)
    assert [r["line"] for r in summary.rejects] == [4, 8]
    assert "no_embargoed_titles" in summary.rejects[0]["reason"]
    entries = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    assert [(e["line"], e["position"]) for e in entries] == [(4, 4), (8, 8)]
    assert orjson.loads(entries[0]["record"])["title"] == "EMBARGOED until noon"
    for n in (430, 431, 432, 434, 435, 436, 438, 439):
        stored = await _article(conn, f"https://wire.example/story/{n}")
        assert stored["title"] == f"Wire story {n}"


async def test_gzip_is_read_as_what_it_contains(conn: asyncpg.Connection) -> None:
    data = gzip.compress(_jsonl(*(_story(n) for n in range(100, 110))))
    stream = open_input(io.BytesIO(data))
    assert detect_format(stream, "wire.jsonl.gz") is Format.JSONL
    assert detect_format(stream) is Format.JSONL  # sniffed from the decompressed bytes
    summary = await _ingest(conn, data)
    assert summary.inserted == 10


async def test_the_same_input_twice_changes_nothing(conn: asyncpg.Connection) -> None:
    data = _jsonl(*(_story(n) for n in range(200, 230)))
    first = await _ingest(conn, data, batch_size=7)
    events = await conn.fetchval("SELECT count(*) FROM pressroom.events")
    again = await _ingest(conn, data, batch_size=7)
    assert (first.inserted, again.inserted, again.revised, again.unchanged) == (30, 0, 0, 30)
    assert await conn.fetchval("SELECT count(*) FROM pressroom.events") == events


async def test_a_changed_article_is_one_revision_of_what_changed(conn: asyncpg.Connection) -> None:
    await _ingest(conn, _jsonl(_story(300), _story(301)))
    changed = await _ingest(
        conn,
        _jsonl(_story(300, title="Wire story 300, corrected", tags=["wire", "fix"]), _story(301)),
    )
    assert (changed.revised, changed.unchanged) == (1, 1)
    article = await _article(conn, "https://wire.example/story/300")
    types = await conn.fetch(
        "SELECT event_type, data FROM pressroom.events WHERE stream_id = $1 ORDER BY stream_version",
        article["id"],
    )
    assert [(t["event_type"], orjson.loads(t["data"])) for t in types[1:]] == [
        ("article.revised", {"title": "Wire story 300, corrected"}),
        ("article.tagged", {"tags": ["fix"]}),
    ]
    assert article["title"] == "Wire story 300, corrected"
    assert article["version"] == 3


async def test_the_later_line_wins_within_a_batch(conn: asyncpg.Connection) -> None:
    summary = await _ingest(conn, _jsonl(_story(400), _story(400, title="Newer crawl")))
    assert (summary.inserted, summary.unchanged) == (1, 1)
    assert (await _article(conn, "https://wire.example/story/400"))["title"] == "Newer crawl"


async def test_a_dry_run_writes_nothing(conn: asyncpg.Connection) -> None:
    before = await conn.fetchval("SELECT count(*) FROM pressroom.events")
    summary = await _ingest(conn, _jsonl(_story(500), b"oops"), dry_run=True)
    assert (summary.read, summary.rejected, summary.inserted) == (2, 1, 0)
    assert await conn.fetchval("SELECT count(*) FROM pressroom.events") == before


def _minified_feed(*numbers: int) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>https://mini.example/{n}</link>"
        f"<pubDate>Fri, 20 Nov 2026 08:{n:02d}:00 GMT</pubDate></item>"
        for n in numbers
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


async def test_a_minified_feed_keeps_every_item(conn: asyncpg.Connection) -> None:
    first = await _ingest(conn, _minified_feed(1, 2, 3), batch_size=2)
    assert first.inserted == 3
    # One old item and two new ones, all on line 1: the new ones are not taken for repeats.
    again = await _ingest(conn, _minified_feed(3, 4, 5))
    assert (again.inserted, again.unchanged) == (2, 1)


async def test_a_later_repeat_beats_an_earlier_change(conn: asyncpg.Connection) -> None:
    await _ingest(conn, _jsonl(_story(410)))
    summary = await _ingest(conn, _jsonl(_story(410, title="Briefly different"), _story(410)))
    assert (summary.revised, summary.unchanged) == (0, 2)
    assert (await _article(conn, "https://wire.example/story/410"))["title"] == "Wire story 410"


async def test_nul_in_metadata_is_one_reject_not_a_failed_batch(conn: asyncpg.Connection) -> None:
    summary = await _ingest(conn, _jsonl(_story(420, metadata={"k": "a\u0000b"}), _story(421)))
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.rejects[0]["reason"] == "metadata: must not contain NUL characters"


def test_committed_ranges_merge_and_answer_membership() -> None:
    committed = Committed([(41, 80), (1, 40), (121, 160)])
    assert committed.prefix == 80
    assert 1 in committed
    assert 80 in committed
    assert 121 in committed
    assert 160 in committed
    assert 81 not in committed
    assert 120 not in committed
    assert 161 not in committed
    assert 0 not in committed
    assert not Committed()
    assert Committed().prefix == 0
    assert Committed([(5, 9)]).prefix == 0  # nothing from the first record: resume from 1


async def test_parallel_batches_keep_the_later_record_of_a_url(
    conn: asyncpg.Connection, database: DatabaseTargets
) -> None:
    # The same URL in many small batches, with a different title each time: batches that share
    # a URL never merge at once, so the last record in the input wins, as with one connection.
    records = [_story(600 + n % 5, title=f"Crawl {n}") for n in range(60)]
    async with _connections(database.writer, 3) as connections:
        stream = open_input(io.BytesIO(_jsonl(*records)))
        summary = await ingest(
            connections, read_records(stream, detect_format(stream, "x.jsonl")),
            IngestOptions(batch_size=4),
        )  # fmt: skip
    assert summary.adds_up
    assert summary.read == 60
    assert summary.inserted == 5
    for story in range(5):
        article = await _article(conn, _story(600 + story)["url"])
        assert article["title"] == f"Crawl {55 + story}"


async def test_a_resumed_run_skips_exactly_the_committed_batches(conn: asyncpg.Connection) -> None:
    # Batches commit out of order on several connections: a run killed after batch 2 committed
    # but not batch 1 has record ranges with a hole, and the resumed run redoes only the hole.
    data = _jsonl(*[_story(700 + n) for n in range(9)])
    source = "test:resume-with-a-hole"
    counts = {"read": 3, "inserted": 3, "revised": 0, "unchanged": 0, "rejected": 0}
    await conn.execute(
        "INSERT INTO pressroom.ingest_batches (source, first_record, last_record, counts)"
        " VALUES ($1, 4, 6, $2::jsonb)",
        source,
        orjson.dumps(counts).decode(),
    )
    summary = await _ingest(conn, data, "x.jsonl", batch_size=2, source=source)
    assert summary.read == 9
    assert summary.inserted == 9
    assert summary.resumed_after == 0
    for n in (3, 4, 5):  # records 4-6 were skipped: their batch had committed
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pressroom.articles WHERE canonical_url = $1",
                _story(700 + n)["url"],
            )
            == 0
        )
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM pressroom.ingest_batches WHERE source = $1", source
        )
        == 0
    )


async def test_a_crawl_never_brings_back_a_retracted_article(conn: asyncpg.Connection) -> None:
    await _ingest(conn, _jsonl(_story(800)))
    article = await _article(conn, _story(800)["url"])
    await retract_article(conn, article["id"], reason="legal")
    # The same page again, changed, and a new one, each in a batch of its own.
    summary = await _ingest(
        conn, _jsonl(_story(800, title="Crawled again"), _story(801)), batch_size=1
    )
    assert summary.inserted == 1  # only the new story
    assert summary.unchanged == 1
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM pressroom.articles WHERE canonical_url = $1", _story(800)["url"]
        )
        == 0
    )


async def test_a_changed_page_revises_only_what_its_source_changed(
    conn: asyncpg.Connection,
) -> None:
    await _ingest(conn, _jsonl(_story(900, tags=["wire", "economy"])))
    article = await _article(conn, _story(900)["url"])
    # An editor corrects the title and the tags through the API.
    await revise_article(conn, article["id"], {"title": "Corrected title"}, tags=["economy"])
    # The page changes its body only: the editor's title and tags stand.
    changed_body = _story(900, tags=["wire", "economy"], body="A longer body.")
    summary = await _ingest(conn, _jsonl(changed_body))
    assert summary.revised == 1
    article = await _article(conn, _story(900)["url"])
    assert article["title"] == "Corrected title"
    assert article["body"] == "A longer body."
    assert article["tag_slugs"] == ["economy"]
    # The page then changes its title and its tags: those are the source's news, and win.
    retitled = _story(900, tags=["wire"], body="A longer body.", title="Updated headline")
    summary = await _ingest(conn, _jsonl(retitled))
    assert summary.revised == 1
    article = await _article(conn, _story(900)["url"])
    assert article["title"] == "Updated headline"
    assert article["tag_slugs"] == ["wire"]
