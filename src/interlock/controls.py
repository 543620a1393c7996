"""Which store's emergency controls a decision honours (DESIGN.md: `check` honours the freeze
and kill-switch state of a configured store; a configured but unreadable store denies).

A store is configured by `--db`, else $INTERLOCK_DB, else the default embedded store when its
file exists. Reading goes through `store.quick.read_controls` (plain sqlite3 on SQLite), so the
decision path does not pay for the ORM.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def configured_store(db: str | None) -> str | None:
    """The URL of the configured store, or None when none is."""
    from .store.location import default_db_url, sqlite_path

    url = db or os.environ.get("INTERLOCK_DB")
    if url:
        return url
    default = default_db_url()
    path = sqlite_path(default)
    return default if path is not None and path.exists() else None


def controls_source(db: str | None) -> Callable[[], Any] | None:
    """A reader of the configured store's controls for `Decider(controls=…)`, or None."""
    url = configured_store(db)
    if url is None:
        return None

    def read() -> Any:
        from .store.quick import read_controls

        return read_controls(url)

    return read
