"""Bulk ingestion: source digests per URL, resumable checkpoints.

Revision ID: 0006_ingest
Revises: 0005_event_store
"""

from pressroom.db.migrate import run_sql_file

revision = "0006_ingest"
down_revision = "0005_event_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0006_ingest.up.sql")


def downgrade() -> None:
    run_sql_file("0006_ingest.down.sql")
