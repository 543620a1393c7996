"""Secret redaction for audit entries, listings and notifications.

The patterns run on strings already extracted from an action (a command, a statement, a URL,
a header value) — they hide secrets from readers; they decide nothing. Over-redaction is safe
(the action hash binds the unredacted action), under-redaction leaks, so patterns lean wide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

MASK = "***"


def _auth(m: re.Match[str]) -> str:
    scheme = f"{m.group(2)} " if m.group(2) else ""
    return f"{m.group(1)}{scheme}{MASK}"


_Q = r"""(?:'[^']*'|"[^"]*"|[^\s'";&|]+)"""  # a quoted or bare value
# (name, pattern, replacement): applied in order to every string in audit data.
PATTERNS: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    ("private key block", re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        re.DOTALL), "-----REDACTED PRIVATE KEY-----"),
    ("password in URL", re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@"),
     rf"\1{MASK}@"),
    ("Authorization header", re.compile(
        r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*)"
        r"(?:(bearer|basic|token|digest|negotiate|aws4-hmac-sha256)\s+)?[^\s'\",;]+"), _auth),
    ("bearer token", re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{MASK}"),
    ("API key header", re.compile(r"(?i)\b((?:x-)?api[-_]?key\s*[:=]\s*)[^\s'\",;]+"),
     rf"\1{MASK}"),
    ("secret environment assignment", re.compile(
        r"(?i)\b([A-Z0-9_]*(?:PASSWORD|PASSWD|MYSQL_PWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY"
        r"|PRIVATE_KEY|CREDENTIALS?)[A-Z0-9_]*=)" + _Q), rf"\1{MASK}"),
    ("secret flag", re.compile(
        r"(?i)(--(?:password|passwd|pass|token|secret|api-key|access-key|secret-key"
        r"|client-secret|auth-token)(?:=|\s+))" + _Q), rf"\1{MASK}"),
    # mysql -pSECRET (attached value only: `-p` alone prompts; psql's -p is a port).
    ("mysql -p", re.compile(
        r"(\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mysqlimport)\b[^|;&\n]*?\s)"
        r"-p(?=[^\s])" + _Q), rf"\1-p{MASK}"),
    ("SQL password literal", re.compile(
        r"(?i)\b((?:PASSWORD|IDENTIFIED\s+BY)\s*(?:=\s*)?)'(?:[^']|'')*'"), rf"\1'{MASK}'"),
    ("JSON secret field", re.compile(
        r'(?i)("(?:password|passwd|secret|token|api_?key|access_token|refresh_token'
        r'|client_secret|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"'), rf'\1"{MASK}"'),
    ("AWS access key id", re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{4})[0-9A-Z]{12}\b"),
     rf"\1{MASK}"),
)

# Mapping keys whose values are secrets whatever they look like (compared lower-case, - → _).
SECRET_KEYS = frozenset({
    "password", "passwd", "secret", "token", "api_key", "apikey", "authorization",
    "proxy_authorization", "access_token", "refresh_token", "client_secret", "private_key",
    "cookie", "set_cookie", "x_api_key", "secret_access_key", "aws_secret_access_key",
})


# For each pattern, lower-case fragments at least one of which any match must contain. Most
# audit strings (resources, verbs, hashes) hold none, and then no regex runs at all: the
# redaction cost was most of an audited decision's. A trigger may be wider than its pattern,
# never narrower (tests/test_audit_redact.py compares against running every pattern).
TRIGGERS: dict[str, tuple[str, ...]] = {
    "private key block": ("private key",),
    "password in URL": ("://",),
    "Authorization header": ("authorization",),
    "bearer token": ("bearer",),
    "API key header": ("api",),
    "secret environment assignment": ("pass", "pwd", "secret", "token", "api", "access_key",
                                      "private_key", "credential"),
    "secret flag": ("--pass", "--token", "--secret", "--api-key", "--access-key",
                    "--client-secret", "--auth-token"),
    "mysql -p": ("mysql", "mariadb"),
    "SQL password literal": ("password", "identified"),
    "JSON secret field": ("pass", "secret", "token", "api", "authorization"),
    "AWS access key id": ("akia", "asia"),
}
_GATED = tuple((TRIGGERS[name], pattern, repl) for name, pattern, repl in PATTERNS)
# Any trigger at all, in one scan: most strings hold none and return unchanged after it.
_ANY_TRIGGER = re.compile("|".join(sorted({re.escape(t) for ts in TRIGGERS.values()
                                           for t in ts}, key=len, reverse=True)))


# text → redacted text for short strings: an agent's actions, targets and hashes recur, and
# every decision entry holds a few dozen strings. Bounded; the function is pure.
_MEMO: dict[str, str] = {}
_MEMO_MAX_LEN = 512
_MEMO_MAX_ITEMS = 8192


def redact_text(text: str) -> str:
    if len(text) > _MEMO_MAX_LEN or not text.isascii():  # memo keys: ASCII, so clean
        return _redact_text(text)
    hit = _MEMO.get(text)
    if hit is None:
        hit = _redact_text(text)
        if len(_MEMO) >= _MEMO_MAX_ITEMS:
            _MEMO.clear()
        _MEMO[text] = hit
    return hit


def _redact_text(text: str) -> str:
    if not text.isascii():
        # (?i) matches across Unicode case equivalences (ſ ~ s, K ~ k) that a lower-cased
        # substring test would miss: non-ASCII text takes every pattern.
        return redact_text_unfiltered(text)
    low = text.lower()
    if _ANY_TRIGGER.search(low) is None:
        return text
    for triggers, pattern, repl in _GATED:
        if any(t in low for t in triggers):
            text = pattern.sub(repl, text)
            low = text.lower()
    return text


def redact_text_unfiltered(text: str) -> str:
    """Every pattern, no triggers: the reference the triggers are tested against."""
    for _name, pattern, repl in PATTERNS:
        text = pattern.sub(repl, text)
    return text


def _clean(text: str) -> str:
    # Lone surrogates (legal in JSON escapes) cannot be UTF-8 encoded into the chain.
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


# Mapping key → (cleaned key, names a secret): the same few keys recur in every entry.
_KEYS: dict[str, tuple[str, bool]] = {}


def _key(k: Any) -> tuple[str, bool]:
    if type(k) is str:
        hit = _KEYS.get(k)
        if hit is not None:
            return hit
    key = _clean(str(k))
    out = (key, key.lower().replace("-", "_") in SECRET_KEYS)
    if type(k) is str and len(k) <= 64:
        if len(_KEYS) > 4096:  # bounded: arbitrary input keys cannot grow it forever
            _KEYS.clear()
        _KEYS[k] = out
    return out


def redact(value: Any) -> Any:
    """A JSON-safe, redacted copy of `value` (dicts, lists, strings, numbers, booleans)."""
    if type(value) is str:
        hit = _MEMO.get(value)
        if hit is not None:  # a clean string seen before
            return hit
        return redact_text(_clean(value))
    if isinstance(value, str):
        return redact_text(_clean(value))
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key, secret_name = _key(k)
            secret = secret_name and v not in (None, "")
            out[key] = MASK if secret else redact(v)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [redact(v) for v in items]
    return redact_text(_clean(str(value)))
