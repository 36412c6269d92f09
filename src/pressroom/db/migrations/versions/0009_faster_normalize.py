"""Normalisation that skips the work a text does not need: a cheaper vector for every article.

Revision ID: 0009_faster_normalize
Revises: 0008_source_fields
"""

from pressroom.db.migrate import run_sql_file

revision = "0009_faster_normalize"
down_revision = "0008_source_fields"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0009_faster_normalize.up.sql")


def downgrade() -> None:
    run_sql_file("0009_faster_normalize.down.sql")
