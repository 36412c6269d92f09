"""Large values compressed with lz4 where the server has it: a cheaper write for every article.

Revision ID: 0010_lz4
Revises: 0009_faster_normalize
"""

from pressroom.db.migrate import run_sql_file

revision = "0010_lz4"
down_revision = "0009_faster_normalize"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0010_lz4.up.sql")


def downgrade() -> None:
    run_sql_file("0010_lz4.down.sql")
