"""Slack-compatible webhook messages (`{"text": …, "blocks": […]}`) for request events.

Built from redacted views only: a notification never carries a secret from the action.
"""

from __future__ import annotations

from typing import Any

from ..approvals.views import RequestView
from ..audit.redact import redact_text

# event → (headline emoji + verb) for the text fallback and the first block
HEADLINES = {
    "request.pending": ":warning: approval needed",
    "request.approved": ":white_check_mark: approved",
    "request.rejected": ":no_entry: rejected",
    "request.cancelled": ":heavy_multiplication_x: cancelled",
    "request.redeemed": ":arrow_forward: grant redeemed",
    "breakglass.start": ":rotating_light: BREAK-GLASS",
    "freeze": ":snowflake: freeze",
    "unfreeze": ":sunny: freeze lifted",
    "kill": ":octagonal_sign: kill switch on",
    "revive": ":arrow_forward: kill switch off",
}
MAX_SUMMARY = 300


def _clip(text: str, limit: int = MAX_SUMMARY) -> str:
    text = redact_text(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _message(text: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if fields:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields[:10]]})
    return {"text": text, "blocks": blocks}


def request_message(event: str, view: RequestView, actor: str | None = None,
                    base_url: str | None = None) -> dict[str, Any]:
    head = HEADLINES.get(event, event)
    summary = _clip(str(view.summary.get("summary", "")))
    who = view.requester + (f" on behalf of {view.on_behalf_of}" if view.on_behalf_of else "")
    text = f"interlock {head}: request {view.id} by {who} in {view.environment}: `{summary}`"
    if event == "request.pending":
        text += (f" — needs {view.approvals_required} approval(s), expires "
                 f"{view.expires_at.isoformat(timespec='seconds')}")
    elif actor:
        text += f" — by {actor}"
    fields = [("Request", view.id), ("State", view.state), ("Environment", view.environment),
              ("Approvals", f"{len(view.approvals)}/{view.approvals_required}"),
              ("Action hash", view.action_hash[:16])]
    if view.state_reason:
        fields.append(("Reason", _clip(view.state_reason, 200)))
    if base_url:
        fields.append(("Review", f"{base_url.rstrip('/')}/v1/requests/{view.id}"))
    return _message(_clip(text, 2000), fields)


def control_message(event: str, actor: str, subject: str, reason: str = "",
                    until: str | None = None) -> dict[str, Any]:
    head = HEADLINES.get(event, event)
    text = f"interlock {head}: {subject} by {actor}"
    if until:
        text += f" until {until}"
    if reason:
        text += f" — {_clip(reason, 500)}"
    return _message(_clip(text, 2000), [])
