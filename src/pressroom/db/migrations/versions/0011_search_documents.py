"""Search reads one unpartitioned table of documents with time, site and pair lexemes.

Revision ID: 0011_search_documents
Revises: 0010_lz4
"""

from pressroom.db.migrate import run_sql_file

revision = "0011_search_documents"
down_revision = "0010_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0011_search_documents.up.sql")


def downgrade() -> None:
    run_sql_file("0011_search_documents.down.sql")
