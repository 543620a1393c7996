"""Store errors: an unusable store is operator configuration the caller turns into a deny."""

from __future__ import annotations

from ..errors import ConfigError


class StoreError(ConfigError):
    """The store cannot be opened, read, migrated or written."""
