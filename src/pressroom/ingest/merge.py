"""Merging articles in bulk: binary COPY into a staging table, then set-based statements.

One batch, one transaction (the caller's): an unknown URL becomes a new article with its
article.published event, written in the same statement; a URL whose source sent the same
content as last time (the same digest) is a repeat and costs nothing; one whose content changed
is compared field by field with the article and gets one append of the events that say what
changed (a revision, tag changes). Merging the same input twice therefore changes nothing.

The staging table is a temporary table: unlogged like an UNLOGGED table (its rows are written
once and thrown away, so WAL for them would be waste), and private to the session besides, so
concurrent ingests cannot see each other's rows and a crash leaves nothing to clean up.

Both `pressroom ingest` (ingest/pipeline.py) and the sample loader of `up` (ingest/load.py)
merge through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, cast

import asyncpg
import orjson

from pressroom.content.ids import make_article_id, to_milliseconds, url_discriminator
from pressroom.content.urls import canonical_url


class SiteInput(Protocol):
    @property
    def domain(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...


class ArticleInput(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def author(self) -> str | None: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def metadata(self) -> dict[str, object]: ...


STAGING_COLUMNS = (
    "line", "id", "site", "canonical_url", "title", "summary", "body",
    "language", "author", "published_at", "metadata", "tags", "source_hash",
)  # fmt: skip

PUBLISHED_AT = STAGING_COLUMNS.index("published_at")
LINE, SITE, URL = (STAGING_COLUMNS.index(c) for c in ("line", "site", "canonical_url"))
SOURCE_HASH = STAGING_COLUMNS.index("source_hash")

CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS load_articles (
    line integer, id bigint, site text, canonical_url text, title text, summary text, body text,
    language text, author text, published_at timestamptz, metadata text, tags text[],
    source_hash bytea
) ON COMMIT DELETE ROWS;
-- Staged text is read once, by the merge: stored out of line as it is, not compressed on COPY
-- only to be decompressed by the merge (pglz on the bodies was a tenth of a load's CPU).
ALTER TABLE load_articles ALTER COLUMN body SET STORAGE EXTERNAL,
                          ALTER COLUMN summary SET STORAGE EXTERNAL,
                          ALTER COLUMN metadata SET STORAGE EXTERNAL
"""

UPSERT_SITES = """
INSERT INTO pressroom.sites (domain, name, language)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
ON CONFLICT (domain) DO NOTHING
"""

# A URL nobody claims whose id is the stream of an article with that very URL: it was retracted,
# and a crawler sending it again does not bring it back (an editor restores it, if anyone).
# The published event is looked up per staged row, by its key, in a scalar subquery: written as
# an EXISTS, the planner (with no statistics on the staging table) hashed every published event
# of the log, detoasting each one's data for its URL: seconds per batch, and growing with the log.
DROP_RETRACTED = """
DELETE FROM load_articles l
 WHERE (SELECT e.data ->> 'url' FROM pressroom.events e
         WHERE e.stream_id = l.id AND e.stream_version = 1
         LIMIT 1) = l.canonical_url
   AND NOT EXISTS (SELECT 1 FROM pressroom.article_urls u
                     JOIN pressroom.sites s ON s.id = u.site_id
                    WHERE s.domain = l.site AND u.canonical_url = l.canonical_url)
"""

# Sites that articles name but the site list did not: named after their domain.
# Known sites are left out before the insert, not by its ON CONFLICT: a conflicting row that
# another batch holds a key-share lock on (its articles' foreign keys) makes ON CONFLICT wait for
# that batch to commit, which serialised parallel batches (seconds each).
INSERT_MISSING_SITES = """
INSERT INTO pressroom.sites (domain, name, language)
SELECT DISTINCT ON (site) site, left(site, 200), language FROM load_articles l
 WHERE NOT EXISTS (SELECT 1 FROM pressroom.sites s WHERE s.domain = l.site)
ORDER BY site
ON CONFLICT (domain) DO NOTHING
"""

