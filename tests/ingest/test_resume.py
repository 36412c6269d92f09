"""Killing an ingest at any moment (a real SIGKILL) and running it again ends in the same state
as one clean run: no article or event twice, no committed batch lost, no reject lost or
written twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import orjson
import pytest

from pressroom.config import Settings
from pressroom.db.roles import DATABASE_NAME
from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.pipeline import Committed
from pressroom.sample import generate_articles
from tests.support import cloned_database

ARTICLES = 1500
BAD_EVERY = 97  # a broken line now and then, so rejects cross batch boundaries too

STATE = """
SELECT (SELECT count(*) FROM pressroom.articles),
       (SELECT count(*) FROM pressroom.events),
       (SELECT count(DISTINCT (stream_id, stream_version)) FROM pressroom.events),
       (SELECT count(*) FROM pressroom.article_urls),
       (SELECT string_agg(canonical_url || ':' || md5(title || body), ',' ORDER BY canonical_url)
          FROM pressroom.articles),
       (SELECT count(*) FROM pressroom.ingest_batches)
"""


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crawl") / "crawl.jsonl"
    with path.open("wb") as out:
        for n, article in enumerate(generate_articles(ARTICLES, 6, 11), start=1):
            out.write(orjson.dumps(article.to_json_dict()) + b"\n")
            if n % BAD_EVERY == 0:
                out.write(b'{"url": "https://broken.example/x", "title": "no date"}\n')
    return path


@pytest.fixture(scope="module")
def second_database(stack: Settings) -> Iterator[DatabaseTargets]:
    with cloned_database(stack, DATABASE_NAME, "t_resume_clean") as targets:
        yield targets


def _ingest_process(url: str, crawl: Path, rejects: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PRESSROOM_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "pressroom"), "ingest", str(crawl), "--batch-size", "40",
         "--rejects", str(rejects), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


async def _state(url: str) -> tuple[object, ...]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(STATE)
        assert row is not None
        return tuple(row)
    finally:
        await conn.close()


async def _checkpoint_line(url: str) -> int:
    """The last record of the unbroken run of committed batches (two merge at once, so a later
    batch may commit before an earlier one)."""
    conn = await asyncpg.connect(url)
    try:
        ranges = await conn.fetch("SELECT first_record, last_record FROM pressroom.ingest_batches")
        return Committed((row[0], row[1]) for row in ranges).prefix
    finally:
        await conn.close()


def _summary(process: subprocess.Popen[bytes]) -> dict[str, object]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return dict(orjson.loads(out))


def test_killed_and_resumed_equals_one_clean_run(
    database: DatabaseTargets, second_database: DatabaseTargets, crawl: Path, tmp_path: Path
) -> None:
    clean_rejects = tmp_path / "clean.rejects.jsonl"
    clean = _summary(_ingest_process(second_database.writer, crawl, clean_rejects))
    rejects = tmp_path / "killed.rejects.jsonl"
    kills = 0
    for wait_for_line in (300, 900):
        process = _ingest_process(database.writer, crawl, rejects)
        deadline = time.monotonic() + 120
        while asyncio.run(_checkpoint_line(database.writer)) < wait_for_line:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
    resumed = _summary(_ingest_process(database.writer, crawl, rejects))
    assert kills == 2
    assert int(resumed["resumed_after"]) >= 900  # type: ignore[call-overload]
    for name in ("read", "inserted", "revised", "unchanged", "rejected"):
        assert resumed[name] == clean[name], name
    assert clean["read"] == ARTICLES + ARTICLES // BAD_EVERY
    assert asyncio.run(_state(database.writer)) == asyncio.run(_state(second_database.writer))
    # The same entries; their order may differ, since batches commit out of order and a resumed
    # run appends the rejects of the batches it redoes.
    assert sorted(rejects.read_bytes().splitlines()) == sorted(
        clean_rejects.read_bytes().splitlines()
    )
