"""Loading the sample corpus into a database: what `up` and the benchmarks start from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from pressroom.ingest.concurrency import DEFAULT_WORKERS
from pressroom.ingest.load import load_articles
from pressroom.ingest.merge import upsert_sites
from pressroom.ingest.settle import settle_as_owner
from pressroom.sample import generate_articles, sample_sites

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True, slots=True)
class CorpusShape:
    articles: int
    sites: int
    seed: int


async def load_sample_corpus(
    writer_url: str,
    owner_url: str,
    shape: CorpusShape,
    *,
    only_if_empty: bool = True,
    progress: Progress | None = None,
    timeout_s: float = 10.0,
) -> int:
    """Load the corpus and return the articles inserted.

    Only into an empty database unless told otherwise; then a database already holding the
    corpus's size is left alone, and a partial load (an interrupted set-up) is completed, since
    loading is idempotent."""
    conns = [await asyncpg.connect(writer_url, timeout=timeout_s) for _ in range(DEFAULT_WORKERS)]
    conn = conns[0]
    try:
        if only_if_empty:
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pressroom.articles)"):
                return 0
        elif await conn.fetchval("SELECT count(*) FROM pressroom.articles") >= shape.articles:
            return 0
        await upsert_sites(conn, sample_sites(shape.sites, shape.seed))
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, shape.articles)

        # In publication order, as a live system receives news (generate_articles()).
        articles = generate_articles(shape.articles, shape.sites, shape.seed, by_time=True)
        inserted = (await load_articles(conns, articles, on_progress=advance)).inserted
    finally:
        for each in conns:
            await each.close()
    if inserted:
        await settle_as_owner(owner_url, None, timeout_s=timeout_s)
    return inserted
