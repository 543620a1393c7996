"""Where the embedded store lives, and URL helpers. No SQLAlchemy here: `check` imports this to
learn whether a store is configured without paying for the ORM."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

DB_FILE = "interlock.db"
KEY_FILE = "audit-signing.key"
SQLITE_PREFIX = "sqlite:///"
BUSY_TIMEOUT_S = 15.0
# `scheme://user:password@host` → password hidden in every message we print.
_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]*@", re.IGNORECASE)


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "interlock"
    return Path(env.get("HOME") or Path.home()) / ".interlock"


def default_db_url(environ: Mapping[str, str] | None = None) -> str:
    """`$XDG_DATA_HOME/interlock/interlock.db`, else `~/.interlock/interlock.db`, as a URL."""
    return SQLITE_PREFIX + str(default_data_dir(environ) / DB_FILE)


def sqlite_path(url: str) -> Path | None:
    """The database file of a `sqlite:///PATH` URL; None for other URLs and in-memory SQLite."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX):].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgresql+", "postgres://"))


def safe_url(url: str) -> str:
    """The URL with its password replaced, for messages."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def normalise_url(url: str) -> str:
    """Accept `postgres://` and driverless `postgresql://` as psycopg 3 URLs."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
