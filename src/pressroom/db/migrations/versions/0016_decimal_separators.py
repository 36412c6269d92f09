"""The Arabic decimal and thousands separators between digits normalise to '.' and ',', and the
documents holding them are written again.

Revision ID: 0016_decimal_separators
Revises: 0015_bounded_body_terms
"""

from pressroom.db.migrate import run_sql_file

revision = "0016_decimal_separators"
down_revision = "0015_bounded_body_terms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0016_decimal_separators.up.sql")
    run_sql_file("0016_decimal_separators.reindex.sql")


def downgrade() -> None:
    # Migration 0009's own file restores its normalize_text(), word for word.
    run_sql_file("0009_faster_normalize.up.sql")
    run_sql_file("0016_decimal_separators.reindex.sql")
