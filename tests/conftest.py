"""Fixtures that start real servers with pressroom's own stack code; nothing is faked.

One stack (PostgreSQL + Redis) per test run; the migrated `pressroom` database serves as the
template from which each test module gets its own database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from pressroom.config import Settings
from pressroom.db.roles import DATABASE_NAME
from pressroom.db.targets import DatabaseTargets
from pressroom.local.stack import Stack
from pressroom.sample.loading import CorpusShape, load_sample_corpus
from tests.support import (
    clone_database,
    cloned_database,
    scratch_dir,
    stack_settings,
)

CORPUS_ARTICLES = 3000
CORPUS_SITES = 8
CORPUS_TEMPLATE = "t_corpus_template"


@pytest.fixture(scope="session")
def stack() -> Iterator[Settings]:
    """A running local stack for the whole run, torn down at the end."""
    with scratch_dir() as data_dir:
        settings = stack_settings(data_dir / "stack")
        stack = Stack(settings)
        try:
            stack.up(with_api=False)
            yield settings
        finally:
            stack.down()


def _module_database_name(request: pytest.FixtureRequest) -> str:
    return "t_" + re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])[:50]


@pytest.fixture(scope="module")
def database(stack: Settings, request: pytest.FixtureRequest) -> Iterator[DatabaseTargets]:
    """A database of this test module's own, cloned from the migrated template."""
    with cloned_database(stack, DATABASE_NAME, _module_database_name(request)) as targets:
        yield targets


async def _connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def writer(database: DatabaseTargets) -> AsyncIterator[asyncpg.Connection]:
    async for conn in _connected(database.writer):
        yield conn


@pytest.fixture
async def reader(database: DatabaseTargets) -> AsyncIterator[asyncpg.Connection]:
    async for conn in _connected(database.reader):
        yield conn


@pytest.fixture
async def owner(database: DatabaseTargets) -> AsyncIterator[asyncpg.Connection]:
    async for conn in _connected(database.owner):
        yield conn


@pytest.fixture(scope="session")
def corpus_template(stack: Settings) -> str:
    """A database holding the sample corpus, loaded once per run (vectors make loading the
    slow part) and copied by every module that wants it."""
    targets = clone_database(stack, DATABASE_NAME, CORPUS_TEMPLATE)
    shape = CorpusShape(CORPUS_ARTICLES, CORPUS_SITES, seed=0)
    asyncio.run(load_sample_corpus(targets.writer, targets.owner, shape))
    return CORPUS_TEMPLATE


@pytest.fixture(scope="module")
def corpus(
    stack: Settings,
    corpus_template: str,
    database: DatabaseTargets,
    request: pytest.FixtureRequest,
) -> DatabaseTargets:
    """The module database, replaced by a copy of the corpus: a few thousand sample articles,
    analyzed."""
    return clone_database(stack, corpus_template, _module_database_name(request))
