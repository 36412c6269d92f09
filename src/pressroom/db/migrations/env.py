"""Alembic environment: migrations are SQL files run on one psycopg connection as the owner."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from pressroom.db.roles import SCHEMA

url: str = context.config.attributes["url"]
connect = context.config.attributes["connect"]

engine = create_engine("postgresql+psycopg://", creator=lambda: connect(url), poolclass=NullPool)

with engine.connect() as connection:
    # The version table lives in pressroom's schema, which must exist before Alembic looks.
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    connection.commit()
    context.configure(
        connection=connection,
        version_table_schema=SCHEMA,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
