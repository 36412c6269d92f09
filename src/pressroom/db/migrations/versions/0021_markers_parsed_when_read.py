"""Window markers are parsed as tsquery only for the windows a search reads.

Revision ID: 0021_markers_parsed_when_read
Revises: 0020_highlight_texts
"""

from pressroom.db.migrate import run_sql_file

revision = "0021_markers_parsed_when_read"
down_revision = "0020_highlight_texts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0021_markers_parsed_when_read.up.sql")


def downgrade() -> None:
    run_sql_file("0021_markers_parsed_when_read.down.sql")
