"""`create_app(settings)` → the FastAPI application (DESIGN.md "HTTP API and bootstrap contract").

`app.state.ctx` holds the ServerContext (store, decider, notifier, metrics) that the routes and
the web inbox (`server/web`, mounted last when present) share.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ..pipeline import Decider
from ..store.store import Store, StoreSettings, open_store
from . import errors
from .context import ServerContext
from .metrics import Metrics
from .middleware import RequestMiddleware, configure_logging
from .notify import Notifier
from .routes import audit, controls, decisions, ops, requests
from .settings import ServerSettings
from .writer import SerialStore, WalCheckpointer

API_VERSION = "1"


def open_server_store(settings: ServerSettings) -> Store:
    store_settings = StoreSettings(request_ttl=settings.request_ttl)
    if settings.signing_key:
        store_settings.key_path = Path(settings.signing_key)
    return open_store(settings.db_url, settings=store_settings)


def build_context(settings: ServerSettings, store: Store) -> ServerContext:
    """The shared state; `ctx.store` is `store` with this process's writes serialised."""
    serial = store if isinstance(store, SerialStore) else SerialStore(store)
    metrics = Metrics()
    holder: list[ServerContext] = []
    decider = Decider(settings.policy, settings.inventory, settings.env,
                      terraform_plans=settings.terraform_plans,
                      controls=lambda: holder[0].controls())
    ctx = ServerContext(settings, serial, decider, Notifier(serial, settings, metrics),  # type: ignore[arg-type]
                        metrics)
    holder.append(ctx)
    if ctx.notifier.enabled:
        metrics.gauge("interlock_notifications_pending", "webhook messages waiting for delivery",
                      ctx.notifier.pending)
    return ctx


def create_app(settings: ServerSettings, *, store: Store | None = None) -> FastAPI:
    """The API on `store` (default: open `settings.db_url`, creating the embedded store)."""
    configure_logging(settings.access_log)
    owned = store is None
    store = store if store is not None else open_server_store(settings)
    ctx = build_context(settings, store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        checkpointer = WalCheckpointer(ctx.store) if ctx.store.dialect == "sqlite" else None  # type: ignore[arg-type]
        if checkpointer is not None:
            checkpointer.start()
        ctx.notifier.start()
        try:
            yield
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            ctx.notifier.stop()
            ctx.writer.stop()
            if owned:
                ctx.store.close()

    app = FastAPI(title="interlock", version=API_VERSION, lifespan=lifespan,
                  description="A guard between AI agents and infrastructure: decisions, "
                              "approval requests, the audit log. Bearer-token auth on every "
                              "route but /healthz and /metrics.",
                  docs_url="/docs", redoc_url=None)
    app.state.ctx = ctx
    errors.install(app)
    for module in (decisions, requests, audit, controls, ops):
        app.include_router(module.router)
    app.add_middleware(RequestMiddleware, max_body=settings.max_body_bytes, metrics=ctx.metrics,
                       ctx=ctx)

    try:
        from .web import mount_web
    except ImportError:
        mount_web = None
    if mount_web:
        mount_web(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn worker processes (`serve --workers N`): settings from the
    environment variable the parent set."""
    from .serve import tune_gc

    app = create_app(ServerSettings.from_env())
    tune_gc()
    return app