# Two articles published in the same millisecond may draw the same discriminator; the later
# ones move to the next values. Only rows that will be inserted (URL not yet claimed) count, so
# reloading a corpus does no work here. Rare, so the loop ends after one pass in practice.
RESOLVE_ID_COLLISIONS = """
WITH candidates AS (
    SELECT l.ctid AS row_ref, l.id, l.published_at,
           row_number() OVER (PARTITION BY l.id ORDER BY l.ctid) - 1 AS rank_in_batch
      FROM load_articles l
     WHERE NOT EXISTS (SELECT 1 FROM pressroom.article_urls u
                         JOIN pressroom.sites s ON s.id = u.site_id
                        WHERE s.domain = l.site AND u.canonical_url = l.canonical_url)
), clashes AS (
    SELECT row_ref,
           -- Every article id is a stream id, retracted articles' included.
           rank_in_batch + CASE WHEN EXISTS (
               SELECT 1 FROM pressroom.event_streams s WHERE s.stream_id = c.id)
               THEN 1 ELSE 0 END AS shift
      FROM candidates c
)
UPDATE load_articles AS l
   SET id = l.id + c.shift
  FROM clashes c
 WHERE l.ctid = c.row_ref AND c.shift > 0 AND (l.id & 2097151) + c.shift <= 2097151
"""

# Known tags are left out first, as known sites are (INSERT_MISSING_SITES says why).
INSERT_TAGS = """
INSERT INTO pressroom.tags (slug, name)
SELECT DISTINCT ON (pressroom.tag_slug(tag)) pressroom.tag_slug(tag), left(btrim(tag), 200)
  FROM load_articles, unnest(tags) AS tag
 WHERE pressroom.tag_slug(tag) <> ''
   AND NOT EXISTS (SELECT 1 FROM pressroom.tags t WHERE t.slug = pressroom.tag_slug(tag))
 ORDER BY pressroom.tag_slug(tag), btrim(tag)
ON CONFLICT (slug) DO NOTHING
"""

INSERT_ARTICLES = """
WITH fresh AS (
    SELECT DISTINCT ON (s.id, l.canonical_url) l.*, s.id AS site_id
      FROM load_articles l
      JOIN pressroom.sites s ON s.domain = l.site
     WHERE NOT EXISTS (SELECT 1 FROM pressroom.article_urls u
                        WHERE u.site_id = s.id AND u.canonical_url = l.canonical_url)
     ORDER BY s.id, l.canonical_url, l.published_at
), inserted AS (
    INSERT INTO pressroom.articles
           (id, site_id, canonical_url, title, summary, body, language, author, published_at,
            metadata, tag_vector)
    SELECT id, site_id, canonical_url, title, summary, body, language, author, published_at,
           metadata::jsonb,
           -- What the article_tags trigger would write (it stands aside for this statement).
           pressroom.article_tag_vector(
               language,
               ARRAY(SELECT t.name FROM pressroom.tags t
                      WHERE t.slug IN (SELECT pressroom.tag_slug(tag) FROM unnest(tags) AS tag)
                      ORDER BY t.slug))
      FROM fresh
     -- In publication order (ids begin with the time), not fresh's order by URL: a batch's
     -- rows then lie on pages by time, in the partition and in search_documents (its trigger
     -- writes them in this order), so a search's newest days read a few pages, not one per
     -- match (measured on the sample corpus: the newest two days' 657 documents lay on 456
     -- pages, each holding rows from two weeks; in this order, on 113).
     ORDER BY id
    RETURNING id, published_at
), tagged AS (
    INSERT INTO pressroom.article_tags (article_id, published_at, tag_id)
    SELECT DISTINCT i.id, i.published_at, t.id
      FROM inserted i
      JOIN fresh f ON f.id = i.id
      CROSS JOIN LATERAL unnest(f.tags) AS tag
      JOIN pressroom.tags t ON t.slug = pressroom.tag_slug(tag)
), logged AS (
    -- The event each article is published with; its fields are exactly what
    -- pressroom.article_states() folds back into the row just inserted (tests/events).
    INSERT INTO pressroom.events (stream_id, stream_version, event_type, data, metadata)
    SELECT f.id, 1, 'article.published',
           jsonb_build_object(
               'site', f.site, 'url', f.canonical_url, 'title', f.title, 'summary', f.summary,
               'body', f.body, 'language', f.language, 'author', f.author,
               'published_at', f.published_at, 'metadata', f.metadata::jsonb,
               'tags', to_jsonb(f.tags)),
           $1::jsonb
      FROM inserted i
      JOIN fresh f ON f.id = i.id
), streams AS (
    INSERT INTO pressroom.event_streams (stream_id, version) SELECT id, 1 FROM inserted
)
SELECT count(*) FROM inserted
"""

