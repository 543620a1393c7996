"""Errors that end in a `deny` with an `error` field (never a traceback)."""


class InterlockError(Exception):
    """Base for every error interlock reports to its caller."""


class InputError(InterlockError):
    """Malformed input: bad JSON, unknown tool or field, shell text with parse errors."""


class ConfigError(InterlockError):
    """Operator configuration that cannot be used: invalid policy, inventory, store."""
