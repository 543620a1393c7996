"""Property: a destructive command wrapped in random quoting, wrappers, chaining, `bash -c`
nesting and prefix assignments is never `allow` in production (issue 3, must-show (b))."""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.pipeline import Decider

DESTRUCTIVE = [
    ["rm", "-rf", "/srv/app"],
    ["rm", "-r", "-f", "data"],
    ["rmdir", "/srv/app/cache"],
    ["kubectl", "delete", "namespace", "payments"],
    ["kubectl", "--context", "prod-eu", "delete", "deploy", "api"],
    ["helm", "uninstall", "api"],
    ["aws", "s3", "rb", "s3://acme-data", "--force"],
    ["aws", "ec2", "terminate-instances", "--instance-ids", "i-123"],
    ["aws", "rds", "delete-db-instance", "--db-instance-identifier", "main"],
    ["gcloud", "sql", "instances", "delete", "main"],
    ["az", "group", "delete", "--name", "rg1"],
    ["terraform", "destroy", "-auto-approve"],
    ["psql", "-c", "DROP TABLE users"],
    ["mysql", "-e", "DROP DATABASE shop"],
    ["git", "push", "--force", "origin", "main"],
    ["docker", "volume", "rm", "pgdata"],
    ["redis-cli", "FLUSHALL"],
    ["dropdb", "shop"],
    ["shred", "-u", "secrets.txt"],
    ["truncate", "-s", "0", "/srv/app/db.sqlite"],
    ["mv", "/srv/app", "/dev/null"],
    ["find", "/srv/app", "-delete"],
]

WRAPPERS = [
    ["sudo"], ["sudo", "-u", "root"], ["env"], ["env", "-i"], ["nice", "-n", "5"], ["nohup"],
    ["timeout", "30"], ["time"], ["command"], ["exec"], ["stdbuf", "-oL"], ["ionice", "-c3"],
]


def quote_word(word: str, style: int) -> str:
    if style == 0 or not word:
        return shlex.quote(word)
    if style == 1:
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'
    if style == 2 and len(word) > 1 and word.isalnum():
        return word[0] + "''" + word[1:]  # r''m
    if style == 3 and word.isalnum():
        return "\\" + word  # \rm
    if style == 4 and len(word) > 1 and word.isalnum():
        return '"' + word[0] + '"' + word[1:]  # "r"m
    return shlex.quote(word)


@st.composite
def wrapped(draw) -> str:
    argv = list(draw(st.sampled_from(DESTRUCTIVE)))
    for _ in range(draw(st.integers(0, 2))):
        argv = list(draw(st.sampled_from(WRAPPERS))) + argv
    styles = draw(st.lists(st.integers(0, 4), min_size=len(argv), max_size=len(argv)))
    cmd = " ".join(quote_word(w, s) for w, s in zip(argv, styles))
    if draw(st.booleans()):
        cmd = f"FOO=bar LANG=C {cmd}"
    for _ in range(draw(st.integers(0, 2))):
        shell = draw(st.sampled_from(["bash", "sh", "zsh"]))
        cmd = f"{shell} -c {shlex.quote(cmd)}"
    chain = draw(st.integers(0, 5))
    cmd = [cmd, f"true && {cmd}", f"{cmd}; echo done", f"( {cmd} )", f"{{ {cmd}; }}",
           f"echo start || {cmd}"][chain]
    if draw(st.booleans()):
        cmd = f"eval {shlex.quote(cmd)}"
    return cmd


DECIDER = Decider(None, None, "production", environ={"HOME": "/home/agent"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped())
def test_wrapped_destructive_never_allowed_in_production(command):
    d = DECIDER.decide({"tool": "shell", "input": {"command": command, "cwd": "/srv/app"}})
    assert d.decision != "allow", (command, d.to_json())


def test_generator_produces_the_named_evasions():
    # Guard the generator itself: the quoting styles produce the forms the issue names.
    assert quote_word("rm", 2) == "r''m"
    assert quote_word("rm", 3) == "\\rm"
    assert quote_word("rm", 4) == '"r"m'