# What a source sent, field by field, as digests: kept in article_urls.source_fields, so that a
# changed page revises only the fields its source changed (an editor's correction to another
# field stands). {row} is the staging table's alias.
SOURCE_FIELDS = """jsonb_build_object(
    'title', md5({row}.title), 'summary', md5({row}.summary), 'body', md5({row}.body),
    'language', {row}.language, 'author', md5(coalesce({row}.author, '')),
    'metadata', md5(coalesce({row}.metadata, '')),
    'tags', md5(array_to_string(ARRAY(SELECT pressroom.tag_slug(t) FROM unnest({row}.tags) AS t
                                       ORDER BY 1), ' ')))"""

# Known URLs whose source sent something new: what differs from the article, among the fields
# the source changed, becomes one append (a revision with the changed fields, tags added, tags
# removed) through append_events(), which also projects it. Published times are not compared:
# they are part of the article's id.
APPEND_CHANGES = f"""
WITH known AS MATERIALIZED (
    SELECT l.*, u.article_id, sent.changed
      FROM load_articles l
      JOIN pressroom.sites s ON s.domain = l.site
      JOIN pressroom.article_urls u ON u.site_id = s.id AND u.canonical_url = l.canonical_url
     -- Which fields the source changed since it was last read (every one when that is not
     -- known: URLs last crawled before migration 0008).
     CROSS JOIN LATERAL (
         SELECT jsonb_object_agg(f.key, u.source_fields IS NULL
                                        OR u.source_fields -> f.key IS DISTINCT FROM f.value)
                AS changed
           FROM jsonb_each({SOURCE_FIELDS.format(row="l")}) AS f) AS sent
     WHERE l.source_hash IS NOT NULL AND u.source_hash IS DISTINCT FROM l.source_hash
), compared AS MATERIALIZED (
    SELECT k.article_id,
           jsonb_strip_nulls(jsonb_build_object(
               'title', CASE WHEN (k.changed ->> 'title')::boolean
                              AND k.title IS DISTINCT FROM a.title THEN k.title END,
               'summary', CASE WHEN (k.changed ->> 'summary')::boolean
                                AND k.summary IS DISTINCT FROM a.summary THEN k.summary END,
               'body', CASE WHEN (k.changed ->> 'body')::boolean
                             AND k.body IS DISTINCT FROM a.body THEN k.body END,
               'language', CASE WHEN (k.changed ->> 'language')::boolean
                                 AND k.language IS DISTINCT FROM a.language::text
                                THEN k.language END,
               'metadata', CASE WHEN (k.changed ->> 'metadata')::boolean
                                 AND k.metadata::jsonb IS DISTINCT FROM a.metadata
                                THEN k.metadata::jsonb END))
           || CASE WHEN (k.changed ->> 'author')::boolean AND k.author IS DISTINCT FROM a.author
                   THEN jsonb_build_object('author', k.author) ELSE '{{}}' END AS fields,
           (k.changed ->> 'tags')::boolean AS retagged,
           k.tags AS names,
           ARRAY(SELECT pressroom.tag_slug(t) FROM unnest(k.tags) AS t) AS wanted,
           ARRAY(SELECT tg.slug FROM pressroom.article_tags at
                   JOIN pressroom.tags tg ON tg.id = at.tag_id
                  WHERE at.article_id = k.article_id
                    AND at.published_at = pressroom.article_id_time(k.article_id)) AS have
      FROM known k
      JOIN pressroom.articles a
        ON a.id = k.article_id AND a.published_at = pressroom.article_id_time(k.article_id)
), changes AS MATERIALIZED (
    SELECT c.article_id, array_agg(v.kind ORDER BY v.n) AS kinds, array_agg(v.data ORDER BY v.n) AS data
      FROM compared c
     CROSS JOIN LATERAL (VALUES
         (1, 'article.revised', c.fields),
         (2, 'article.tagged', jsonb_build_object('tags', ARRAY(
             SELECT t FROM unnest(c.names) AS t
              WHERE c.retagged AND pressroom.tag_slug(t) <> ALL (c.have)))),
         (3, 'article.untagged', jsonb_build_object('tags', ARRAY(
             SELECT h FROM unnest(c.have) AS h WHERE c.retagged AND h <> ALL (c.wanted))))
     ) AS v(n, kind, data)
     WHERE v.data NOT IN ('{{}}', '{{"tags": []}}')
     GROUP BY c.article_id
)
SELECT count(*)
  FROM changes ch,
       LATERAL pressroom.append_events(ch.article_id, NULL, ch.kinds, ch.data, $1::jsonb,
                                       NULL, NULL, true)
"""  # noqa: S608 - composed of constant fragments only

