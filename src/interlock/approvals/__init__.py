"""Approval requests, votes, single-use grants and the emergency controls.

Errors (`approvals.errors`) import nothing heavy; the services load the ORM lazily so that
importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApprovalError, Conflict, Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from .controls import (
        active_breakglass,
        end_breakglass,
        freeze,
        is_frozen,
        is_killed,
        kill,
        revive,
        snapshot,
        start_breakglass,
        unfreeze,
    )
    from .locks import lock_keys
    from .requests import (
        cancel,
        get_request,
        list_requests,
        open_request,
        redeem,
        sweep_expired,
        vote,
    )
    from .views import BreakGlassView, Controls, RequestView, VoteView

_WHERE = {
    **dict.fromkeys(("active_breakglass", "end_breakglass", "freeze", "is_frozen",
                     "is_killed", "kill", "revive", "snapshot", "start_breakglass", "unfreeze"),
                    "controls"),
    **dict.fromkeys(("cancel", "get_request", "list_requests", "open_request", "redeem",
                     "sweep_expired", "vote"), "requests"),
    **dict.fromkeys(("BreakGlassView", "Controls", "RequestView", "VoteView"), "views"),
    "lock_keys": "locks",
}
__all__ = [
    "ApprovalError", "BreakGlassView", "Conflict", "Controls", "Forbidden", "InvalidInput",
    "NotFound", "RequestView", "VoteView", "active_breakglass", "cancel", "end_breakglass",
    "freeze", "get_request", "is_frozen", "is_killed", "kill", "list_requests", "lock_keys",
    "open_request", "redeem", "revive", "snapshot", "start_breakglass", "sweep_expired",
    "unfreeze", "vote",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)
