"""Bring a database to the schema HEAD, programmatically, once per open."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection

from . import migrations
from .engine import WRITE_OPTION, lock_for_write
from .errors import StoreError

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    # Fast path: already at HEAD, no Alembic import.
    with engine.connect() as conn:
        if current_revision(conn) == migrations.HEAD:
            return
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        lock_for_write(conn)  # two processes opening a new store migrate once
        rev = current_revision(conn)
        if rev == migrations.HEAD:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.util import CommandError

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, "head")
        except CommandError as e:
            raise StoreError(f"cannot migrate the store from schema {rev!r}: {e} (is it from "
                             "a newer interlock?)") from None
