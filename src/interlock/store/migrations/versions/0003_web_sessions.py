"""Web sessions in the store, so every replica knows every signed-in browser.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.String(27)  # interlock.store.types.UTCDateTime: ISO-8601 UTC text


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("flashes", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
    )
    op.create_index("ix_web_sessions_token_hash", "web_sessions", ["token_hash"])
    op.create_index("ix_web_sessions_principal", "web_sessions", ["principal"])
    op.create_index("ix_web_sessions_seen_at", "web_sessions", ["seen_at"])


def downgrade() -> None:
    op.drop_table("web_sessions")
