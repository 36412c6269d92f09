"""Time markers as blocks of 1, 2, 4 ... 65,536 days: a window is a few, not dozens of days.

Revision ID: 0022_time_blocks
Revises: 0021_cheaper_search_keys
"""

from pressroom.db.migrate import run_sql_file

revision = "0022_time_blocks"
down_revision = "0021_cheaper_search_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0022_time_blocks.up.sql")


def downgrade() -> None:
    run_sql_file("0022_time_blocks.down.sql")
