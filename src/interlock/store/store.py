"""`open_store(url)` → `Store`: sessions for reads and serialised writes, settings, the clock."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Self

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import migrate
from .engine import WRITE_OPTION, lock_for_write, make_engine
from .errors import StoreError
from .location import (
    KEY_FILE,
    default_data_dir,
    default_db_url,
    normalise_url,
    safe_url,
    sqlite_path,
)
from .types import utcnow

if TYPE_CHECKING:
    from ..audit.log import AuditLog


@dataclass(slots=True)
class StoreSettings:
    request_ttl: timedelta = timedelta(hours=1)
    # Sign a checkpoint after this many entries (and on demand, e.g. `audit checkpoint`).
    checkpoint_every: int = 1000
    # Ed25519 private key for checkpoints; default: next to the SQLite file, else the data dir.
    key_path: Path | None = None
    breakglass_default_ttl: timedelta = timedelta(minutes=30)
    breakglass_max_ttl: timedelta = timedelta(hours=4)
    token_ttl: timedelta | None = None  # None: tokens live until revoked


@dataclass(eq=False)
class Store:
    url: str
    engine: Engine
    settings: StoreSettings = field(default_factory=StoreSettings)
    clock: Callable[[], datetime] = utcnow
    _audit: AuditLog | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(**{WRITE_OPTION: True}),
                                   expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def now(self) -> datetime:
        return self.clock()

    @property
    def audit(self) -> AuditLog:
        if self._audit is None:
            from ..audit.log import AuditLog

            self._audit = AuditLog(self)
        return self._audit

    @contextmanager
    def read(self) -> Iterator[Session]:
        with _store_errors(self.url), self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One serialised write transaction: commit on success, roll back on any exception."""
        with _store_errors(self.url), self._write() as session, session.begin():
            lock_for_write(session.connection())
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _store_errors(url: str) -> Iterator[None]:
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as e:
        raise StoreError(f"store {safe_url(url)}: {_short(e)}") from None


def _short(e: Exception) -> str:
    orig = getattr(e, "orig", None)
    return str(orig or e).strip().splitlines()[0] if str(orig or e).strip() else type(e).__name__


def default_key_path(url: str) -> Path:
    db = sqlite_path(url)
    return (db.parent if db is not None else default_data_dir()) / KEY_FILE


def open_store(url: str | None = None, *, create: bool = True,
               settings: StoreSettings | None = None,
               clock: Callable[[], datetime] | None = None) -> Store:
    """Open (and migrate to HEAD) the store at `url` (default: `default_db_url()`).

    `create=False` refuses to create a missing SQLite file (a configured store that is not
    there is an error, not an empty store). Every failure is a StoreError.
    """
    url = normalise_url(url or default_db_url())
    settings = settings or StoreSettings()
    if settings.key_path is None:
        settings.key_path = default_key_path(url)
    db = sqlite_path(url)
    if db is not None:
        _check_sqlite_file(db, create)
    engine = make_engine(url)
    try:
        with _store_errors(url):
            migrate.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(url, engine, settings, clock or utcnow)


def _check_sqlite_file(db: Path, create: bool) -> None:
    if db.exists():
        if not db.is_file():
            raise StoreError(f"store {db} is not a file")
        if not os.access(db, os.R_OK | os.W_OK):
            raise StoreError(f"store {db} is not readable and writable by this user")
        return
    if not create:
        raise StoreError(f"store {db} does not exist")
    try:
        db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot create the store directory {db.parent}: "
                         f"{e.strerror or e}") from None
    if not os.access(db.parent, os.W_OK | os.X_OK):
        raise StoreError(f"cannot create the store in {db.parent}: directory not writable")
