"""Schema v1: sites, monthly-partitioned articles, canonical URLs, tags.

Revision ID: 0001_schema_v1
Revises:
"""

from pressroom.db.migrate import run_sql_file

revision = "0001_schema_v1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0001_schema_v1.up.sql")


def downgrade() -> None:
    run_sql_file("0001_schema_v1.down.sql")
