"""A full page's floor inside a window: the walk reads the days from the floor on, not the window.

Revision ID: 0023_floor_blocks
Revises: 0022_time_blocks
"""

from pressroom.db.migrate import run_sql_file

revision = "0023_floor_blocks"
down_revision = "0022_time_blocks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0023_floor_blocks.up.sql")


def downgrade() -> None:
    run_sql_file("0023_floor_blocks.down.sql")
