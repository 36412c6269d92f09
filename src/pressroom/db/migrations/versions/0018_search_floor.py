"""A full page reads no further back than its k-th best score allows.

Revision ID: 0018_search_floor
Revises: 0017_search_reads_less
"""

from pressroom.db.migrate import run_sql_file

revision = "0018_search_floor"
down_revision = "0017_search_reads_less"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0018_search_floor.up.sql")


def downgrade() -> None:
    run_sql_file("0018_search_floor.down.sql")
