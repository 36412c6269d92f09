"""Where a loaded batch's rows lie: on pages by publication time, as a live feed writes them,
whatever order the batch came in. A search's newest days then read a few pages, not one per
match. In a module of its own, so its database holds no other test's rows and free space."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg

from pressroom.content.urls import canonical_url
from pressroom.ingest.load import load_articles
from pressroom.ingest.merge import upsert_sites
from pressroom.sample import generate_articles, sample_sites

SITES = 7
# A short row may fill the room a longer one left on an earlier page (the free space map offers
# it), so a few rows stray; the rest keep their place within a page or two.
NEAR = 12
STRAYS = 0.05


async def test_a_batch_is_written_in_publication_order(writer: asyncpg.Connection) -> None:
    await upsert_sites(writer, sample_sites(SITES, seed=23))
    month = datetime(2024, 3, 1, tzinfo=UTC)  # one partition, so its pages hold all the rows
    articles = [
        replace(article, published_at=month + timedelta(hours=2 * n))
        for n, article in enumerate(generate_articles(300, SITES, seed=23))
    ]
    await load_articles(writer, sorted(articles, key=lambda a: canonical_url(a.url)[::-1]))
    for table, key in (("pressroom.articles", "id"), ("pressroom.search_documents", "article_id")):
        ids = [
            row["id"]
            for row in await writer.fetch(f"SELECT {key} AS id FROM {table} ORDER BY ctid")
        ]
        assert len(ids) == len(articles)
        place_in_time = {article: n for n, article in enumerate(sorted(ids))}
        strays = [a for n, a in enumerate(ids) if abs(n - place_in_time[a]) > NEAR]
        assert len(strays) <= STRAYS * len(ids), table
