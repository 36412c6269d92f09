"""What each source last sent, field by field: a crawl revises only what its source changed.

Revision ID: 0008_source_fields
Revises: 0007_parallel_ingest
"""

from pressroom.db.migrate import run_sql_file

revision = "0008_source_fields"
down_revision = "0007_parallel_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0008_source_fields.up.sql")


def downgrade() -> None:
    run_sql_file("0008_source_fields.down.sql")
