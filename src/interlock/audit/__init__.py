"""Tamper-evident audit log: SHA-256 hash chain, Ed25519 checkpoints, verify, export.

Loaded lazily (the ORM and `cryptography` are not for the `check` hot path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .log import Appended, AuditLog, Checkpoint, VerifyResult
    from .record import record_decision
    from .timeline import export, to_markdown

__all__ = ["Appended", "AuditLog", "Checkpoint", "VerifyResult", "export", "record_decision",
           "to_markdown"]

_WHERE = {"Appended": "log", "AuditLog": "log", "Checkpoint": "log", "VerifyResult": "log",
          "export": "timeline", "to_markdown": "timeline", "record_decision": "record"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)
