"""Canonical JSON and the action hash (DESIGN.md "Action hash").

SHA-256 over sorted-key, whitespace-free UTF-8 JSON of the normalised envelope. The same action
hashes the same whatever the key order or whitespace of its input; any field change changes it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .envelope import Action


def canonical_json(value: Any) -> bytes:
    # allow_nan=False: NaN/Infinity are not JSON and have no canonical form.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def action_hash(action: Action) -> str:
    return hashlib.sha256(canonical_json(action.envelope())).hexdigest()
