"""Replay: rebuild the articles read model from the event log.

The log is folded, a batch of streams at a time, into a fresh table by
pressroom.article_states(), the same definition the inline projection uses; the fresh table is compared with the live read model row for row, and
the articles that differ are re-projected in batches, each its own short transaction.

Why not build new tables and rename them over the live ones: articles is partitioned, carries
triggers, search indexes and grants, and article_tags and article_urls hold foreign keys to it;
a swap would rebuild all of that and lock readers out while it happens, to rewrite rows that
almost always already agree. Applying only the difference leaves readers undisturbed, writes
nothing when the model is right, and ends in the same state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

BUILD = "CREATE TEMP TABLE replayed_articles OF pressroom.article_state"

# Stream by stream, a batch at a time: memory stays bounded however long the log.
NEXT_STREAMS = """
SELECT array_agg(stream_id ORDER BY stream_id) FROM (
    SELECT stream_id FROM pressroom.event_streams WHERE stream_id > $1 ORDER BY stream_id LIMIT $2
) batch
"""
FOLD = "INSERT INTO replayed_articles SELECT * FROM pressroom.article_states($1::bigint[])"

# Both sides in the same shape: what a reader of the article would see, plus its version.
DIFFERENCES = """
WITH live AS (
    SELECT a.id, s.domain, a.canonical_url, a.title, a.summary, a.body, a.language::text AS language,
           a.author, a.metadata, coalesce(t.slugs, '{}') AS tag_slugs, a.version,
           a.updated_at, a.ingested_at
      FROM pressroom.articles a
      JOIN pressroom.sites s ON s.id = a.site_id
      LEFT JOIN (SELECT at.article_id, array_agg(tg.slug ORDER BY tg.slug) AS slugs
                   FROM pressroom.article_tags at
                   JOIN pressroom.tags tg ON tg.id = at.tag_id
                  GROUP BY at.article_id) t ON t.article_id = a.id
), wanted AS (
    SELECT id, domain, canonical_url, title, summary, body, language, author, metadata,
           tag_slugs, version, last_recorded_at AS updated_at, first_recorded_at AS ingested_at
      FROM replayed_articles
     WHERE NOT retracted
)
SELECT coalesce(w.id, l.id) AS id, w.id IS NULL AND r.id IS NULL AS without_events
  FROM live l
  FULL JOIN wanted w ON w.id = l.id
  LEFT JOIN replayed_articles r ON r.id = l.id
 WHERE l.id IS NULL OR w.id IS NULL
    OR (l.domain, l.canonical_url, l.title, l.summary, l.body, l.language, l.author, l.metadata,
        l.tag_slugs, l.version, l.updated_at, l.ingested_at)
       IS DISTINCT FROM
       (w.domain, w.canonical_url, w.title, w.summary, w.body, w.language, w.author, w.metadata,
        w.tag_slugs, w.version, w.updated_at, w.ingested_at)
 ORDER BY 1
"""

PROJECT = "SELECT pressroom.project_articles($1::bigint[])"

# An article the log knows nothing of cannot be rebuilt; the log is the truth, so it goes.
REMOVE_UNLOGGED = """
WITH gone_tags AS (
    DELETE FROM pressroom.article_tags WHERE article_id = ANY ($1::bigint[])
), gone_urls AS (
    DELETE FROM pressroom.article_urls WHERE article_id = ANY ($1::bigint[])
)
DELETE FROM pressroom.articles
 WHERE id = ANY ($1::bigint[]) AND published_at = pressroom.article_id_time(id)
"""
# Of those, the ones that still have no stream now: an article published while the replay ran
# was not in the fold, but it is in the log, and stays.
STILL_UNLOGGED = """
SELECT array_agg(id) FROM unnest($1::bigint[]) AS id
 WHERE NOT EXISTS (SELECT 1 FROM pressroom.events e WHERE e.stream_id = id)
"""

COUNTS = """
SELECT (SELECT count(*) FROM pressroom.events),
       (SELECT count(*) FROM replayed_articles WHERE NOT retracted)
"""


@dataclass
class ReplayReport:
    events: int = 0
    articles: int = 0  # articles the log describes (not retracted)
    differing: list[int] = field(default_factory=list)  # ids whose live row was not as replayed
    without_events: list[int] = field(default_factory=list)  # live articles the log lacks
    changed: int = 0  # rows written to make live agree
    seconds: float = 0.0

    @property
    def identical(self) -> bool:
        return not self.differing and not self.without_events


async def replay(
    conn: asyncpg.Connection,
    *,
    apply: bool,
    batch_size: int = 2_000,
    on_progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Fold the whole log and compare it with the live read model; with `apply`, make the
    live model agree. Each batch is its own transaction, so live writes go on meanwhile (their
    own inline projection keeps their articles right)."""
    started = time.monotonic()
    report = ReplayReport()
    await conn.execute("DROP TABLE IF EXISTS pg_temp.replayed_articles")
    await conn.execute(BUILD)
    try:
        last = -(2**63)
        while streams := await conn.fetchval(NEXT_STREAMS, last, batch_size):
            await conn.execute(FOLD, streams)
            last = streams[-1]
        await conn.execute("CREATE INDEX ON replayed_articles (id)")
        await conn.execute("ANALYZE replayed_articles")
        counts = await conn.fetchrow(COUNTS)
        assert counts is not None
        report.events, report.articles = counts[0], counts[1]
        for row in await conn.fetch(DIFFERENCES):
            (report.without_events if row["without_events"] else report.differing).append(row["id"])
        if apply:
            for start in range(0, len(report.differing), batch_size):
                ids = report.differing[start : start + batch_size]
                async with conn.transaction():
                    report.changed += int(await conn.fetchval(PROJECT, ids))
                if on_progress is not None:
                    on_progress(len(ids))
            for start in range(0, len(report.without_events), batch_size):
                ids = report.without_events[start : start + batch_size]
                async with conn.transaction():
                    unlogged = await conn.fetchval(STILL_UNLOGGED, ids) or []
                    deleted = await conn.execute(REMOVE_UNLOGGED, unlogged)
                report.changed += int(deleted.split()[-1])
    finally:
        await conn.execute("DROP TABLE IF EXISTS pg_temp.replayed_articles")
    report.seconds = time.monotonic() - started
    return report
