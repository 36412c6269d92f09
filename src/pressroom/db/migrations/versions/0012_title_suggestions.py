"""Suggestions find unfinished words by the beginnings of title words, in an index of their own.

Revision ID: 0012_title_suggestions
Revises: 0011_search_documents
"""

from pressroom.db.migrate import run_sql_file

revision = "0012_title_suggestions"
down_revision = "0011_search_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0012_title_suggestions.up.sql")


def downgrade() -> None:
    run_sql_file("0012_title_suggestions.down.sql")
