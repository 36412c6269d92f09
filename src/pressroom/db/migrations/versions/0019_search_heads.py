"""Past the body-only floor, a full page reads only the matches whose heads hold the search.

Revision ID: 0019_search_heads
Revises: 0018_search_floor
"""

from pressroom.db.migrate import run_sql_file

revision = "0019_search_heads"
down_revision = "0018_search_floor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0019_search_heads.up.sql")


def downgrade() -> None:
    run_sql_file("0019_search_heads.down.sql")
