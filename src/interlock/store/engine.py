"""Engines for the two supported backends, and the write serialisation each needs.

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout, and write
transactions opened with BEGIN IMMEDIATE so two writers queue instead of failing half-way.
pysqlite's own transaction handling is switched off so that the BEGIN we emit is the real one.
PostgreSQL: every write transaction takes one advisory transaction lock, so check-then-act
logic (quorum, target locks, the audit chain's next sequence number) runs one at a time.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

from .errors import StoreError
from .location import BUSY_TIMEOUT_S, is_postgres, normalise_url, safe_url, sqlite_path

WRITE_OPTION = "interlock_write"
# pg_advisory_xact_lock key for "one writer at a time" (any 64-bit constant; "interlock").
PG_WRITE_LOCK = 0x696E7465726C6B


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite:"):
        return _sqlite_engine(url)
    if is_postgres(url):
        if not url.startswith("postgresql+psycopg:"):
            raise StoreError(f"unsupported PostgreSQL driver in {safe_url(url)!r}; "
                             "use postgresql+psycopg://")
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise StoreError(f"unsupported store URL {safe_url(url)!r}: use sqlite:///PATH or "
                     "postgresql+psycopg://USER@HOST/DB")


def _sqlite_engine(url: str) -> Engine:
    if sqlite_path(url) is None:
        raise StoreError("an in-memory SQLite store would forget every approval: "
                         "use sqlite:///PATH")
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module doc)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        # NORMAL in WAL mode survives a process crash (kill -9); only power loss may drop the
        # last commits, and the database stays consistent either way.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def lock_for_write(conn: Connection) -> None:
    """Serialise writers (PostgreSQL); SQLite already holds its write lock from BEGIN IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})
