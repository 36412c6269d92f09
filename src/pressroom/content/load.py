"""Loading articles in bulk: binary COPY into a temporary table, then set-based inserts.

Each new article is written with its article.published event, in the same statement: the log
stays complete without paying for a projection round trip per article.

This is the loader `up` uses for the sample corpus. It is idempotent: an article whose canonical
URL its site already has is skipped, so loading the same corpus twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Protocol

import asyncpg
import orjson

from pressroom.content.ids import make_article_id, to_milliseconds, url_discriminator
from pressroom.content.partitions import ensure_months, existing_months, month_of
from pressroom.content.urls import InvalidUrlError, canonical_url


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


@dataclass(frozen=True, slots=True)
class Rejected:
    position: int  # 1-based position of the article in the input
    reason: str


@dataclass
class LoadSummary:
    read: int = 0
    inserted: int = 0
    skipped: int = 0  # already known: same site and canonical URL
    rejected: list[Rejected] = field(default_factory=list)


STAGING_COLUMNS = (
    "id", "site", "canonical_url", "title", "summary", "body",
    "language", "author", "published_at", "metadata", "tags",
)  # fmt: skip

PUBLISHED_AT = STAGING_COLUMNS.index("published_at")

CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS load_articles (
    id bigint, site text, canonical_url text, title text, summary text, body text,
    language text, author text, published_at timestamptz, metadata text, tags text[]
) ON COMMIT DELETE ROWS
"""

UPSERT_SITES = """
INSERT INTO pressroom.sites (domain, name, language)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
ON CONFLICT (domain) DO NOTHING
"""

# Sites that articles name but the site list did not: named after their domain.
INSERT_MISSING_SITES = """
INSERT INTO pressroom.sites (domain, name, language)
SELECT DISTINCT ON (site) site, site, language FROM load_articles
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

INSERT_TAGS = """
INSERT INTO pressroom.tags (slug, name)
SELECT DISTINCT ON (pressroom.tag_slug(tag)) pressroom.tag_slug(tag), left(btrim(tag), 200)
  FROM load_articles, unnest(tags) AS tag
 WHERE pressroom.tag_slug(tag) <> ''
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
           '{"actor": "loader"}'
      FROM inserted i
      JOIN fresh f ON f.id = i.id
), streams AS (
    INSERT INTO pressroom.event_streams (stream_id, version) SELECT id, 1 FROM inserted
)
SELECT count(*) FROM inserted
"""


def _staging_row(article: ArticleInput) -> tuple[object, ...]:
    url = canonical_url(article.url)
    published_at = to_milliseconds(article.published_at)
    return (
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
    )


def _batches(items: Iterable[ArticleInput], size: int) -> Iterator[list[ArticleInput]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


async def upsert_sites(conn: asyncpg.Connection, sites: Iterable[SiteInput]) -> None:
    listed = list(sites)
    await conn.execute(
        UPSERT_SITES,
        [s.domain for s in listed],
        [s.name for s in listed],
        [s.language for s in listed],
    )


def _staging_rows(
    batch: list[ArticleInput], first_position: int, summary: LoadSummary
) -> list[tuple[object, ...]]:
    """Staging rows of the valid articles; the others are recorded as rejected, and the load
    goes on without them."""
    rows = []
    for offset, article in enumerate(batch):
        try:
            rows.append(_staging_row(article))
        except (InvalidUrlError, ValueError, TypeError, AttributeError) as exc:
            summary.rejected.append(Rejected(first_position + offset, str(exc)[:300]))
    return rows


async def load_articles(
    conn: asyncpg.Connection,
    articles: Iterable[ArticleInput],
    *,
    batch_size: int = 5_000,
    on_progress: Callable[[int], None] | None = None,
) -> LoadSummary:
    """Insert the articles that are new; one transaction per batch, so a failure loses no
    committed batch and a rerun picks up where it stopped. Articles with an invalid URL or
    publication time are rejected with their position and reason; the rest still load."""
    await conn.execute(CREATE_STAGING)
    summary = LoadSummary()
    months = await existing_months(conn)
    for batch in _batches(articles, batch_size):
        rows = _staging_rows(batch, summary.read + 1, summary)
        # Partitions first, each in its own short transaction: creating one locks the default
        # partition, and that lock must not last as long as the batch.
        needed = {month_of(row[PUBLISHED_AT]) for row in rows}  # type: ignore[arg-type]
        await ensure_months(conn, needed, months)
        async with conn.transaction():
            await conn.copy_records_to_table("load_articles", records=rows, columns=STAGING_COLUMNS)
            await conn.execute(INSERT_MISSING_SITES)
            while await conn.execute(RESOLVE_ID_COLLISIONS) != "UPDATE 0":
                pass
            await conn.execute(INSERT_TAGS)
            # INSERT_ARTICLES writes each article's tag_vector itself.
            await conn.execute("SET LOCAL pressroom.tag_vectors_written = on")
            inserted = await conn.fetchval(INSERT_ARTICLES)
        summary.read += len(batch)
        summary.inserted += inserted
        summary.skipped += len(rows) - inserted
        if on_progress is not None:
            on_progress(len(batch))
    return summary
