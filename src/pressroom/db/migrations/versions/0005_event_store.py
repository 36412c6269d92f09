"""Event store: events, streams, the feed sequencer, subscriptions, API keys.

Revision ID: 0005_event_store
Revises: 0004_article_search
"""

from pressroom.db.migrate import run_sql_file

revision = "0005_event_store"
down_revision = "0004_article_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0005_event_store.up.sql")


def downgrade() -> None:
    run_sql_file("0005_event_store.down.sql")
