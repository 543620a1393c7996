"""interlock: a guard between AI agents and infrastructure.

The SDK names are imported on first use (module `__getattr__`), so `import interlock` stays
cheap for hooks and the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sdk import ApprovalRequired, Denied, Guard, guarded

__all__ = ["ApprovalRequired", "Denied", "Guard", "guarded"]
_LAZY = {"Guard": ".sdk", "guarded": ".sdk", "Denied": ".sdk", "ApprovalRequired": ".sdk"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
