"""Request bodies and the OpenAPI description of the Action envelope."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..actions.envelope import TOOLS
from ..inventory.model import TIERS

# The Action envelope as JSON Schema, for /openapi.json. The server validates envelopes with
# the real parser (actions.parse_action), which also rejects duplicate keys and unknown fields.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["tool", "input"],
    "additionalProperties": False,
    "properties": {
        "tool": {"type": "string", "enum": list(TOOLS)},
        "input": {"type": "object", "description": "tool-specific fields (DESIGN.md)"},
        "agent": {"type": "string", "description": "optional; must be the token's agent"},
        "on_behalf_of": {"type": "string",
                         "description": "optional; must be in the token's on-behalf-of chain"},
    },
    "example": {"tool": "shell", "input": {"command": "kubectl delete ns payments"}},
}
ENVELOPE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": ENVELOPE_SCHEMA}}}}

Tier = Literal[TIERS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoteBody(Strict):
    vote: Literal["approve", "reject"]
    comment: str = Field(default="", max_length=4000)


class ReasonBody(Strict):
    reason: str = Field(default="", max_length=4000)


class BreakGlassBody(Strict):
    tier: Tier = "production"  # type: ignore[valid-type]
    reason: str = Field(min_length=1, max_length=4000)
    ttl_seconds: int | None = Field(default=None, ge=1, le=86_400)


class RevokeBody(Strict):
    disable: bool = Field(default=False, description="also disable the principal")


ERROR = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "string"}, "blocking_request": {"type": "string"}}}}}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    names = {400: "bad input", 401: "no or invalid token", 403: "not allowed",
             404: "not found", 409: "conflict", 413: "body too large", 422: "invalid body"}
    return {c: {"description": names.get(c, "error"), **ERROR} for c in codes}
