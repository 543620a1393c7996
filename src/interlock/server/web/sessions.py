"""Server-side web sessions, kept in the store so that every replica shares them.

The cookie carries only a random 256-bit id; the store keeps its SHA-256 and the principal's
token as its hash, and the token is re-checked on every request, so revoking the token (or the
principal) ends the session. A restart signs nobody out; a session ends after an hour idle,
twelve hours in any case, or at sign-out."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select

from ...principals import hash_token

if TYPE_CHECKING:
    from ...store.store import Store

COOKIE = "interlock_session"
LOGIN_CSRF_COOKIE = "interlock_login_csrf"
IDLE_SECONDS = 60 * 60  # signed out after an hour without a request
MAX_SECONDS = 12 * 60 * 60  # and after 12 hours in any case
MAX_PER_PRINCIPAL = 20  # a human's oldest sessions go first beyond this
# `seen_at` is written at most this often: a page that polls every few seconds should not
# turn every poll into a write. The idle timeout is an hour, so a minute's slack is harmless.
TOUCH_SECONDS = 60


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass(slots=True)
class WebSession:
    id: str
    token_hash: str
    name: str
    csrf: str
    store: Store = field(repr=False)

    def flash(self, kind: str, text: str) -> None:
        """A message for the next page this session renders (after a POST's redirect)."""
        from ...store import models as m

        with self.store.write() as s:
            row = s.get(m.WebSession, _digest(self.id))
            if row is not None:
                row.flashes = json.dumps([*json.loads(row.flashes), [kind, text]])

    def take_flashes(self) -> list[tuple[str, str]]:
        from ...store import models as m

        with self.store.read() as s:
            row = s.get(m.WebSession, _digest(self.id))
            if row is None or row.flashes == "[]":
                return []
        with self.store.write() as s:
            row = s.get(m.WebSession, _digest(self.id))
            if row is None:
                return []
            out = [(str(k), str(t)) for k, t in json.loads(row.flashes)]
            row.flashes = "[]"
            return out


def _expired(now: datetime, created: datetime, seen: datetime) -> bool:
    return now - seen > timedelta(seconds=IDLE_SECONDS) or \
        now - created > timedelta(seconds=MAX_SECONDS)


class SessionStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, token: str, name: str) -> WebSession:
        from ...store import models as m

        sid, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.store.now()
        with self.store.write() as s:
            s.execute(delete(m.WebSession).where(or_(
                m.WebSession.seen_at < now - timedelta(seconds=IDLE_SECONDS),
                m.WebSession.created_at < now - timedelta(seconds=MAX_SECONDS))))
            mine = s.scalars(select(m.WebSession.id_hash).where(m.WebSession.principal == name)
                             .order_by(m.WebSession.seen_at.desc())).all()
            if len(mine) >= MAX_PER_PRINCIPAL:
                s.execute(delete(m.WebSession).where(
                    m.WebSession.id_hash.in_(mine[MAX_PER_PRINCIPAL - 1:])))
            s.add(m.WebSession(id_hash=_digest(sid), token_hash=hash_token(token),
                               principal=name, csrf=csrf, flashes="[]", created_at=now,
                               seen_at=now))
        return WebSession(sid, hash_token(token), name, csrf, self.store)

    def get(self, sid: str | None) -> WebSession | None:
        from ...store import models as m

        if not sid or len(sid) > 100:
            return None
        now = self.store.now()
        with self.store.read() as s:
            row = s.get(m.WebSession, _digest(sid))
            if row is None:
                return None
            created, seen = row.created_at, row.seen_at
            found = WebSession(sid, row.token_hash, row.principal, row.csrf, self.store)
        if _expired(now, created, seen):
            self.drop(sid)
            return None
        if now - seen > timedelta(seconds=TOUCH_SECONDS):
            with self.store.write() as s:
                s.execute(m.WebSession.__table__.update()
                          .where(m.WebSession.id_hash == _digest(sid)).values(seen_at=now))
        return found

    def drop(self, sid: str | None) -> None:
        from ...store import models as m

        if not sid or len(sid) > 100:
            return
        with self.store.write() as s:
            s.execute(delete(m.WebSession).where(m.WebSession.id_hash == _digest(sid)))
