"""Initial schema: principals, tokens, requests, votes, grants, controls, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.String(27)  # interlock.store.types.UTCDateTime: ISO-8601 UTC text


def upgrade() -> None:
    op.create_table(
        "principals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("acts_for_id", sa.Integer, sa.ForeignKey("principals.id"), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("principal_id", sa.Integer, sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_index("ix_tokens_principal_id", "tokens", ["principal_id"])
    op.create_table(
        "requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("action_hash", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("plan_hash", sa.String(64), nullable=True),
        sa.Column("requester_id", sa.Integer, sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("on_behalf_of", sa.String(200), nullable=True),
        sa.Column("approvals_required", sa.Integer, nullable=False),
        sa.Column("approver_group", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(32), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("state_reason", sa.Text, nullable=False),
    )
    op.create_index("ix_requests_action_hash", "requests", ["action_hash"])
    op.create_index("ix_requests_requester_id", "requests", ["requester_id"])
    op.create_index("ix_requests_state", "requests", ["state"])
    op.create_index("ix_requests_expires_at", "requests", ["expires_at"])
    op.create_table(
        "request_locks",
        sa.Column("request_id", sa.String(32),
                  sa.ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lock_key", sa.String(512), primary_key=True),
    )
    op.create_index("ix_request_locks_key", "request_locks", ["lock_key"])
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.String(32),
                  sa.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("voter_id", sa.Integer, sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("vote", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("request_id", "voter_id", name="uq_votes_request_voter"),
    )
    op.create_index("ix_votes_request_id", "votes", ["request_id"])
    op.create_table(
        "grants",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("request_id", sa.String(32),
                  sa.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("redeemed_at", TS, nullable=True),
        sa.Column("redeemed_by", sa.String(200), nullable=True),
    )
    op.create_table(
        "freezes",
        sa.Column("tier", sa.String(32), primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "kills",
        sa.Column("agent", sa.String(200), primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "breakglass",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("human", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
    )
    op.create_index("ix_breakglass_tier", "breakglass", ["tier"])
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.String(27), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_entries_ts", "audit_entries", ["ts"])
    op.create_table(
        "audit_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("retired_at", TS, nullable=True),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(27), nullable=False),
        sa.Column("key_id", sa.String(32), sa.ForeignKey("audit_keys.key_id"), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_index("ix_audit_checkpoints_seq", "audit_checkpoints", ["seq"])


def downgrade() -> None:
    for table in ("audit_checkpoints", "audit_keys", "audit_entries", "breakglass", "kills",
                  "freezes", "grants", "votes", "request_locks", "requests", "tokens",
                  "principals"):
        op.drop_table(table)
