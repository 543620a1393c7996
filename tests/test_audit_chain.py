"""The audit chain: any mutation of stored entries is detected by verify() and located;
checkpoints are Ed25519-signed, survive key rotation, and catch truncation and rewrites."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pg import pg_url_fixture, store_fixture  # noqa: F401
from sqlalchemy import text

from interlock.audit.chain import GENESIS, entry_hash

N = 24
FIELDS = ("ts", "kind", "actor", "subject", "data", "prev_hash", "hash")
COLS = ("seq", "ts", "kind", "actor", "subject", "data", "prev_hash", "hash")


@pytest.fixture
def chain(store):
    for i in range(1, N + 1):
        store.audit.record(["decision", "vote", "freeze"][i % 3], f"actor{i % 4}", f"s{i}",
                           {"i": i, "note": "é ✓", "nested": {"list": [i, None, True]}})
        if i == 10:
            store.audit.checkpoint()
    store.audit.checkpoint()  # the head is signed: truncation is detectable
    assert store.audit.verify().ok
    return store


def rows(store) -> list[dict]:
    with store.engine.connect() as c:
        return [dict(r._mapping) for r in
                c.execute(text(f"SELECT {', '.join(COLS)} FROM audit_entries ORDER BY seq"))]


def put(store, entries: list[dict]) -> None:
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM audit_entries"))
        if entries:
            c.execute(text(f"INSERT INTO audit_entries ({', '.join(COLS)}) VALUES "
                           f"({', '.join(':' + k for k in COLS)})"), entries)


def rehash(e: dict) -> None:
    e["hash"] = entry_hash(e["seq"], e["ts"], e["kind"], e["actor"], e["subject"], e["data"],
                           e["prev_hash"])


def apply(entries: list[dict], mutation: tuple) -> tuple[list[dict], int, set[int]]:
    """Returns (mutated entries, lowest touched seq, acceptable first_bad values)."""
    op, i = mutation[0], mutation[1]
    out = [dict(e) for e in entries]
    if op == "edit":
        _, _, field, extra = mutation
        old = out[i - 1][field]
        if field == "data":
            new = json.dumps({**json.loads(old), "x": extra}, sort_keys=True,
                             separators=(",", ":"))
        else:  # same length (the columns are bounded), one character different
            new = old[:-1] + (extra if extra != old[-1] else extra + "_")[:1]
            new = new if new != old else old[:-1] + "~"
        out[i - 1][field] = new
        return out, i, {i}
    if op == "reseq":
        out[i - 1]["seq"] = mutation[2]
        return out, i, set(range(1, i + 1))
    if op == "delete":
        del out[i - 1]
        return out, i, {i}
    if op == "swap":
        j = mutation[2]
        a, b = sorted((i, j))
        for f in FIELDS:
            out[a - 1][f], out[b - 1][f] = out[b - 1][f], out[a - 1][f]
        return out, a, {a}
    if op == "insert":
        forged = {"seq": i, "ts": "2020-01-01T00:00:00.000000Z", "kind": "vote", "actor": "mallory",
                  "subject": "x", "data": "{}", "prev_hash": out[i - 2]["hash"] if i > 1 else GENESIS}
        rehash(forged)
        for e in out[i - 1:]:
            e["seq"] += 1
        out.insert(i - 1, forged)
        # A well-forged entry links fine; the signed checkpoint over its seq then disowns
        # everything since the previous checkpoint (it cannot tell an insert from a rewrite).
        return out, i, {i, i + 1, 1 if i <= 10 else 11}
    if op == "truncate":
        return out[: i - 1], i, {i}
    if op == "rewrite":  # edit, then recompute this and every later hash (a careful forger)
        out[i - 1]["actor"] = "mallory"
        for k in range(i - 1, len(out)):
            if k > 0:
                out[k]["prev_hash"] = out[k - 1]["hash"]
            rehash(out[k])
        # Only the signed checkpoints can tell: from just after the last good one.
        return out, i, {1, 11}
    raise AssertionError(op)


seqs = st.integers(1, N)
chars = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
               min_size=1, max_size=5)
mutations = st.one_of(
    st.tuples(st.just("edit"), seqs, st.sampled_from(FIELDS), chars),
    st.tuples(st.just("reseq"), seqs, st.one_of(st.integers(-5, 0), st.integers(N + 1, N + 50))),
    st.tuples(st.just("delete"), seqs),
    st.tuples(st.just("swap"), seqs, seqs).filter(lambda m: m[1] != m[2]),
    st.tuples(st.just("insert"), st.integers(1, N)),
    st.tuples(st.just("truncate"), seqs),
    st.tuples(st.just("rewrite"), seqs),
)


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_any_mutation_is_detected_and_located(chain, mutation):
    original = rows(chain)
    mutated, _, where = apply(original, mutation)
    put(chain, mutated)
    try:
        result = chain.audit.verify()
        assert not result.ok, (mutation, result)
        assert result.first_bad in where, (mutation, result)
        assert result.reason
    finally:
        put(chain, original)
    assert chain.audit.verify().ok


def test_verify_counts_and_reports(chain):
    result = chain.audit.verify()
    assert result.to_json() == {"ok": True, "entries": N, "first_bad": None, "reason": None,
                                "checkpoints": 2, "last_signed_seq": N}


def test_empty_log_verifies(store):
    assert store.audit.verify().ok and store.audit.verify().entries == 0
    assert store.audit.checkpoint() is None


def test_checkpoints_every_n_entries(store):
    store.settings.checkpoint_every = 5
    for i in range(12):
        store.audit.record("t", "a", str(i))
    with store.read() as s:
        assert s.execute(text("SELECT seq FROM audit_checkpoints ORDER BY seq")).scalars().all() \
            == [5, 10]


def test_forged_checkpoint_signature(chain):
    with chain.engine.begin() as c:
        sig = c.execute(text("SELECT signature FROM audit_checkpoints WHERE seq = :n"),
                        {"n": N}).scalar()
        c.execute(text("UPDATE audit_checkpoints SET signature = :s WHERE seq = :n"),
                  {"s": ("00" if sig[:2] != "00" else "11") + sig[2:], "n": N})
    result = chain.audit.verify()
    assert not result.ok and "signature" in result.reason and result.first_bad == 11


def test_key_rotation_keeps_old_checkpoints_valid(chain):
    keys_before = chain.audit.public_keys()
    old_pem = chain.settings.key_path.read_bytes()
    new_id = chain.audit.rotate_key("local:test")
    assert new_id not in keys_before and chain.settings.key_path.read_bytes() != old_pem
    assert chain.settings.key_path.stat().st_mode & 0o777 == 0o600
    chain.audit.record("t", "a", "after rotation")
    chain.audit.checkpoint()
    result = chain.audit.verify()
    assert result.ok and result.checkpoints == 4, result
    all_keys = chain.audit.public_keys()
    assert set(all_keys) == set(keys_before) | {new_id}
    # Pinning only the new key: the old checkpoints no longer count.
    pinned = chain.audit.verify(trusted_keys=[all_keys[new_id]])
    assert not pinned.ok and "untrusted" in pinned.reason
    assert chain.audit.verify(trusted_keys=all_keys.values()).ok


def test_signing_key_file_is_private(store):
    store.audit.record("t", "a", "b")
    store.audit.checkpoint()
    path = store.settings.key_path
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o644)
    store._audit = None  # a fresh process loads the key again
    from interlock.store import StoreError

    with pytest.raises(StoreError, match="chmod 600"):
        store.audit.checkpoint()
