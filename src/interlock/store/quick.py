"""Read the emergency controls for `check` without loading SQLAlchemy.

Opening a store through the ORM costs ~200 ms of imports, once per hook call. On SQLite the
freeze / kill / break-glass state is three indexed SELECTs, so they run here on the standard
`sqlite3` module (~1 ms). Other backends, and databases whose schema is not current, go
through `open_store` (which migrates).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from ..approvals.views import BreakGlassView, Controls
from . import migrations
from .errors import StoreError
from .location import BUSY_TIMEOUT_S, default_db_url, normalise_url, sqlite_path

ISO = "%Y-%m-%dT%H:%M:%S.%fZ"  # store/types.py's format (not imported: it loads SQLAlchemy)


def _parse(text: str) -> datetime:
    return datetime.strptime(text, ISO).replace(tzinfo=UTC)


def read_controls(url: str | None = None, now: datetime | None = None) -> Controls:
    """The store's frozen tiers, killed agents and active break-glass. A missing or unusable
    store is a StoreError (the caller denies): this never creates a store."""
    url = normalise_url(url or default_db_url())
    now = now or datetime.now(UTC)
    db = sqlite_path(url)
    if db is None:
        return _slow(url, now)
    if not db.is_file():
        raise StoreError(f"store {db} does not exist" if not db.exists()
                         else f"store {db} is not a file")
    try:
        return _sqlite(db, now) or _slow(url, now)
    except sqlite3.Error as e:
        raise StoreError(f"store {db}: {e}") from None


def _sqlite(db: Path, now: datetime) -> Controls | None:
    conn = sqlite3.connect(f"file:{quote(str(db))}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S,
                           isolation_level=None)
    try:
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                           "name='alembic_version'").fetchone()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone() \
            if has else None
        if version is None or version[0] != migrations.HEAD:
            return None
        conn.execute("BEGIN")  # one snapshot for the three reads
        frozen = frozenset(r[0] for r in conn.execute("SELECT tier FROM freezes"))
        killed = frozenset(r[0] for r in conn.execute("SELECT agent FROM kills"))
        rows = conn.execute(
            "SELECT id, tier, human, reason, created_at, expires_at FROM breakglass "
            "WHERE ended_at IS NULL AND expires_at > ? ORDER BY expires_at",
            (now.astimezone(UTC).strftime(ISO),)).fetchall()
        conn.execute("COMMIT")
    finally:
        conn.close()
    bg = {r[1]: BreakGlassView(r[0], r[1], r[2], r[3], _parse(r[4]), _parse(r[5]), None)
          for r in rows}
    return Controls(frozen, killed, bg)


def _slow(url: str, now: datetime) -> Controls:
    from ..approvals.controls import snapshot
    from .store import open_store

    with open_store(url, create=False, clock=lambda: now) as store:
        return snapshot(store)
