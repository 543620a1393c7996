"""Post-mortem exports: the entries for an agent, a target or a time window, as JSON-ready
dicts and as a Markdown timeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..store import models as m
from ..store.types import iso

if TYPE_CHECKING:
    from ..store.store import Store

# Data fields that name the agent an entry concerns, and the targets/resources it touches.
AGENT_FIELDS = ("agent", "requester", "on_behalf_of")
TARGET_FIELDS = ("targets", "lock_keys", "resources")


def _ts(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)  # 3.11 reads a trailing Z
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return iso(value)


def _mentions_agent(entry: dict[str, Any], agent: str) -> bool:
    data = entry["data"]
    return (entry["actor"] == agent or entry["subject"] == agent
            or any(data.get(f) == agent for f in AGENT_FIELDS))


def _mentions_target(entry: dict[str, Any], target: str) -> bool:
    data = entry["data"]
    values: list[str] = [entry["subject"]]
    for f in TARGET_FIELDS:
        v = data.get(f)
        if isinstance(v, list):
            values.extend(str(x) for x in v)
        elif isinstance(v, str):
            values.append(v)
    return any(target in v for v in values)


def export(store: Store, *, agent: str | None = None, target: str | None = None,
           since: datetime | str | None = None, until: datetime | str | None = None,
           limit: int | None = None) -> list[dict[str, Any]]:
    """Entries (oldest first) matching every filter given: `agent` (actor, subject or the
    agent/requester/on_behalf_of of the entry), `target` (substring of a target, lock key or
    resource), `since`/`until` (inclusive bounds on the entry time, ISO text or datetime)."""
    lo, hi = _ts(since), _ts(until)
    q = select(m.AuditEntry).order_by(m.AuditEntry.seq)
    if lo is not None:
        q = q.where(m.AuditEntry.ts >= lo)
    if hi is not None:
        q = q.where(m.AuditEntry.ts <= hi)
    out: list[dict[str, Any]] = []
    with store.read() as s:
        for row in s.execute(q.execution_options(yield_per=2000)).scalars():
            entry = {"seq": row.seq, "ts": row.ts, "kind": row.kind, "actor": row.actor,
                     "subject": row.subject, "data": json.loads(row.data),
                     "prev_hash": row.prev_hash, "hash": row.hash}
            if agent is not None and not _mentions_agent(entry, agent):
                continue
            if target is not None and not _mentions_target(entry, target):
                continue
            out.append(entry)
            if limit is not None and len(out) >= limit:
                break
    return out


def _code(text: Any) -> str:
    s = str(text).replace("\n", " ").replace("`", "'")
    return f"`{s[:200]}{'…' if len(s) > 200 else ''}`"


def _decision(d: dict[str, Any]) -> str:
    n = d.get("approvals_required") or 0
    need = f", {n} approval(s)" if d.get("decision") == "require_approval" else ""
    return (f"**{d.get('decision')}** in {d.get('environment')}{need}: "
            f"{_code(d.get('summary', ''))}")


def _request(d: dict[str, Any]) -> str:
    return (f"request {_code(d.get('request_id', ''))} {d.get('state', '')} — "
            f"{_code(d.get('summary', ''))}" if d.get("summary") else
            f"request {_code(d.get('request_id', ''))} {d.get('state', '')}")


# kind → one-line description of the entry's data (anything else: its keys and values).
SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "decision": _decision,
    "request.open": _request,
    "request.approved": _request,
    "request.rejected": _request,
    "request.cancelled": _request,
    "request.expired": _request,
    "request.superseded": _request,
    "vote": lambda d: f"**{d.get('vote')}** on {_code(d.get('request_id'))}"
                      + (f" — “{d['comment']}”" if d.get("comment") else ""),
    "vote.refused": lambda d: f"vote refused on {_code(d.get('request_id'))}: {d.get('why')}",
    "grant.issued": lambda d: f"grant for {_code(d.get('request_id'))}",
    "grant.redeemed": lambda d: f"grant for {_code(d.get('request_id'))} **redeemed**",
    "redeem.refused": lambda d: f"redeem refused on {_code(d.get('request_id'))}: "
                                f"{d.get('why')}",
    "breakglass.start": lambda d: f"**BREAK-GLASS** in {d.get('tier')} for "
                                  f"{d.get('ttl_seconds')} s: {d.get('reason')}",
    "breakglass.end": lambda d: f"break-glass ended in {d.get('tier')}",
    "freeze": lambda d: f"**FREEZE** {d.get('tier')}: {d.get('reason', '')}",
    "unfreeze": lambda d: f"unfreeze {d.get('tier')}",
    "kill": lambda d: f"**KILL SWITCH** on: {d.get('reason', '')}",
    "revive": lambda d: "kill switch off",
}


def _generic(d: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_code(json.dumps(v, ensure_ascii=False))}" for k, v in d.items())


def to_markdown(entries: list[dict[str, Any]], title: str = "interlock audit timeline",
                filters: dict[str, Any] | None = None) -> str:
    lines = [f"# {title}", ""]
    shown = {k: v for k, v in (filters or {}).items() if v is not None}
    if shown:
        lines.append("Filters: " + ", ".join(f"{k} = {_code(v)}" for k, v in shown.items()))
    if entries:
        lines.append(f"Entries: {len(entries)} (seq {entries[0]['seq']}–{entries[-1]['seq']}), "
                     f"{entries[0]['ts']} to {entries[-1]['ts']}")
    else:
        lines.append("No entries match.")
    lines.append("")
    day = None
    for e in entries:
        if e["ts"][:10] != day:
            day = e["ts"][:10]
            lines += [f"## {day}", ""]
        text = SUMMARIES.get(e["kind"], _generic)(e["data"])
        lines.append(f"- **{e['ts'][11:23]}** #{e['seq']} `{e['kind']}` by {_code(e['actor'])}"
                     f" on {_code(e['subject'])} — {text}")
    lines.append("")
    return "\n".join(lines)
