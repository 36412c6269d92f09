"""Search, step 1: pressroom.normalize_text(), the normalisation shared with Python.

Revision ID: 0002_normalize_text
Revises: 0001_schema_v1
"""

from pressroom.db.migrate import run_sql_file

revision = "0002_normalize_text"
down_revision = "0001_schema_v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0002_normalize_text.up.sql")


def downgrade() -> None:
    run_sql_file("0002_normalize_text.down.sql")
