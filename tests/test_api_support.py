"""Helpers for the HTTP API tests (no tests here): a real uvicorn server in a thread on a free
loopback port, a tiny urllib client, and a populated store."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INVENTORY = """\
default = "production"
[[rule]]
tier = "production"
kube_context = ["prod-*"]
[[rule]]
tier = "staging"
kube_context = ["stage-*"]
[[rule]]
tier = "development"
kube_context = ["dev-*"]
"""
# name → (kind, roles, acts_for)
PEOPLE: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "alice": ("human", ("approver", "operator"), None),
    "bob": ("human", ("approver",), None),
    "carol": ("human", ("approver",), None),
    "dave": ("human", ("approver",), None),
    "opal": ("human", ("operator",), None),
    "root": ("human", ("admin",), None),
    "viewer": ("human", (), None),
    "bot": ("agent", (), "alice"),
    "bot2": ("agent", (), None),
}


def kubectl(verb_obj: str = "delete deploy web", ns: str = "payments",
            context: str = "prod-eu") -> dict[str, Any]:
    return {"tool": "shell", "input": {
        "command": f"kubectl {verb_obj} -n {ns} --context {context}", "cwd": "/tmp"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving `app` on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any):
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def call(url: str, method: str, path: str, token: str | None = None, body: Any = None,
         raw: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    ctype = ""
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode("utf-8", "replace") + ctype


@dataclass
class Api:
    url: str
    store: Any
    tokens: dict[str, str]
    server: LiveServer
    app: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def __call__(self, method: str, path: str, who: str | None = None, body: Any = None,
                 **kw: Any) -> tuple[int, Any]:
        return call(self.url, method, path, self.tokens.get(who) if who else None, body, **kw)

    def decide(self, who: str, envelope: dict[str, Any]) -> tuple[int, Any]:
        return self("POST", "/v1/decisions", who, envelope)

    def vote(self, who: str, rid: str, vote: str = "approve", comment: str = "ok"
             ) -> tuple[int, Any]:
        return self("POST", f"/v1/requests/{rid}/votes", who, {"vote": vote, "comment": comment})

    def audit_kinds(self) -> list[str]:
        from interlock.audit.timeline import export

        return [e["kind"] for e in export(self.store)]


def add_people(store: Any) -> dict[str, str]:
    from interlock.principals import add_principal

    tokens = {}
    for name, (kind, roles, acts_for) in PEOPLE.items():
        tokens[name] = add_principal(store, name, kind, roles, acts_for)[1]
    return tokens


def start_api(store: Any, tmp_path: Path, **settings_kw: Any) -> Api:
    from interlock.server.app import create_app
    from interlock.server.settings import ServerSettings

    inv = tmp_path / "inventory.toml"
    inv.write_text(INVENTORY)
    settings = ServerSettings(db_url=store.url, inventory=str(inv), access_log=False,
                              **settings_kw)
    from interlock.store import models as m

    with store.write() as s:  # tests/pg.py truncates the 0001 tables only
        s.query(m.OutboxMessage).delete()
    tokens = add_people(store)
    app = create_app(settings, store=store)
    server = LiveServer(app)
    return Api(server.url, store, tokens, server, app)
