"""Which environment variables hold credentials, by name (data, matched on the upper-cased name)."""

from __future__ import annotations

from fnmatch import fnmatchcase

SECRET_ENV = ("*SECRET*", "*TOKEN*", "*PASSWORD*", "*PASSWD*", "*_KEY", "*_KEYS", "*_KEY_ID",
              "*CREDENTIAL*", "*PRIVATE*", "*API_KEY*", "*APIKEY*", "*_PAT", "*SESSION*",
              "*AUTH*", "*_PASS", "*COOKIE*", "DATABASE_URL", "*_DSN", "PGPASS*")
NOT_SECRET_ENV = ("*_KEYBOARD*", "SSH_AUTH_SOCK", "*AUTHOR*")

_cache: dict[str, bool] = {}


def secret_env(name: str) -> bool:
    """Does a variable with this name likely hold a credential?"""
    got = _cache.get(name)
    if got is None:
        up = name.upper()
        got = any(fnmatchcase(up, p) for p in SECRET_ENV) and not any(
            fnmatchcase(up, p) for p in NOT_SECRET_ENV)
        if len(_cache) < 4096:
            _cache[name] = got
    return got