# Lines whose source sent exactly what it sent last time, found from the keys alone: a re-crawl
# that is all repeats never ships its bodies to the server (measured: re-ingesting 200,000
# unchanged articles took half as long as loading them while the bodies were still staged).
REPEATS = """
SELECT l.line
  FROM unnest($1::text[], $2::text[], $3::bytea[], $4::integer[]) AS l(site, url, digest, line)
  JOIN pressroom.sites s ON s.domain = l.site
  JOIN pressroom.article_urls u ON u.site_id = s.id AND u.canonical_url = l.url
 WHERE u.source_hash = l.digest
"""

# Remembered for the next crawl: what each source sent this time.
REMEMBER_SOURCES = f"""
UPDATE pressroom.article_urls u
   SET source_hash = l.source_hash, source_fields = {SOURCE_FIELDS.format(row="l")}
  FROM load_articles l
  JOIN pressroom.sites s ON s.domain = l.site
 WHERE u.site_id = s.id AND u.canonical_url = l.canonical_url
   AND l.source_hash IS NOT NULL AND u.source_hash IS DISTINCT FROM l.source_hash
"""  # noqa: S608 - composed of constant fragments only


def staging_row(article: ArticleInput, line: int) -> tuple[object, ...]:
    url = canonical_url(article.url)
    published_at = to_milliseconds(article.published_at)
    return (
        # The record's place in its input: which of two lines for one URL is the later.
        getattr(article, "position", line),
        make_article_id(published_at, url_discriminator(article.site, url)),
        article.site,
        url,
        article.title,
        article.summary,
        article.body,
        article.language,
        article.author,
        published_at,
        orjson.dumps(article.metadata).decode(),
        list(article.tags),
        # Sources that say nothing of their content (the sample corpus) are never re-compared.
        getattr(article, "source_hash", None),
    )


async def upsert_sites(conn: asyncpg.Connection, sites: Iterable[SiteInput]) -> None:
    listed = list(sites)
    await conn.execute(
        UPSERT_SITES,
        [s.domain for s in listed],
        [s.name for s in listed],
        [s.language for s in listed],
    )


LOAD_PENDING_LIST_LIMIT = "4MB"

# What the database refuses of one record's content (SQLSTATE classes 22 and 54, and the
# constraints a record alone can break): that record is bad, not the batch. A unique violation
# or a deadlock is a race with another writer instead, and retries the whole batch.
RECORD_ERRORS = (
    asyncpg.DataError,
    asyncpg.ProgramLimitExceededError,
    asyncpg.CheckViolationError,
    asyncpg.NotNullViolationError,
)


@dataclass
class BatchCounts:
    inserted: int = 0
    revised: int = 0
    unchanged: int = 0  # repeats, superseded lines, retracted articles, nothing to change
    # Records the database refused (line of the staging row, its message), found by
    # Merger.merge_isolating(); the rest of their batch is merged.
    refused: list[tuple[int, str]] = field(default_factory=list)

    def __add__(self, other: BatchCounts) -> BatchCounts:
        return BatchCounts(
            self.inserted + other.inserted,
            self.revised + other.revised,
            self.unchanged + other.unchanged,
            self.refused + other.refused,
        )


