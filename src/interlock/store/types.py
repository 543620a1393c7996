"""Column types that round-trip the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """Fixed-width UTC text: sorts and compares like the instant it names, on every backend."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: interlock stores UTC instants only")
    return dt.astimezone(UTC).strftime(ISO_FORMAT)


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as ISO-8601 UTC text (SQLite has no timezone type)."""

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> str | None:
        return None if value is None else iso(value)

    def process_result_value(self, value: str | None, dialect) -> datetime | None:
        return None if value is None else parse_iso(value)
