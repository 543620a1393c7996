"""Server-side web sessions, held in memory.

The cookie carries only a random 256-bit id; the principal's token stays on the server and is
re-checked on every request, so revoking the token (or the principal) ends the session. A
restart signs everyone out, and replicas do not share sessions (use sticky sessions behind a
load balancer, or sign in per replica)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "interlock_session"
LOGIN_CSRF_COOKIE = "interlock_login_csrf"
IDLE_SECONDS = 60 * 60  # signed out after an hour without a request
MAX_SECONDS = 12 * 60 * 60  # and after 12 hours in any case
MAX_SESSIONS = 10_000


@dataclass(slots=True)
class WebSession:
    id: str
    token: str
    name: str
    csrf: str
    created: float
    seen: float
    flashes: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)

    def flash(self, kind: str, text: str) -> None:
        self.flashes.append((kind, text))

    def take_flashes(self) -> list[tuple[str, str]]:
        out, self.flashes = self.flashes, []
        return out


class SessionStore:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_id: dict[str, WebSession] = {}

    def create(self, token: str, name: str) -> WebSession:
        now = self._clock()
        s = WebSession(secrets.token_urlsafe(32), token, name, secrets.token_urlsafe(32), now,
                       now)
        with self._lock:
            self._prune(now)
            if len(self._by_id) >= MAX_SESSIONS:  # drop the stalest rather than grow forever
                oldest = min(self._by_id.values(), key=lambda x: x.seen)
                self._by_id.pop(oldest.id, None)
            self._by_id[s.id] = s
        return s

    def get(self, sid: str | None) -> WebSession | None:
        if not sid or len(sid) > 100:
            return None
        now = self._clock()
        with self._lock:
            s = self._by_id.get(sid)
            if s is None:
                return None
            if now - s.seen > IDLE_SECONDS or now - s.created > MAX_SECONDS:
                self._by_id.pop(sid, None)
                return None
            s.seen = now
            return s

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)

    def _prune(self, now: float) -> None:
        dead = [k for k, s in self._by_id.items()
                if now - s.seen > IDLE_SECONDS or now - s.created > MAX_SECONDS]
        for k in dead:
            del self._by_id[k]
