"""Windows twice as long each time, read two at a time until the page is full.

Revision ID: 0014_finer_windows
Revises: 0013_search_in_one_statement
"""

from pressroom.db.migrate import run_sql_file

revision = "0014_finer_windows"
down_revision = "0013_search_in_one_statement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The functions take a new argument: migration 0013's own file drops them first.
    run_sql_file("0013_search_in_one_statement.down.sql")
    run_sql_file("0014_finer_windows.up.sql")


def downgrade() -> None:
    run_sql_file("0014_finer_windows.down.sql")
    # Migration 0013's own file restores its functions, word for word.
    run_sql_file("0013_search_in_one_statement.up.sql")
