"""Migrations are reversible and `migrate` is idempotent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import asyncpg
import pytest

from pressroom.config import Settings
from pressroom.db import migrate
from pressroom.db.connect import connect_sync
from pressroom.db.roles import DATABASE_NAME
from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.load import load_articles
from pressroom.ingest.merge import upsert_sites
from pressroom.sample import generate_articles, sample_sites
from tests.support import clone_database, cloned_database, drop_database


@pytest.fixture(scope="module")
def empty_database(stack: Settings) -> Iterator[DatabaseTargets]:
    targets = clone_database(stack, "template0", "t_migrations_empty")
    with connect_sync(targets.admin or "", 10) as conn:
        conn.execute("ALTER SCHEMA public OWNER TO pressroom_owner")
    try:
        yield targets
    finally:
        drop_database(stack, "t_migrations_empty")


def _tables(url: str) -> set[str]:
    with connect_sync(url, 10) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'pressroom'"
        ).fetchall()
    return {str(r[0]) for r in rows}


def test_upgrade_downgrade_upgrade(empty_database: DatabaseTargets) -> None:
    url = empty_database.owner
    first = migrate.upgrade(url, 10)
    assert (first.before, first.after) == (None, migrate.head_revision())
    tables = _tables(url)
    assert {
        "sites",
        "articles",
        "articles_default",
        "article_urls",
        "tags",
        "article_tags",
    } <= tables
    again = migrate.upgrade(url, 10)
    assert again.before == again.after == migrate.head_revision()
    down = migrate.downgrade(url, 10, "base")
    assert down.after is None
    assert _tables(url) == {"alembic_version"}
    assert migrate.upgrade(url, 10).after == migrate.head_revision()
    assert _tables(url) == tables


@pytest.fixture(scope="module")
def migrated_database(stack: Settings) -> Iterator[DatabaseTargets]:
    with cloned_database(stack, DATABASE_NAME, "t_migrations_separators") as targets:
        yield targets


def _lexemes(url: str, title: str) -> set[str]:
    with connect_sync(url, 10) as conn:
        rows = conn.execute(
            "SELECT v.lexeme FROM pressroom.search_documents d, unnest(d.terms) AS v "
            "WHERE d.title = %s AND v.lexeme NOT LIKE '§%%' AND v.lexeme NOT LIKE '%% %%'",
            [title],
        ).fetchall()
    return {str(row[0]) for row in rows}


def test_documents_follow_the_separators_rule_both_ways(
    migrated_database: DatabaseTargets,
) -> None:
    """Migration 0016 writes again the documents of articles holding a decimal separator, with
    the new rule going up and the old one going down, and leaves the others alone."""
    url = migrated_database.owner
    titles = ("تورم ۳٫۲ درصد شد", "تورم سالانه اعلام شد")

    async def load() -> None:
        conn = await asyncpg.connect(migrated_database.writer)
        try:
            base = next(iter(generate_articles(1, 1, seed=3)))
            await upsert_sites(conn, sample_sites(1, seed=3))
            await load_articles(
                conn,
                [
                    replace(
                        base,
                        url=f"https://{base.site}/n/{n}",
                        title=title,
                        summary="",
                        body="",
                        tags=(),
                    )
                    for n, title in enumerate(titles)
                ],
            )
        finally:
            await conn.close()

    asyncio.run(load())
    assert {"3.2", "تورم"} <= _lexemes(url, titles[0])
    # Later migrations write every document again (0022: its time markers), so whether 0016
    # leaves the others alone is seen across 0016 only.
    migrate.downgrade(url, 10, "0016_decimal_separators")
    untouched = "SELECT xmin::text FROM pressroom.search_documents WHERE title = %s"
    with connect_sync(url, 10) as conn:
        before = conn.execute(untouched, [titles[1]]).fetchone()
    migrate.downgrade(url, 10, "0015_bounded_body_terms")
    words = _lexemes(url, titles[0])
    assert {"3", "2"} <= words
    assert "3.2" not in words
    migrate.upgrade(url, 10, "0016_decimal_separators")
    assert "3.2" in _lexemes(url, titles[0])
    with connect_sync(url, 10) as conn:
        assert conn.execute(untouched, [titles[1]]).fetchone() == before
    migrate.upgrade(url, 10)
    assert "3.2" in _lexemes(url, titles[0])
