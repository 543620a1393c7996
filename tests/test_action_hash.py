"""The action hash: invariant under key order and whitespace, changed by any field; strict JSON."""

from __future__ import annotations

import copy
import hashlib
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.actions import action_hash, canonical_json, parse_action
from interlock.errors import InputError
from interlock.pipeline import load_json

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=20).filter(str.strip)
name = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
json_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | text \
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(name, inner, max_size=3), max_leaves=8)
abs_path = st.lists(name, min_size=1, max_size=4).map(lambda p: "/nonexistent-il/" + "/".join(p))

inputs = st.one_of(
    st.fixed_dictionaries({"tool": st.just("shell"),
                           "input": st.fixed_dictionaries({"command": text, "cwd": abs_path})}),
    st.fixed_dictionaries({"tool": st.just("sql"), "input": st.fixed_dictionaries(
        {"statement": text}, optional={"dialect": st.sampled_from(["postgres", "mysql", "sqlite"]),
                                       "database": text})}),
    st.fixed_dictionaries({"tool": st.just("http"), "input": st.fixed_dictionaries(
        {"method": st.sampled_from(["GET", "POST", "DELETE", "PUT"]), "url": text},
        optional={"body": json_value})}),
    st.fixed_dictionaries({"tool": st.just("mcp"), "input": st.fixed_dictionaries(
        {"server": text, "tool": text, "arguments": st.dictionaries(name, json_value, max_size=4)},
        optional={"annotations": st.fixed_dictionaries({}, optional={
            "readOnlyHint": st.booleans(), "destructiveHint": st.booleans(), "title": text})})}),
    st.fixed_dictionaries({"tool": st.just("file_write"),
                           "input": st.fixed_dictionaries({"path": abs_path, "content": text})}),
    st.fixed_dictionaries({"tool": st.just("file_delete"),
                           "input": st.fixed_dictionaries({"path": abs_path})}),
    st.fixed_dictionaries({"tool": st.just("terraform"), "input": st.fixed_dictionaries(
        {"plan": st.dictionaries(name, json_value, max_size=4)},
        optional={"workspace": text, "working_dir": abs_path})}),
)
actions = st.tuples(inputs, st.none() | name, st.none() | name).map(
    lambda t: {**t[0], **({"agent": t[1]} if t[1] else {}),
               **({"on_behalf_of": t[2]} if t[2] else {})})


