"""Fuzz: any input → no exception, JSON-serialisable output, and `deny` with `error` when malformed.

In process through Decider.decide_raw / decide (hypothesis), then a sample through the real CLI
(one --batch process for bulk, a few single spawns)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.actions import action_hash, parse_action
from interlock.errors import InputError
from interlock.pipeline import Decider, load_json

DECIDER = Decider(default_tier="staging")
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Every code point, lone surrogates included (valid in a Python str, not encodable as UTF-8).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=())
any_text = st.text(any_char, max_size=30)
json_leaf = (st.none() | st.booleans() | st.integers() | st.floats() | any_text
             | st.sampled_from(["shell", "sql", "http", "mcp", "file_write", "file_delete",
                                "terraform", "GET", "DELETE", "postgres", "/", "~", "..",
                                "SELECT 1", "DROP TABLE t", "rm -rf /"]))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(any_text | st.sampled_from(
                              ["tool", "input", "agent", "on_behalf_of", "command", "statement",
                               "dialect", "method", "url", "body", "server", "arguments",
                               "annotations", "path", "content", "plan", "cwd"]), inner,
                              max_size=5), max_leaves=12)
# Near-valid envelopes: a real tool with random input, so validation's deeper branches run.
envelopes = st.fixed_dictionaries(
    {"tool": st.sampled_from(["sql", "http", "mcp", "file_write", "file_delete", "terraform",
                              "shell"]), "input": st.dictionaries(st.sampled_from(
                                  ["statement", "dialect", "database", "method", "url", "body",
                                   "server", "tool", "arguments", "annotations", "path",
                                   "content", "plan", "workspace", "command", "cwd"]),
                                  json_value, max_size=4)},
    optional={"agent": json_leaf, "on_behalf_of": json_leaf})


def malformed(raw) -> bool:
    """Our own verdict on whether the input is an error, independent of the Decider."""
    try:
        obj = load_json(raw) if isinstance(raw, (bytes, str)) else raw
        action_hash(parse_action(obj))
    except (InputError, ValueError):
        return True
    return False


def check(decision, raw) -> None:
    out = decision.to_json()
    text = json.dumps(out, ensure_ascii=False)
    text.encode("utf-8")  # what the CLI writes: no lone surrogates may leak into the output
    assert json.loads(text) == out
    assert out["decision"] in ("allow", "require_approval", "deny")
    assert isinstance(out["action_hash"], str) and len(out["action_hash"]) == 64
    if malformed(raw):
        assert out["decision"] == "deny" and out["error"], out
        assert out["effects"] == []


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes(raw: bytes) -> None:
    check(DECIDER.decide_raw(raw), raw)


@SETTINGS
@given(any_text)
def test_any_text(raw: str) -> None:
    check(DECIDER.decide_raw(raw), raw)


@SETTINGS
@given(json_value | envelopes)
def test_any_json_value(value) -> None:
    try:
        raw = json.dumps(value, ensure_ascii=False)
    except ValueError:
        return
    # Through the text path (as `check` reads it) and the decoded-object path (the server's).
    check(DECIDER.decide_raw(raw.encode("utf-8", "surrogatepass")),
          raw.encode("utf-8", "surrogatepass"))
    check(DECIDER.decide(value), value)


@pytest.mark.parametrize("raw", [
    b"1" * 5000, b"-" + b"9" * 4400, b"[" * 50_000, b'{"a":' * 50_000, b"\x00", b"\xef\xbb\xbf{}",
    b'{"tool":"sql","input":{"statement":"SELECT \\ud800"}}', b"1e999", b"[1e999]",
    b'{"tool":"http","input":{"method":"GET","url":"u","body":1e999}}',
    b'{"tool":"http","input":{"method":"GET","url":"u","body":' + b"[" * 3000 + b"]" * 3000
    + b"}}",
])
def test_edge_inputs(raw: bytes) -> None:
    check(DECIDER.decide_raw(raw), raw)


# --- through the real CLI -----------------------------------------------------------------

VALID = [{"tool": "sql", "input": {"statement": "SELECT 1"}},
         {"tool": "sql", "input": {"statement": "DELETE FROM t WHERE id = 1"}},
         {"tool": "http", "input": {"method": "POST", "url": "https://x.sandbox.internal/"}}]


def corpus(n: int, seed: int = 1234) -> list[bytes]:
    """Lines for a --batch file: valid actions, their corruptions and random bytes (no \\n)."""
    rnd = random.Random(seed)
    lines: list[bytes] = []
    for i in range(n):
        base = json.dumps(rnd.choice(VALID)).encode()
        kind = i % 5
        if kind == 0:
            line = base
        elif kind == 1:  # flip, drop or insert a byte
            b = bytearray(base)
            pos = rnd.randrange(len(b))
            b[pos] = rnd.randrange(256)
            line = bytes(b)
        elif kind == 2:
            line = base[: rnd.randrange(len(base))]
        elif kind == 3:
            line = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 60)))
        else:
            obj = json.loads(base)
            obj[rnd.choice(["input", "tool", "agent", "extra"])] = rnd.choice(
                [None, 1, True, [], {}, "x", "\ud800", {"statement": 1}])
            line = json.dumps(obj).encode()
        lines.append(line.replace(b"\n", b" "))
    return lines


def test_cli_batch_fuzz(run_cli, tmp_path) -> None:
    lines = corpus(40)
    f = tmp_path / "fuzz.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    proc = run_cli("check", "--batch", str(f))
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr
    outs = [json.loads(x) for x in proc.stdout.decode("utf-8").splitlines()]
    nonblank = [x for x in lines if x.strip()]
    assert len(outs) == len(nonblank)
    for line, out in zip(nonblank, outs):
        if malformed(line):
            assert out["decision"] == "deny" and out.get("error"), (line, out)
        else:
            assert out.get("error") is None, (line, out)


@pytest.mark.parametrize("raw", corpus(6, seed=99) + [b"\n\n{}\n", b"\x00" * 10,
                                                      b'{"tool":"sql"}\n{"tool":"sql"}'])
def test_cli_single_fuzz(run_check, raw: bytes) -> None:
    rc, out = run_check(raw)
    assert out is not None and out["decision"] in ("allow", "require_approval", "deny")
    if malformed(raw):
        assert rc == 1 and out["decision"] == "deny" and out["error"]
    else:
        assert rc == {"allow": 0, "deny": 2, "require_approval": 3}[out["decision"]]
