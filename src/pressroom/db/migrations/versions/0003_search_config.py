"""Search, step 2: pressroom_fa, Persian stopwords, per-language vectors and plain queries.

Revision ID: 0003_search_config
Revises: 0002_normalize_text
"""

from pressroom.db.migrate import run_sql_file

revision = "0003_search_config"
down_revision = "0002_normalize_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0003_search_config.up.sql")


def downgrade() -> None:
    run_sql_file("0003_search_config.down.sql")
