"""word_pair() inlined: neighbouring words paired in a third of the time, with the same pairs.

Revision ID: 0025_faster_pairs
Revises: 0024_phrase_positions
"""

from pressroom.db.migrate import run_sql_file

revision = "0025_faster_pairs"
down_revision = "0024_phrase_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0025_faster_pairs.up.sql")


def downgrade() -> None:
    run_sql_file("0025_faster_pairs.down.sql")
