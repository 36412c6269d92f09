"""A document's markers inlined and its head built once, with the same documents.

Revision ID: 0026_markers_inlined
Revises: 0025_faster_pairs
"""

from pressroom.db.migrate import run_sql_file

revision = "0026_markers_inlined"
down_revision = "0025_faster_pairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0026_markers_inlined.up.sql")


def downgrade() -> None:
    run_sql_file("0026_markers_inlined.down.sql")
