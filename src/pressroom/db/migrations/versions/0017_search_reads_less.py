"""Searches read less: no count beyond the windows read, cheaper scoring, empty windows
skipped, a rare word's older matches read at once.

Revision ID: 0017_search_reads_less
Revises: 0016_decimal_separators
"""

from pressroom.db.migrate import run_sql_file

revision = "0017_search_reads_less"
down_revision = "0016_decimal_separators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0017_search_reads_less.up.sql")


def downgrade() -> None:
    run_sql_file("0017_search_reads_less.down.sql")
    # Migration 0014's own file restores its functions, word for word.
    run_sql_file("0014_finer_windows.up.sql")
