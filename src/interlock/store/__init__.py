"""The store: SQLAlchemy 2 models, SQLite/PostgreSQL engines, Alembic migrations.

`default_db_url`, `StoreError` and the URL helpers import no SQLAlchemy (the `check` hot path
uses them to learn whether a store is configured); `open_store`/`Store` load the ORM lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import StoreError
from .location import default_data_dir, default_db_url, safe_url, sqlite_path

if TYPE_CHECKING:
    from .store import Store, StoreSettings, open_store

__all__ = ["Store", "StoreError", "StoreSettings", "default_data_dir", "default_db_url",
           "open_store", "safe_url", "sqlite_path"]


def __getattr__(name: str) -> Any:
    if name in ("Store", "StoreSettings", "open_store"):
        from . import store

        return getattr(store, name)
    raise AttributeError(name)
