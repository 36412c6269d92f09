"""Migrations are reversible and `migrate` is idempotent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pressroom.config import Settings
from pressroom.db import migrate
from pressroom.db.connect import connect_sync
from pressroom.db.targets import DatabaseTargets
from tests.support import clone_database, drop_database


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
