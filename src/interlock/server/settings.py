"""`interlock serve` settings: one dataclass the CLI, the tests and the web inbox share."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any

DEFAULT_HOST = "127.0.0.1"  # loopback unless the operator says otherwise (DESIGN.md)
DEFAULT_PORT = 8733
ENV_VAR = "INTERLOCK_SERVE_SETTINGS"  # how `serve --workers N` hands settings to its workers


@dataclass(slots=True)
class ServerSettings:
    db_url: str | None = None  # None: the embedded SQLite store (store.location.default_db_url)
    inventory: str | None = None
    policy: str | None = None
    env: str | None = None  # default tier for targets no inventory rule names
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    webhook_url: str | None = None  # Slack-compatible incoming webhook
    tls_cert: str | None = None
    tls_key: str | None = None
    request_ttl: timedelta = timedelta(hours=1)
    max_body_bytes: int = 1_048_576
    signing_key: str | None = None  # audit checkpoint key file (default: next to the store)
    terraform_plans: bool = False
    # How long a token lookup / the emergency-controls snapshot may be reused. 0 = every call
    # reads the store. Changes made through this server's API clear the caches at once; a
    # change made elsewhere (CLI, another replica) is seen within this many seconds.
    auth_cache_seconds: float = 1.0
    controls_cache_seconds: float = 0.25
    # Webhook delivery: per-attempt timeout, retry backoff (doubling, capped), give-up count.
    webhook_timeout: float = 5.0
    webhook_backoff_initial: float = 1.0
    webhook_backoff_max: float = 300.0
    webhook_max_attempts: int = 20
    notify_poll_seconds: float = 1.0
    access_log: bool = True  # one JSON line per request on stderr

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["request_ttl"] = self.request_ttl.total_seconds()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        if "request_ttl" in data:
            data["request_ttl"] = timedelta(seconds=float(data["request_ttl"]))
        return cls(**data)

    @classmethod
    def from_env(cls) -> ServerSettings:
        text = os.environ.get(ENV_VAR)
        return cls.from_json(text) if text else cls()
