"""Run the app under uvicorn and print the URL it listens on (the real port when --port 0)."""

from __future__ import annotations

import gc
import sys

import uvicorn
from fastapi import FastAPI

from .settings import ServerSettings


def tune_gc() -> None:
    """Freeze what start-up allocated (modules, the app, the policy, the ORM registry) out of
    the cyclic GC's reach, and collect the young generation less often. Without it a full
    collection walked all of it every couple of seconds under load: 65 ms pauses, the p99.
    Reference counting still frees everything; only cycle detection skips the frozen set."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, settings: ServerSettings):
        super().__init__(config)
        self._settings = settings

    async def startup(self, sockets=None) -> None:  # type: ignore[no-untyped-def]
        await super().startup(sockets)
        if self.should_exit:
            return
        tune_gc()
        port = self._settings.port
        for server in getattr(self, "servers", []):
            for sock in server.sockets or ():
                port = sock.getsockname()[1]
                break
        scheme = "https" if self._settings.tls_cert else "http"
        host = self._settings.host
        shown = f"[{host}]" if ":" in host else host
        # The one stdout line: scripts and tests read the URL from it.
        print(f"interlock serve: listening on {scheme}://{shown}:{port}", flush=True)


def run(app: FastAPI, settings: ServerSettings) -> int:
    # The event loop shares the GIL with worker threads (token lookups, votes, the notifier).
    # With the default 5 ms switch interval, a loop thread that releases the GIL for a syscall
    # can wait that long to get it back: a p99 convoy.
    sys.setswitchinterval(0.0002)
    config = uvicorn.Config(app, host=settings.host, port=settings.port,
                            ssl_certfile=settings.tls_cert, ssl_keyfile=settings.tls_key,
                            log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=5, server_header=False)
    server = _Server(config, settings)
    try:
        server.run()
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        print(f"interlock serve: cannot listen on {settings.host}:{settings.port}: {e}",
              file=sys.stderr)
        return 1
    return 0 if server.started else 1


def run_workers(settings: ServerSettings, workers: int) -> int:
    """N worker processes on one socket (uvicorn's supervisor). Each has its own group commit;
    they serialise on the store's write lock (best on PostgreSQL)."""
    import os

    from .settings import ENV_VAR

    os.environ[ENV_VAR] = settings.to_json()
    scheme = "https" if settings.tls_cert else "http"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"interlock serve: listening on {scheme}://{host}:{settings.port} "
          f"({workers} workers)", flush=True)
    try:
        uvicorn.run("interlock.server.app:app_from_env", factory=True, workers=workers,
                    host=settings.host, port=settings.port, ssl_certfile=settings.tls_cert,
                    ssl_keyfile=settings.tls_key, log_level="warning", access_log=False,
                    server_header=False, timeout_graceful_shutdown=5)
    except KeyboardInterrupt:
        return 130
    return 0
