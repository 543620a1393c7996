"""The hash chain: what an entry's hash covers, and the checkpoint signature message.

hash = SHA-256(canonical JSON of {seq, ts, kind, actor, subject, data, prev_hash}); the first
entry's prev_hash is GENESIS. `data` is stored as its canonical JSON text, so the hashed bytes
can be rebuilt without re-parsing it (verify runs at >100k entries/s).
"""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64
CHECKPOINT_DOMAIN = b"interlock-audit-checkpoint-v1\n"


# What json.dumps(str, ensure_ascii=False) returns for a str (its JSONEncoder calls exactly
# this), minus the encoder set-up per call: verify hashes five strings per entry.
_encode_str = json.encoder.encode_basestring


def _s(value: str) -> bytes:
    if not isinstance(value, str):  # json.dumps would encode a number, None…: keep it exact
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    return _encode_str(value).encode("utf-8")


def entry_bytes(seq: int, ts: str, kind: str, actor: str, subject: str, data_json: str,
                prev_hash: str) -> bytes:
    """canonical_json(entry without hash): keys sorted, no whitespace, UTF-8."""
    return b"".join((
        b'{"actor":', _s(actor), b',"data":', data_json.encode("utf-8"), b',"kind":', _s(kind),
        b',"prev_hash":', _s(prev_hash), b',"seq":', str(int(seq)).encode(),
        b',"subject":', _s(subject), b',"ts":', _s(ts), b"}"))


def entry_hash(seq: int, ts: str, kind: str, actor: str, subject: str, data_json: str,
               prev_hash: str) -> str:
    return hashlib.sha256(entry_bytes(seq, ts, kind, actor, subject, data_json,
                                      prev_hash)).hexdigest()


def checkpoint_message(seq: int, entry_hash_hex: str, ts: str, key_id: str) -> bytes:
    body = json.dumps({"hash": entry_hash_hex, "key_id": key_id, "seq": int(seq), "ts": ts},
                      sort_keys=True, separators=(",", ":"))
    return CHECKPOINT_DOMAIN + body.encode("utf-8")
