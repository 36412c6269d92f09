"""Inspections run against a real cluster: each test module gets its own database, connected as
the stack's superuser (as the doctor is on the local stack)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.insights.target import Target, open_target


@pytest.fixture
def admin_dsn(database: DatabaseTargets) -> str:
    assert database.admin is not None
    return database.admin


@pytest.fixture
async def target(admin_dsn: str) -> AsyncIterator[Target]:
    async with open_target(admin_dsn) as inspected:
        yield inspected
