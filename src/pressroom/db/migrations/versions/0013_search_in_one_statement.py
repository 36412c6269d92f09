"""A search and a suggestion are each one statement: the database walks the time windows.

Revision ID: 0013_search_in_one_statement
Revises: 0012_title_suggestions
"""

from pressroom.db.migrate import run_sql_file

revision = "0013_search_in_one_statement"
down_revision = "0012_title_suggestions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0013_search_in_one_statement.up.sql")


def downgrade() -> None:
    run_sql_file("0013_search_in_one_statement.down.sql")
