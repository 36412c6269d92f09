"""Searches estimate the totals they used to count beyond the windows they read.

Revision ID: 0017_estimated_totals
Revises: 0016_decimal_separators
"""

from pressroom.db.migrate import run_sql_file

revision = "0017_estimated_totals"
down_revision = "0016_decimal_separators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0017_estimated_totals.up.sql")


def downgrade() -> None:
    run_sql_file("0017_estimated_totals.down.sql")
    # Migration 0014's own file restores its functions, word for word.
    run_sql_file("0014_finer_windows.up.sql")
