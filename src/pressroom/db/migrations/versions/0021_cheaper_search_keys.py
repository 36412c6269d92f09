"""Search keys: markers parsed for the windows read only, and no repeated words.

Revision ID: 0021_cheaper_search_keys
Revises: 0020_highlight_texts
"""

from pressroom.db.migrate import run_sql_file

revision = "0021_cheaper_search_keys"
down_revision = "0020_highlight_texts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0021_cheaper_search_keys.up.sql")


def downgrade() -> None:
    run_sql_file("0021_cheaper_search_keys.down.sql")
