"""A phrase of three places or more: found by its pairs, its positions checked in the head first.

Revision ID: 0024_phrase_positions
Revises: 0023_floor_blocks
"""

from pressroom.db.migrate import run_sql_file

revision = "0024_phrase_positions"
down_revision = "0023_floor_blocks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0024_phrase_positions.up.sql")


def downgrade() -> None:
    run_sql_file("0024_phrase_positions.down.sql")
