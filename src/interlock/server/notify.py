"""Webhook notifications through a store outbox.

A message is written to the `outbox` table in the same transaction as the change it announces,
so it is never lost and never sent for a change that rolled back. A background thread claims due
rows (a lease, so a crashed sender's rows come back), POSTs them, and records success, or retries
with doubling backoff until `webhook_max_attempts`, then marks the row failed and audits that.
Delivery never blocks or fails a decision; it is at-least-once.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..audit.redact import redact
from ..store import models as m
from ..store.types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.store import Store
    from .metrics import Metrics
    from .settings import ServerSettings

log = logging.getLogger("interlock.notify")
BATCH = 20


def valid_webhook_url(url: str) -> bool:
    return url.startswith(("http://", "https://")) and len(url) < 2048


class Notifier:
    def __init__(self, store: Store, settings: ServerSettings, metrics: Metrics | None = None):
        self.store = store
        self.settings = settings
        self.url = settings.webhook_url
        self.metrics = metrics
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Retry scheduling runs on the wall clock, not the store's (tests freeze that one).
        self.clock = utcnow

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    # -- producing ----------------------------------------------------------------------------
    def enqueue(self, session: Session, event: str, subject: str, message: dict[str, Any]) -> None:
        """Queue `message` in the caller's write transaction (nothing when no webhook is set)."""
        if not self.enabled:
            return
        session.add(m.OutboxMessage(event=event, subject=subject[:200],
                                    payload=json.dumps(redact(message), ensure_ascii=False),
                                    state="pending", attempts=0, created_at=self.store.now(),
                                    next_attempt_at=self.clock(), last_error=""))

    def poke(self) -> None:
        """A message was committed: deliver now instead of at the next poll."""
        self._wake.set()

    # -- delivering -----------------------------------------------------------------------------
    def _backoff(self, attempts: int) -> timedelta:
        s = self.settings
        seconds = min(s.webhook_backoff_initial * 2 ** max(0, attempts - 1), s.webhook_backoff_max)
        return timedelta(seconds=seconds)

    def _claim(self) -> list[tuple[int, str, int]]:
        now = self.clock()
        due = (m.OutboxMessage.state == "pending") & (m.OutboxMessage.next_attempt_at <= now)
        with self.store.read() as s:  # idle servers take no write lock
            if s.execute(select(m.OutboxMessage.id).where(due).limit(1)).first() is None:
                return []
        lease = timedelta(seconds=self.settings.webhook_timeout * 2 + 5)
        with self.store.write() as s:
            rows = s.execute(select(m.OutboxMessage).where(due).order_by(m.OutboxMessage.id)
                             .limit(BATCH)).scalars().all()
            for r in rows:
                r.attempts += 1
                r.next_attempt_at = now + lease  # a crashed sender's claim lapses
            return [(r.id, r.payload, r.attempts) for r in rows]

    def _post(self, payload: str) -> str | None:
        """POST one message; None on a 2xx, else what went wrong."""
        assert self.url is not None
        req = urllib.request.Request(self.url, data=payload.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "interlock-notifier"})
        try:
            with urllib.request.urlopen(req, timeout=self.settings.webhook_timeout) as resp:
                resp.read(65536)
                return None if 200 <= resp.status < 300 else f"HTTP {resp.status}"
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}"
        except (urllib.error.URLError, OSError, ValueError) as e:
            return f"{type(e).__name__}: {getattr(e, 'reason', e)}"[:500]

    def drain_once(self) -> int:
        """Deliver what is due; returns how many were sent."""
        if not self.enabled:
            return 0
        claimed = self._claim()
        if not claimed:
            return 0
        results = [(oid, attempts, self._post(payload)) for oid, payload, attempts in claimed]
        now = self.clock()
        sent = 0
        with self.store.write() as s:
            for oid, attempts, error in results:
                row = s.get(m.OutboxMessage, oid)
                if row is None:
                    continue
                if error is None:
                    row.state, row.done_at, row.last_error = "sent", now, ""
                    sent += 1
                elif attempts >= self.settings.webhook_max_attempts:
                    row.state, row.done_at, row.last_error = "failed", now, error
                    self.store.audit.append(s, "notify.failed", "interlock", row.subject, {
                        "event": row.event, "attempts": attempts, "error": error})
                else:
                    row.last_error = error
                    row.next_attempt_at = now + self._backoff(attempts)
        for _oid, _attempts, error in results:
            outcome = "sent" if error is None else "error"
            if self.metrics is not None:
                self.metrics.inc("interlock_notifications_total", "webhook delivery attempts",
                                 outcome=outcome)
            if error is not None:
                log.warning("webhook delivery failed: %s", error)
        return sent

    def pending(self) -> int:
        with self.store.read() as s:
            return s.execute(select(func.count()).select_from(m.OutboxMessage)
                             .where(m.OutboxMessage.state == "pending")).scalar_one()

    # -- the worker thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before draining: a poke during the drain is not lost
            try:
                while self.drain_once() and not self._stop.is_set():
                    pass
            except Exception as e:  # noqa: BLE001 - keep the worker alive; the row stays queued
                log.error("notifier: %s: %s", type(e).__name__, e)
            self._wake.wait(self.settings.notify_poll_seconds)

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="interlock-notifier", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
