"""Webhook notifications: Slack-compatible JSON when a request needs approval and when it is
decided, delivered from the store outbox by a background worker, retried after failures, never
blocking or losing a decision, and never carrying a secret."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401
from test_api_support import kubectl, start_api


class Receiver:
    """A local webhook endpoint that answers 500 to its first `fail_first` posts."""

    def __init__(self, fail_first: int = 0):
        self.messages: list[dict] = []
        self.attempts = 0
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                if receiver.attempts <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.messages.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, n: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def close(self) -> None:
        self.httpd.shutdown()


FAST = {"webhook_backoff_initial": 0.05, "webhook_backoff_max": 0.2, "notify_poll_seconds": 0.05}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_pending_and_decided_notifications(store, tmp_path, receiver) -> None:
    api = start_api(store, tmp_path, webhook_url=receiver.url, **FAST)
    try:
        env = kubectl()
        env["input"]["command"] += " --token=s3cr3tvalue123"
        status, d = api.decide("bot", env)
        assert status == 200 and d["request_id"]
        rid = d["request_id"]
        api.decide("bot", env)  # the identical request again: no second notification
        msgs = receiver.wait_for(1)
        assert len(msgs) == 1
        assert set(msgs[0]) == {"text", "blocks"}
        assert "approval needed" in msgs[0]["text"] and rid in msgs[0]["text"]
        assert "needs 2 approval" in msgs[0]["text"]
        assert api.vote("bob", rid)[0] == 200  # still pending: no message
        assert api.vote("carol", rid)[1]["state"] == "approved"
        msgs = receiver.wait_for(2)
        assert len(msgs) == 2 and "approved" in msgs[1]["text"] and "carol" in msgs[1]["text"]
        assert all("s3cr3tvalue123" not in json.dumps(m) for m in msgs)
        # a veto is announced as well
        _, d2 = api.decide("bot", kubectl(ns="other"))
        api.vote("bob", d2["request_id"], "reject", "no")
        msgs = receiver.wait_for(4)
        assert "rejected" in msgs[-1]["text"]
    finally:
        api.server.stop()


def test_failing_receiver_is_retried(store, tmp_path) -> None:
    receiver = Receiver(fail_first=3)
    api = start_api(store, tmp_path, webhook_url=receiver.url, **FAST)
    try:
        start = time.monotonic()
        status, d = api.decide("bot", kubectl())
        assert status == 200 and d["request_id"]
        assert time.monotonic() - start < 2  # delivery never blocks the decision
        msgs = receiver.wait_for(1)
        assert len(msgs) == 1 and receiver.attempts == 4
        # the receiver holds the message before the worker has read the 200 and marked it sent
        notifier, deadline = api.app.state.ctx.notifier, time.monotonic() + 10
        while notifier.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert notifier.pending() == 0
    finally:
        api.server.stop()
        receiver.close()


def test_unreachable_receiver_never_loses_the_decision(store, tmp_path) -> None:
    # nothing listens on this port; give up after 2 attempts and audit that
    api = start_api(store, tmp_path, webhook_url="http://127.0.0.1:9/hook",
                    webhook_max_attempts=2, webhook_timeout=0.5, **FAST)
    try:
        status, d = api.decide("bot", kubectl())
        assert status == 200 and d["request_id"]
        deadline = time.monotonic() + 10
        while "notify.failed" not in api.audit_kinds() and time.monotonic() < deadline:
            time.sleep(0.05)
        kinds = api.audit_kinds()
        assert "notify.failed" in kinds and "request.open" in kinds and "decision" in kinds
        assert api("GET", "/v1/audit/verify", "root")[1]["ok"]
    finally:
        api.server.stop()


def test_outbox_survives_a_restart(store, tmp_path) -> None:
    """A message queued while the receiver is down is delivered by the next server."""
    api = start_api(store, tmp_path, webhook_url="http://127.0.0.1:9/hook",
                    webhook_timeout=0.2, webhook_backoff_initial=60, notify_poll_seconds=0.05)
    try:
        assert api.decide("bot", kubectl())[0] == 200
        time.sleep(0.3)
    finally:
        api.server.stop()
    receiver = Receiver()
    try:
        from interlock.server.notify import Notifier
        from interlock.server.settings import ServerSettings
        from interlock.store import models as m

        with store.write() as s:  # the backoff has not elapsed yet; make it due
            s.query(m.OutboxMessage).update({m.OutboxMessage.next_attempt_at: store.now()})
        n = Notifier(store, ServerSettings(webhook_url=receiver.url))
        assert n.drain_once() == 1
        assert "approval needed" in receiver.messages[0]["text"]
    finally:
        receiver.close()
