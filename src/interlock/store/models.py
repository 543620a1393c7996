"""The store's tables (SQLAlchemy 2 declarative). Migrations in `migrations/versions/` create
exactly these; `tests/test_store_schema.py` checks that the two agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Principal(Base):
    __tablename__ = "principals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # human | agent
    roles: Mapped[str] = mapped_column(String(200), default="")  # sorted, comma-separated
    groups: Mapped[str] = mapped_column(Text, default="")  # approver groups, comma-separated
    acts_for_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Token(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Request(Base):
    __tablename__ = "requests"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    action_hash: Mapped[str] = mapped_column(String(64), index=True)
    policy_version: Mapped[str] = mapped_column(String(64), default="")
    plan_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), index=True)
    on_behalf_of: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approvals_required: Mapped[int] = mapped_column(Integer)
    approver_group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    environment: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(Text)  # redacted envelope, canonical JSON
    summary: Mapped[str] = mapped_column(Text, default="")  # reasons + effects, redacted JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state_reason: Mapped[str] = mapped_column(Text, default="")


class RequestLock(Base):
    """The lock keys a request holds while open (see approvals/locks.py)."""

    __tablename__ = "request_locks"
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            primary_key=True)
    lock_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    __table_args__ = (Index("ix_request_locks_key", "lock_key"),)


class Vote(Base):
    __tablename__ = "votes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("principals.id"))
    vote: Mapped[str] = mapped_column(String(8))  # approve | reject
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # One vote per human per request, enforced by the database too.
    __table_args__ = (UniqueConstraint("request_id", "voter_id", name="uq_votes_request_voter"),)


class Grant(Base):
    __tablename__ = "grants"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # One grant per request, enforced by the database.
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    redeemed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Freeze(Base):
    __tablename__ = "freezes"
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Kill(Base):
    __tablename__ = "kills"
    agent: Mapped[str] = mapped_column(String(200), primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BreakGlass(Base):
    __tablename__ = "breakglass"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), index=True)
    human: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(27), index=True)  # ISO UTC text, hashed as is
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(512))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditKey(Base):
    __tablename__ = "audit_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # raw Ed25519 public key, hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(27))
    key_id: Mapped[str] = mapped_column(ForeignKey("audit_keys.key_id"))
    signature: Mapped[str] = mapped_column(String(128))  # hex


class OutboxMessage(Base):
    """Notifications waiting for delivery (server/notify.py). A row commits with the change it
    announces; a worker sends it and retries with backoff until delivered or given up."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)  # redacted JSON
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)


class WebSession(Base):
    """A signed-in human's browser session, shared by every replica on the store. The cookie
    holds a random id and only its SHA-256 is kept here; the principal's token is kept only as
    its hash (the tokens table's key), so a copy of this table signs nobody in."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    principal: Mapped[str] = mapped_column(String(200), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    flashes: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[kind, text], ...]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
