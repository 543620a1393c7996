"""Opening stores: URLs, default location, SQLite settings, migrations, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401
from sqlalchemy import create_engine, text

from interlock.errors import ConfigError
from interlock.store import StoreError, default_db_url, open_store, safe_url
from interlock.store.migrations import HEAD

ROOT = Path(__file__).resolve().parents[1]


def test_default_location():
    assert default_db_url({"XDG_DATA_HOME": "/x/data", "HOME": "/h"}) == \
        "sqlite:////x/data/interlock/interlock.db"
    assert default_db_url({"HOME": "/h"}) == "sqlite:////h/.interlock/interlock.db"


def test_store_error_is_a_config_error():
    assert issubclass(StoreError, ConfigError)


def test_sqlite_created_migrated_and_configured(tmp_path):
    db = tmp_path / "sub" / "dir" / "interlock.db"
    with open_store(f"sqlite:///{db}") as s:
        assert db.exists() and (db.parent.stat().st_mode & 0o777) == 0o700
        with s.read() as ses:
            conn = ses.connection()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    with open_store(f"sqlite:///{db}", create=False):  # reopening is the fast path
        pass


def test_default_store_honours_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with open_store() as s:
        assert s.url == f"sqlite:///{tmp_path}/interlock/interlock.db"
    assert (tmp_path / "interlock" / "interlock.db").exists()


@pytest.mark.parametrize("case", ["missing", "directory", "garbage", "parent-is-file",
                                  "memory", "scheme", "newer-schema"])
def test_unusable_stores_raise_store_error(tmp_path, case):
    url = f"sqlite:///{tmp_path / 'db'}"
    kw = {}
    if case == "missing":
        kw["create"] = False
    elif case == "directory":
        (tmp_path / "db").mkdir()
    elif case == "garbage":
        (tmp_path / "db").write_bytes(b"this is not a database" * 100)
    elif case == "parent-is-file":
        (tmp_path / "f").write_text("")
        url = f"sqlite:///{tmp_path / 'f' / 'db'}"
    elif case == "memory":
        url = "sqlite:///:memory:"
    elif case == "scheme":
        url = "mysql://u:secret@h/db"
    elif case == "newer-schema":
        open_store(url).close()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        engine.dispose()
    with pytest.raises(StoreError) as err:
        open_store(url, **kw)
    assert "secret" not in str(err.value)


def test_unreachable_postgres_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="store"):
        open_store(f"postgresql+psycopg://u:pw@/db?host={tmp_path}&port=1")


def test_safe_url():
    assert safe_url("postgresql+psycopg://app:s3cret@db/x") == "postgresql+psycopg://app:***@db/x"
    assert safe_url("sqlite:////a/b") == "sqlite:////a/b"


def test_postgres_url_forms_and_migration_once(pg_url):
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with open_store(plain) as a, open_store(pg_url) as b:
        assert a.dialect == b.dialect == "postgresql"
        with b.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD


def test_models_match_migrations(store):
    """Autogenerate finds nothing to do: the shipped migration creates exactly the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from interlock.store.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Type affinity differences (UTCDateTime is String(27) underneath) are not schema drift.
    assert [d for d in diff if d[0] != "modify_type"] == []


def test_library_imports_stay_light():
    """`check` may import these without paying for SQLAlchemy, Alembic or cryptography."""
    code = ("import sys, interlock.store, interlock.approvals, interlock.audit, "
            "interlock.principals, interlock.admin_cli, interlock.store.quick;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'alembic', 'cryptography', 'psycopg')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT / "src")}, check=True).stdout
    assert out.strip() == "[]"
