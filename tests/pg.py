"""Store fixtures for the store/approvals/audit tests: a real PostgreSQL server and SQLite.

One PostgreSQL server per pytest process (initdb + pg_ctl in a temp dir, unix socket only,
fsync off), started on first use and stopped when the session ends; one fresh database per test
module; tables truncated before each test. Missing binaries skip the PostgreSQL cases —
except under CI, where they must fail.

Use: `from pg import pg_url_fixture, store_fixture  # noqa: F401` in a test module, then take
`store` (parametrised sqlite/postgresql, with a settable `store.clock`) or `pg_url` as fixtures.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("INTERLOCK_PG_BIN", "/usr/lib/postgresql/15/bin"))
TABLES = ("audit_checkpoints", "audit_keys", "audit_entries", "breakglass", "kills", "freezes",
          "grants", "votes", "request_locks", "requests", "tokens", "principals")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@dataclass
class PgServer:
    root: Path
    port: int
    run_as: str | None

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{db}?host={self.root}&port={self.port}"

    def psql(self, sql: str, db: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user="postgres", dbname=db,
                             autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        _run(self, [str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                    "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _demote(user: str | None):
    if user is None:
        return None
    pw = pwd.getpwnam(user)

    def fn() -> None:
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return fn


def _run(server: PgServer, argv: list[str], check: bool = True) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                          preexec_fn=_demote(server.run_as), cwd=server.root, timeout=60)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n"
                           f"{proc.stderr}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SERVER: PgServer | None = None


def server(config: pytest.Config) -> PgServer:
    """The process-wide server, started on first call; stopped at the end of the session."""
    global _SERVER
    if _SERVER is not None:
        return _SERVER
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        msg = f"PostgreSQL binaries not found in {PG_BIN} (apt install postgresql-15)"
        if _ci():
            pytest.fail(f"CI: {msg}")
        pytest.skip(msg)
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="ilpg-"))  # short: unix socket paths are limited
    if os.geteuid() == 0:  # initdb refuses root
        run_as = "postgres"
        pw = pwd.getpwnam(run_as)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    srv = PgServer(root, _free_port(), run_as)
    try:
        _run(srv, [str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        opts = (f"-k {root} -p {srv.port} -c listen_addresses= -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _run(srv, [str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-o", opts, "-w",
                   "-t", "60", "-l", str(root / "log"), "start"])
    except Exception as e:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        if _ci():
            pytest.fail(f"cannot start PostgreSQL: {e}\n{log}")
        raise
    _SERVER = srv
    config.add_cleanup(_stop)
    return srv


def _stop() -> None:
    global _SERVER
    if _SERVER is not None:
        _SERVER.stop()
        _SERVER = None


@pytest.fixture(scope="module", name="pg_url")
def pg_url_fixture(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database for this test module, as a SQLAlchemy URL."""
    srv = server(request.config)
    name = "t_" + request.module.__name__.replace(".", "_")[:40] + "_" + secrets.token_hex(3)
    srv.psql(f'CREATE DATABASE "{name}"')
    yield srv.url(name)
    srv.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Clock:
    """A settable clock for stores (`store.clock = clock`)."""

    def __init__(self, now: datetime | None = None):
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


_ENGINES: dict[str, object] = {}


def truncate(url: str) -> None:
    """Empty every store table (DELETE: faster than TRUNCATE on tables this small)."""
    from sqlalchemy import create_engine, inspect, text

    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = create_engine(url, poolclass=_null_pool())
    with engine.begin() as conn:  # type: ignore[attr-defined]
        if inspect(conn).has_table("principals"):
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


_TEMPLATE: dict[str, Path] = {}


def sqlite_template(tmp_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite store made once per session; tests copy it."""
    if "db" not in _TEMPLATE:
        from interlock.store import open_store

        path = tmp_factory.mktemp("template") / "interlock.db"
        open_store(f"sqlite:///{path}").close()
        _TEMPLATE["db"] = path
    return _TEMPLATE["db"]


@pytest.fixture(params=["sqlite", "postgresql"], name="store")
def store_fixture(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty, migrated store on each backend, with a settable `store.clock` (a Clock)."""
    from interlock.store import StoreSettings, open_store

    settings = StoreSettings(key_path=tmp_path / "keys" / "audit.key", checkpoint_every=50)
    if request.param == "sqlite":
        db = tmp_path / "interlock.db"
        shutil.copyfile(sqlite_template(request.getfixturevalue("tmp_path_factory")), db)
        url = f"sqlite:///{db}"
    else:
        url = request.getfixturevalue("pg_url")
        truncate(url)
    s = open_store(url, settings=settings, clock=Clock())
    yield s
    s.close()
