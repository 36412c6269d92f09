"""A body's search terms come from its first 60,000 characters, so no valid article overflows a
tsvector.

Revision ID: 0015_bounded_body_terms
Revises: 0014_finer_windows
"""

from pressroom.db.migrate import run_sql_file

revision = "0015_bounded_body_terms"
down_revision = "0014_finer_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0015_bounded_body_terms.up.sql")


def downgrade() -> None:
    run_sql_file("0015_bounded_body_terms.down.sql")
