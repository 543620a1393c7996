"""Errors of the approval and identity services. Each carries the HTTP status the API layer
should answer with, so the mapping lives in one place."""

from __future__ import annotations

from ..errors import InterlockError


class ApprovalError(InterlockError):
    status = 400


class InvalidInput(ApprovalError):
    """A malformed argument: bad name, unknown role, a decision that needs no approval."""

    status = 400


class NotFound(ApprovalError):
    status = 404


class Forbidden(ApprovalError):
    """The principal may not do this (agent voting, requester voting, second vote, …)."""

    status = 403


class Conflict(ApprovalError):
    """The request is not in a state that allows this, or another open change holds the target."""

    status = 409

    def __init__(self, message: str, blocking_request: str | None = None):
        super().__init__(message)
        self.blocking_request = blocking_request


def check_text(value: object, what: str, max_len: int = 4000) -> str:
    """Free text from a person (comment, reason): bounded, and no NUL (PostgreSQL text
    cannot hold it; no reader needs it)."""
    if not isinstance(value, str) or len(value) > max_len or "\x00" in value:
        raise InvalidInput(f"{what} must be text of at most {max_len} characters, without NUL")
    return value
