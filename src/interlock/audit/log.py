"""The audit log: append (inside the caller's serialised write transaction), checkpoints, verify.

Appends are serialised by the store's write lock (SQLite BEGIN IMMEDIATE, PostgreSQL advisory
lock), so the chain has exactly one head. An entry commits with the change it records, or not
at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from ..store import models as m
from ..store.errors import StoreError
from ..store.types import iso
from . import keys
from .chain import GENESIS, checkpoint_message, entry_hash
from .redact import redact

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy.orm import Session

    from ..store.store import Store

VERIFY_BATCH = 5000
_HEAD = "interlock.audit_head"
_LAST = select(m.AuditEntry.seq, m.AuditEntry.hash).order_by(m.AuditEntry.seq.desc()).limit(1)
_INSERT = insert(m.AuditEntry.__table__)  # type: ignore[arg-type]  # Core: compiled once
_COLUMNS = ("seq", "ts", "kind", "actor", "subject", "data", "prev_hash", "hash")
_SQLITE_INSERT = (f"INSERT INTO {m.AuditEntry.__tablename__} ({', '.join(_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_COLUMNS))})")
_CURSOR = "interlock.audit_cursor"


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    ts: str
    key_id: str
    signature: str


@dataclass(slots=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    last_signed_seq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


class AuditLog:
    def __init__(self, store: Store):
        self.store = store
        self._key: Ed25519PrivateKey | None = None
        self._key_id: str | None = None

    # -- append ---------------------------------------------------------------------------
    def append(self, session: Session, kind: str, actor: str, subject: str,
               data: Mapping[str, Any] | None = None) -> Appended:
        """Append one entry in `session`'s write transaction (from `store.write()`).
        `data` is redacted here; callers pass the real values."""
        # The head is read once per transaction (we hold the write lock, nobody else appends).
        head = session.info.get(_HEAD)
        if head is None:
            last = session.connection().execute(_LAST).first()  # Core: no ORM row layer
            head = (last[0], last[1]) if last else (0, GENESIS)
        seq, prev = head[0] + 1, head[1]
        ts = iso(self.store.now())
        data_json = _dumps(redact(dict(data or {})))
        actor, subject = redact(actor or "-"), redact(subject or "")
        digest = entry_hash(seq, ts, kind, actor, subject, data_json, prev)
        row = (seq, ts, kind, actor, subject, data_json, prev, digest)
        cursor = session.info.get(_CURSOR)
        if cursor is None:
            conn = session.connection()
            if conn.dialect.name == "sqlite":
                # The DB-API cursor of this transaction's connection: SQLAlchemy's execute
                # costs ten times the INSERT itself, and group commit runs one per entry.
                cursor = session.info[_CURSOR] = conn.connection.driver_connection.cursor()
            else:
                session.info[_CURSOR] = False
        if cursor:
            cursor.execute(_SQLITE_INSERT, row)
        else:
            session.connection().execute(_INSERT, dict(zip(_COLUMNS, row, strict=True)))
        session.info[_HEAD] = (seq, digest)
        every = self.store.settings.checkpoint_every
        if every > 0 and seq % every == 0:
            self._sign(session, seq, digest)
        return Appended(seq, digest)

    def record(self, kind: str, actor: str, subject: str,
               data: Mapping[str, Any] | None = None) -> Appended:
        """Append one entry in its own write transaction."""
        with self.store.write() as s:
            return self.append(s, kind, actor, subject, data)

    # -- checkpoints ----------------------------------------------------------------------
    def _signing_key(self, session: Session) -> tuple[Ed25519PrivateKey, str]:
        if self._key is None:
            path = self.store.settings.key_path
            if path is None:
                raise StoreError("no signing key path configured")
            key = keys.load_or_create(path)
            pub = keys.public_hex(key)
            self._key, self._key_id = key, keys.key_id_of(pub)
        assert self._key_id is not None
        row = session.get(m.AuditKey, self._key_id)
        if row is None:
            session.add(m.AuditKey(key_id=self._key_id, public_key=keys.public_hex(self._key),
                                   created_at=self.store.now()))
            session.flush()
        elif row.retired_at is not None:
            raise StoreError(f"signing key {self._key_id} ({self.store.settings.key_path}) was "
                             "retired by a rotation; restore the current key file")
        return self._key, self._key_id

    def _sign(self, session: Session, seq: int, digest: str) -> Checkpoint:
        key, key_id = self._signing_key(session)
        ts = iso(self.store.now())
        sig = keys.sign(key, checkpoint_message(seq, digest, ts, key_id))
        session.add(m.AuditCheckpoint(seq=seq, hash=digest, ts=ts, key_id=key_id, signature=sig))
        session.flush()
        return Checkpoint(seq, digest, ts, key_id, sig)

    def checkpoint(self) -> Checkpoint | None:
        """Sign the current head now (None if the log is empty)."""
        with self.store.write() as s:
            last = s.execute(select(m.AuditEntry.seq, m.AuditEntry.hash)
                             .order_by(m.AuditEntry.seq.desc()).limit(1)).first()
            return None if last is None else self._sign(s, last[0], last[1])

    def rotate_key(self, actor: str = "local") -> str:
        """Replace the signing key; the old public key stays in `audit_keys` (retired) so old
        checkpoints keep verifying. Returns the new key id."""
        path = self.store.settings.key_path
        if path is None:
            raise StoreError("no signing key path configured")
        with self.store.write() as s:
            old = self._signing_key(s)[1] if path.exists() else None
            key = keys.replace_key(path)
            self._key, self._key_id = key, keys.key_id_of(keys.public_hex(key))
            now = self.store.now()
            if old is not None:
                s.execute(update(m.AuditKey).where(m.AuditKey.key_id == old)
                          .values(retired_at=now))
            s.add(m.AuditKey(key_id=self._key_id, public_key=keys.public_hex(key),
                             created_at=now))
            s.flush()
            entry = self.append(s, "audit.key_rotate", actor, self._key_id,
                                {"old_key_id": old, "new_key_id": self._key_id})
            if self.store.settings.checkpoint_every <= 0 or \
                    entry.seq % self.store.settings.checkpoint_every:
                self._sign(s, entry.seq, entry.hash)
            return self._key_id

    def public_keys(self) -> dict[str, str]:
        with self.store.read() as s:
            return {r.key_id: r.public_key for r in s.query(m.AuditKey)}

    # -- reading ----------------------------------------------------------------------------
    def head(self) -> Appended | None:
        with self.store.read() as s:
            last = s.execute(select(m.AuditEntry.seq, m.AuditEntry.hash)
                             .order_by(m.AuditEntry.seq.desc()).limit(1)).first()
            return None if last is None else Appended(last[0], last[1])

    def count(self) -> int:
        with self.store.read() as s:
            return s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one()

    # -- verify -----------------------------------------------------------------------------
    def verify(self, trusted_keys: Iterable[str] | None = None) -> VerifyResult:
        """Walk the chain and check every checkpoint. `trusted_keys` (public keys, hex) pins
        the signers: a key only the database vouches for is not enough then."""
        trusted = None if trusted_keys is None else {k.lower() for k in trusted_keys}
        with self.store.read() as s:
            pubs = {r.key_id: r.public_key for r in s.query(m.AuditKey)}
            cps = [Checkpoint(c.seq, c.hash, c.ts, c.key_id, c.signature)
                   for c in s.query(m.AuditCheckpoint).order_by(m.AuditCheckpoint.seq,
                                                                m.AuditCheckpoint.id)]
            want = {c.seq for c in cps}
            seen: dict[int, str] = {}
            result = self._walk(s, want, seen)
        return self._check_checkpoints(result, cps, seen, pubs, trusted)

    def _walk(self, s: Session, want: set[int], seen: dict[int, str]) -> VerifyResult:
        cols = (m.AuditEntry.seq, m.AuditEntry.ts, m.AuditEntry.kind, m.AuditEntry.actor,
                m.AuditEntry.subject, m.AuditEntry.data, m.AuditEntry.prev_hash,
                m.AuditEntry.hash)
        # Core rows (not ORM): verify reads every entry, the ORM row layer was a third of it.
        rows = s.connection().execute(select(*cols).order_by(m.AuditEntry.seq)
                                      .execution_options(yield_per=VERIFY_BATCH))
        expected, prev, count = 1, GENESIS, 0
        for seq, ts, kind, actor, subject, data, prev_hash, digest in rows:
            count += 1
            if seq != expected:
                return VerifyResult(False, count, expected,
                                    f"entry {expected} is missing (next stored entry is {seq}): "
                                    "deleted or renumbered")
            if prev_hash != prev:
                return VerifyResult(False, count, seq,
                                    f"entry {seq} does not link to entry {seq - 1}: an entry "
                                    "was inserted, reordered, or the one before it rewritten")
            try:
                ok = entry_hash(seq, ts, kind, actor, subject, data, prev_hash) == digest
            except (TypeError, ValueError, UnicodeError):
                ok = False
            if not ok:
                return VerifyResult(False, count, seq,
                                    f"entry {seq} does not match its hash: edited")
            if seq in want:
                seen[seq] = digest
            prev, expected = digest, expected + 1
        return VerifyResult(True, count)

    @staticmethod
    def _check_checkpoints(result: VerifyResult, cps: list[Checkpoint], seen: dict[int, str],
                           pubs: dict[str, str], trusted: set[str] | None) -> VerifyResult:
        last_entry = result.entries if result.ok else (result.first_bad or 1) - 1
        good_upto = 0  # the highest seq a valid checkpoint vouches for
        for cp in cps:
            pub = pubs.get(cp.key_id)
            problem = None
            if pub is None:
                problem = f"checkpoint at entry {cp.seq} names unknown key {cp.key_id}"
            elif trusted is not None and pub.lower() not in trusted:
                problem = f"checkpoint at entry {cp.seq} is signed by untrusted key {cp.key_id}"
            elif not keys.verify_signature(pub, checkpoint_message(cp.seq, cp.hash, cp.ts,
                                                                   cp.key_id), cp.signature):
                problem = f"checkpoint at entry {cp.seq} has an invalid signature"
            elif cp.seq > last_entry and result.ok:
                bad = last_entry + 1
                return VerifyResult(False, result.entries, bad,
                                    f"entries from {bad} on are missing: a signed checkpoint "
                                    f"covers entry {cp.seq} (truncated)", result.checkpoints,
                                    good_upto or None)
            elif cp.seq in seen and seen[cp.seq] != cp.hash:
                problem = (f"entries {good_upto + 1}..{cp.seq} were rewritten: entry {cp.seq} "
                           "no longer matches its signed checkpoint")
            if problem is not None:
                bad = good_upto + 1
                if result.ok or (result.first_bad is not None and bad < result.first_bad):
                    return VerifyResult(False, result.entries, bad, problem, result.checkpoints,
                                        good_upto or None)
                continue
            if cp.seq in seen:
                result.checkpoints += 1
                good_upto = max(good_upto, cp.seq)
        result.last_signed_seq = good_upto or None
        return result
