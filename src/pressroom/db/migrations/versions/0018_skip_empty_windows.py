"""Searches and suggestions skip windows newer than the newest document; a rare word reads
everything older at once.

Revision ID: 0018_skip_empty_windows
Revises: 0017_estimated_totals
"""

from pressroom.db.migrate import run_sql_file

revision = "0018_skip_empty_windows"
down_revision = "0017_estimated_totals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0018_skip_empty_windows.up.sql")


def downgrade() -> None:
    run_sql_file("0018_skip_empty_windows.down.sql")
    # The functions as migrations 0014 and 0017 left them, from their own files: 0017's down
    # drops both, 0014's up creates both as 0014 had them, 0017's up replaces its search one.
    run_sql_file("0017_estimated_totals.down.sql")
    run_sql_file("0014_finer_windows.up.sql")
    run_sql_file("0017_estimated_totals.up.sql")
