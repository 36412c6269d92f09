"""Search, step 3: weighted article vectors kept by triggers, their GIN index, suggestion words.

Revision ID: 0004_article_search
Revises: 0003_search_config
"""

from pressroom.db.migrate import run_sql_file

revision = "0004_article_search"
down_revision = "0003_search_config"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0004_article_search.up.sql")


def downgrade() -> None:
    run_sql_file("0004_article_search.down.sql")
