"""The windowed walk of pressroom.search_windows() returns exactly what ranking every match would.

The walk reads windows newest first, some two at a time, and stops at a bound (search/ranking.py,
migrations 0014 and 0017); none of that may change a result. Here every page of a search is
compared with all matches ranked by the same score, over the sample corpus, for words of every
frequency and half-lives that stop the walk early, late, or never.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.search.engine import (
    WALK,
    NewestSeen,
    SearchFilter,
    search_articles,
    walk_arguments,
)
from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import compile_query

# Every match ranked, by the score the walk computes (search/ranking.py).
EVERY_MATCH = """
SELECT d.article_id
  FROM pressroom.search_documents d
 WHERE d.terms @@ $1::tsquery
 ORDER BY greatest(least(ts_rank_cd(d.head, $2::tsquery), 1), 0.1)
          * power(2, -least(greatest(extract(epoch FROM $3::timestamptz - d.published_at), 0)
                            / $4::float8, 1000)) DESC,
          d.article_id DESC
 LIMIT $5
"""

# Words by how many documents hold them: the most common, one in about a tenth, one in a few.
WORDS = """
SELECT word, ndoc FROM ts_stat('SELECT terms FROM pressroom.search_documents')
 WHERE word NOT LIKE '§%' AND word NOT LIKE '% %' AND word !~ '[0-9]'
 ORDER BY ndoc DESC, word
"""


@pytest.fixture(scope="module")
async def words(corpus: DatabaseTargets) -> list[str]:
    conn = await asyncpg.connect(corpus.reader)
    try:
        rows = await conn.fetch(WORDS)
        total = await conn.fetchval("SELECT count(*) FROM pressroom.search_documents")
    finally:
        await conn.close()
    tenth = min(rows, key=lambda row: abs(row["ndoc"] - total // 10))
    few = next(row for row in reversed(rows) if row["ndoc"] >= 3)
    return [rows[0]["word"], tenth["word"], few["word"]]


# Phrases of three places that open titles (a name whose half-space makes two words of one):
# found by their pairs, their positions checked in the head or the terms (migration 0024).
PHRASES_OF_THREE = """
SELECT phrase FROM (
    SELECT split_part(title, ' ', 1) || ' ' || split_part(title, ' ', 2) AS phrase
      FROM pressroom.search_documents
     WHERE language = 'fa') t
 WHERE pressroom.phrase_places('fa', phrase) = 3
 GROUP BY phrase
 ORDER BY count(*) DESC, phrase
 LIMIT 2
"""


@pytest.fixture(scope="module")
async def phrases(corpus: DatabaseTargets) -> list[str]:
    conn = await asyncpg.connect(corpus.reader)
    try:
        found = [f'"{row["phrase"]}"' for row in await conn.fetch(PHRASES_OF_THREE)]
    finally:
        await conn.close()
    assert found
    return found


async def _every_page_is_every_match_ranked(
    conn: asyncpg.Connection,
    q: str,
    newest: datetime,
    now: datetime,
    half_life: timedelta,
    limit: int,
) -> None:
    compiled = await compile_query(conn, parse_query(q), None)
    expected = [
        row["article_id"]
        for row in await conn.fetch(
            EVERY_MATCH,
            compiled.matching,
            compiled.tsquery,
            now,
            half_life.total_seconds(),
            4 * limit,
        )
    ]
    found: list[int] = []
    cursor = None
    # Learnt from the first page: the later ones count their windows back from the newest
    # article's day, not the clock's (NewestSeen).
    seen = NewestSeen()
    for _ in range(4):
        page = await search_articles(
            conn,
            q,
            SearchFilter(),
            cursor=cursor,
            limit=limit,
            half_life=half_life,
            now=now,
            newest=seen,
        )
        assert seen.at == newest
        found += [int(item["id"]) for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert found == expected, q


@pytest.mark.parametrize("half_life_days", [1, 7, 90])
@pytest.mark.parametrize("limit", [3, 10])
# Two days after the newest article, as in a live system; sixty, where the first windows hold
# nothing and are skipped (migration 0017).
@pytest.mark.parametrize("days_after", [2, 60])
async def test_pages_are_every_match_ranked(
    corpus: DatabaseTargets,
    words: list[str],
    phrases: list[str],
    half_life_days: int,
    limit: int,
    days_after: int,
) -> None:
    conn = await asyncpg.connect(corpus.reader)
    try:
        newest = await conn.fetchval("SELECT max(published_at) FROM pressroom.search_documents")
        now = (newest + timedelta(days=days_after)).astimezone(UTC)
        for q in [*words, *phrases]:
            await _every_page_is_every_match_ranked(
                conn, q, newest, now, timedelta(days=half_life_days), limit
            )
    finally:
        await conn.close()


async def test_a_full_page_reads_the_next_window_from_its_floor(
    corpus: DatabaseTargets,
) -> None:
    """Once the page of a very common word is full short of its bound, the walk reads the next
    window only from the moment where freshness falls to the page's k-th best score, older than
    which nothing can beat it, and stops (migration 0018). Where that moment falls depends on
    the scores: some half-lives put it inside the next window, which is then read through the
    blocks of its days from the floor on (migration 0023), and its page is still every match
    ranked."""
    conn = await asyncpg.connect(corpus.reader)
    cut = []
    try:
        newest = await conn.fetchval("SELECT max(published_at) FROM pressroom.search_documents")
        now = datetime.combine(newest.astimezone(UTC).date(), datetime.min.time(), UTC)
        word = await conn.fetchval(WORDS)
        compiled = await compile_query(conn, parse_query(word), None)
        for days in range(2, 121, 3):
            planned, arguments = walk_arguments(
                SearchFilter(), compiled, now, timedelta(days=days), None, 3
            )
            walked = await conn.fetchrow(
                f"SELECT windows_read, read_from, ids FROM {WALK} AS p", *arguments
            )
            assert walked is not None
            read, read_from = walked["windows_read"], walked["read_from"]
            start = planned.windows[read - 1].start
            if start is not None and read_from > start:
                cut.append(days)
                every = await conn.fetch(
                    EVERY_MATCH, compiled.matching, compiled.tsquery, now, days * 86_400.0, 3
                )
                assert walked["ids"] == [row["article_id"] for row in every], days
    finally:
        await conn.close()
    assert cut


def test_windows_count_back_from_the_newest_article_seen() -> None:
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    assert NewestSeen().anchor(now) == now
    older = datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert NewestSeen(older).anchor(now) == older
    # An article dated ahead (an embargo) never moves windows past the clock.
    assert NewestSeen(now + timedelta(days=3)).anchor(now) == now
