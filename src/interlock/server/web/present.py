"""Formatting for the templates: relative times, effect severity, tier badges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Verbs that lose or change data irreversibly, or that we cannot see through: highlighted.
DESTRUCTIVE_VERBS = frozenset(("delete", "replace", "forget", "privilege", "opaque"))
CAUTION_VERBS = frozenset(("create", "update", "execute", "read_secret"))
STATE_LABEL = {"pending": "Pending", "approved": "Approved", "rejected": "Rejected",
               "expired": "Expired", "cancelled": "Cancelled", "redeemed": "Redeemed"}


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _span(seconds: float) -> str:
    s = int(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{s // 86400} d"


def until(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return ""
    delta = (_aware(dt) - _aware(now)).total_seconds()
    return f"in {_span(delta)}" if delta > 0 else f"{_span(delta)} ago"


def ago(dt: datetime | str | None, now: datetime) -> str:
    if dt is None:
        return ""
    if isinstance(dt, str):
        try:
            parsed = datetime.fromisoformat(dt)
        except ValueError:
            return dt
        dt = parsed
    delta = (_aware(now) - _aware(dt)).total_seconds()
    return "just now" if delta < 5 else f"{_span(delta)} ago"


def stamp(dt: datetime | str | None) -> str:
    if dt is None:
        return ""
    if isinstance(dt, str):
        return dt.replace("T", " ")[:19]
    return _aware(dt).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def effect_level(effect: dict[str, Any]) -> str:
    """"danger" | "caution" | "safe": how loudly an effect is shown."""
    verb = str(effect.get("verb", ""))
    if verb in DESTRUCTIVE_VERBS or effect.get("risks") or (
            effect.get("stateful") and verb not in ("read", "create")):
        return "danger"
    return "caution" if verb in CAUTION_VERBS else "safe"


def minutes_left(dt: datetime, now: datetime) -> float:
    return (_aware(dt) - _aware(now)).total_seconds() / 60
