"""Parallel ingestion: committed batches recorded by the input range they covered.

Revision ID: 0007_parallel_ingest
Revises: 0006_ingest
"""

from pressroom.db.migrate import run_sql_file

revision = "0007_parallel_ingest"
down_revision = "0006_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0007_parallel_ingest.up.sql")


def downgrade() -> None:
    run_sql_file("0007_parallel_ingest.down.sql")