class Merger:
    """Merging on one connection: its staging table and the partitions known to exist."""

    def __init__(self, conn: asyncpg.Connection, actor: str = "ingest") -> None:
        self.conn = conn
        self.metadata = orjson.dumps({"actor": actor}).decode()
        self.staging = False

    async def prepare(self) -> None:
        """The staging table, once per connection (temporary: it lives as long as the
        session); call outside a transaction, so a rolled-back batch cannot take it along."""
        if not self.staging:
            await self.conn.execute(CREATE_STAGING)
            self.staging = True

    async def merge(self, rows: list[tuple[object, ...]]) -> BatchCounts:
        """Merge staging rows (from `staging_row`) inside the caller's transaction. Whatever
        is neither inserted nor revised is unchanged: a repeat, a line superseded by a later
        one in the batch, a retracted article, or a change that changes nothing."""
        conn = self.conn
        counts = BatchCounts(unchanged=len(rows))
        rows = await self._without_repeats(rows)
        if not rows:
            return counts
        # A batch writes hundreds of documents: their index entries go to the search indexes'
        # pending lists at PostgreSQL's default size, merged in large sorted runs, instead of
        # the short lists the API keeps for searches during live writes (db/pool.py). The
        # loader cleans the lists when it settles (settle.py).
        await conn.execute(f"SET LOCAL gin_pending_list_limit = '{LOAD_PENDING_LIST_LIMIT}'")
        await conn.copy_records_to_table("load_articles", records=rows, columns=STAGING_COLUMNS)
        await conn.execute(DROP_RETRACTED)
        await conn.execute(INSERT_MISSING_SITES)
        while await conn.execute(RESOLVE_ID_COLLISIONS) != "UPDATE 0":
            pass
        await conn.execute(INSERT_TAGS)
        # INSERT_ARTICLES writes each article's tag_vector itself; the changes after it go
        # through the article_tags trigger again.
        await conn.execute("SET LOCAL pressroom.tag_vectors_written = on")
        counts.inserted = await conn.fetchval(INSERT_ARTICLES, self.metadata)
        await conn.execute("SET LOCAL pressroom.tag_vectors_written = off")
        counts.revised = await conn.fetchval(APPEND_CHANGES, self.metadata)
        await conn.execute(REMEMBER_SOURCES)
        counts.unchanged -= counts.inserted + counts.revised
        await conn.execute("TRUNCATE load_articles")
        return counts

    async def merge_isolating(self, rows: list[tuple[object, ...]]) -> BatchCounts:
        """merge(), except that a record the database refuses (RECORD_ERRORS) is left out and
        named in `refused` while the others are merged. Each attempt runs in a savepoint; a
        refused attempt is split in halves, so one bad record among n costs about 2·log2(n)
        more attempts, and a batch without one costs a savepoint. Halves are merged in input
        order, so the later record of a URL still wins."""
        try:
            async with self.conn.transaction():
                return await self.merge(rows)
        except RECORD_ERRORS as exc:
            if len(rows) == 1:
                return BatchCounts(refused=[(cast(int, rows[0][LINE]), _refusal(exc))])
        half = len(rows) // 2
        return await self.merge_isolating(rows[:half]) + await self.merge_isolating(rows[half:])

    async def _without_repeats(self, rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        # The same URL twice in one batch: the later record is the newer crawl, whether or not
        # it repeats what is stored (so this comes before the repeat check).
        latest = {(row[SITE], row[URL]): row for row in rows}
        rows = [row for row in rows if latest[(row[SITE], row[URL])] is row]
        keyed = [row for row in rows if row[SOURCE_HASH] is not None]
        if not keyed:
            return rows
        repeats = {
            record[0]
            for record in await self.conn.fetch(
                REPEATS,
                [row[SITE] for row in keyed],
                [row[URL] for row in keyed],
                [row[SOURCE_HASH] for row in keyed],
                [row[LINE] for row in keyed],
            )
        }
        return [row for row in rows if row[LINE] not in repeats]


def _refusal(exc: asyncpg.PostgresError) -> str:
    detail = f" ({exc.detail})" if getattr(exc, "detail", None) else ""
    return f"refused by the database: {exc.args[0] if exc.args else exc}{detail}"[:1000]