def shuffled(value, rnd: random.Random):
    """The same JSON value with every object's keys in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: shuffled(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rnd) for v in value]
    return value


def serialise(value, rnd: random.Random) -> str:
    indent = rnd.choice([None, 0, 1, 2, 4, "\t"])
    seps = rnd.choice([(",", ":"), (", ", ": "), (" ,  ", " :\t"), (",\n", ":\n ")])
    text_ = json.dumps(shuffled(value, rnd), indent=indent, separators=seps,
                       ensure_ascii=rnd.random() < 0.5)
    return rnd.choice(["", " ", "\n", "\r\n\t"]) + text_ + rnd.choice(["", "\n", "  \n"])


def leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    else:
        yield path, value


def mutated_leaf(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0 if abs(value) < 1e6 else value / 2
    if isinstance(value, str):
        return value + "x"
    return "x"  # None


def set_path(obj, path, value):
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


@SETTINGS
@given(actions, st.randoms(use_true_random=False))
def test_hash_invariant_under_key_order_and_whitespace(action: dict, rnd: random.Random) -> None:
    expected = action_hash(parse_action(action))
    for _ in range(3):
        raw = serialise(action, rnd)
        assert action_hash(parse_action(load_json(raw))) == expected
        assert action_hash(parse_action(load_json(raw.encode()))) == expected


@SETTINGS
@given(actions, st.data())
def test_hash_changes_with_any_leaf(action: dict, data: st.DataObject) -> None:
    base = parse_action(action)
    paths = list(leaves(action))
    path, value = data.draw(st.sampled_from(paths))
    changed = copy.deepcopy(action)
    set_path(changed, path, mutated_leaf(value))
    try:
        other = parse_action(changed)
    except InputError:
        return  # the mutation made it invalid (e.g. a dialect that does not exist)
    if other.envelope() == base.envelope():
        return  # normalisation maps both to the same action (there is none such above)
    assert action_hash(other) != action_hash(base)


@SETTINGS
@given(actions, name, json_value)
def test_hash_changes_when_a_free_form_key_is_added(action: dict, key: str, value) -> None:
    free = {"http": None, "mcp": "arguments", "terraform": "plan"}
    if action["tool"] not in free:
        return
    changed = copy.deepcopy(action)
    if action["tool"] == "http":
        changed["input"]["body"] = {"__added": value}
        if action["input"].get("body") == changed["input"]["body"]:
            return
    else:
        field = free[action["tool"]]
        if key in changed["input"][field]:
            return
        changed["input"][field][key] = value
    assert action_hash(parse_action(changed)) != action_hash(parse_action(action))


def test_hash_is_sha256_of_canonical_json() -> None:
    a = parse_action({"tool": "sql", "input": {"statement": "SELECT 1"}})
    canon = b'{"input":{"dialect":"postgres","statement":"SELECT 1"},"tool":"sql"}'
    assert canonical_json(a.envelope()) == canon
    assert action_hash(a) == hashlib.sha256(canon).hexdigest()


def test_canonical_json_is_utf8_not_escaped() -> None:
    assert canonical_json({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'.encode()


def test_normalisation_defaults_give_one_hash() -> None:
    # Defaults filled, aliases normalised: these are the same action.
    forms = [{"statement": "SELECT 1"}, {"statement": "SELECT 1", "dialect": "postgres"},
             {"statement": "SELECT 1", "dialect": "PG"}]
    hashes = {action_hash(parse_action({"tool": "sql", "input": f})) for f in forms}
    assert len(hashes) == 1
    assert action_hash(parse_action({"tool": "http", "input": {"method": "get", "url": "u"}})) == \
        action_hash(parse_action({"tool": "http", "input": {"method": "GET", "url": "u"}}))


@pytest.mark.parametrize("field,a,b", [("agent", "claude", "codex"),
                                       ("on_behalf_of", "alice", "bob")])
def test_principals_are_part_of_the_hash(field: str, a: str, b: str) -> None:
    base = {"tool": "sql", "input": {"statement": "SELECT 1"}}
    h0 = action_hash(parse_action(base))
    ha = action_hash(parse_action({**base, field: a}))
    hb = action_hash(parse_action({**base, field: b}))
    assert len({h0, ha, hb}) == 3


def test_shell_hash_binds_cwd() -> None:
    a = {"tool": "shell", "input": {"command": "rm -rf build", "cwd": "/srv/a"}}
    b = {"tool": "shell", "input": {"command": "rm -rf build", "cwd": "/srv/b"}}
    assert action_hash(parse_action(a)) != action_hash(parse_action(b))


# --- strict JSON ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,msg", [
    ('{"tool": "sql", "tool": "shell", "input": {"statement": "x"}}', "duplicate JSON key 'tool'"),
    ('{"tool": "sql", "input": {"statement": "SELECT 1", "statement": "DROP TABLE t"}}',
     "duplicate JSON key 'statement'"),
    ('{"tool": "http", "input": {"method": "GET", "url": "u", "body": {"a": 1, "a": 2}}}',
     "duplicate JSON key 'a'"),
    ('{"tool": "http", "input": {"method": "GET", "url": "u", "body": NaN}}', "NaN"),
    ('{"tool": "http", "input": {"method": "GET", "url": "u", "body": Infinity}}', "Infinity"),
    ('{"tool": "http", "input": {"method": "GET", "url": "u", "body": -Infinity}}', "Infinity"),
    (b'{"tool": "sql", "input": {"statement": "SELECT \xff"}}', "not UTF-8"),
    (b"\xfe\xff\x00{", "not UTF-8"),
    ("", "no input"),
    ("  \n", "no input"),
    ("{", "not valid JSON"),
    ('{"tool": "sql"} {}', "not valid JSON"),
    ("{'tool': 'sql'}", "not valid JSON"),
    ("[" * 100_000, "nested too deeply"),
    ("1" * 5000, "JSON"),  # beyond Python's int-string limit: was a bare ValueError
])
def test_strict_json_rejects(raw, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        load_json(raw)


def test_out_of_range_float_cannot_be_hashed() -> None:
    # 1e999 parses to inf; it has no canonical JSON form, so hashing refuses it.
    obj = load_json('{"tool": "http", "input": {"method": "GET", "url": "u", "body": 1e999}}')
    with pytest.raises(ValueError):
        action_hash(parse_action(obj))
