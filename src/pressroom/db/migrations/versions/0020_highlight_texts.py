"""Snippets are highlighted in text normalised when the article is written.

Revision ID: 0020_highlight_texts
Revises: 0019_search_heads
"""

from pressroom.db.migrate import run_sql_file

revision = "0020_highlight_texts"
down_revision = "0019_search_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0020_highlight_texts.up.sql")


def downgrade() -> None:
    run_sql_file("0020_highlight_texts.down.sql")
