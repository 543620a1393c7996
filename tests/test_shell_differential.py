"""Misparses found by differential testing against bash: a generator writes shell text, bash
reprints it canonically (`f() { …; }; declare -f f`, never executed) and the programs interlock
sees in the original are compared with those in bash's rendering. Each case below is a
command tree-sitter-bash 0.25 hid or misplaced; they run without bash. The property test at the
end repeats the comparison on a few generated inputs when bash can be run powerless."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile

import pytest

from interlock.analysis.shell import analyze_shell
from interlock.errors import InputError
from interlock.pipeline import Decider

_PROD = Decider(None, None, None, environ={"HOME": "/home/u"})


def _programs(command: str) -> list[str]:
    return [e.program for e in analyze_shell(command, "/home/u/p", {"HOME": "/home/u"}) if e.program]


def _decide(command: str) -> str:
    return _PROD.decide({"tool": "shell", "input": {"command": command, "cwd": "/home/u/p"}}
                        ).to_json()["decision"]


# A redirection takes one word; tree-sitter hung the command's words on it as destinations.
@pytest.mark.parametrize("command", [
    ">/dev/null </dev/null rm -rf / 2>&1",   # was: no command at all -> allow in production
    ">a <b rm -rf / >o",
    "sh >/dev/null -c 'rm -rf /'",           # was: `-c` and the script were file targets
    "bash 2>&1 -c 'rm -rf /'",
])
def test_words_after_a_redirect_are_the_command(command: str) -> None:
    assert "rm" in _programs(command)
    assert _decide(command) == "deny"


def test_redirect_targets_stay_one_word() -> None:
    effects = analyze_shell("echo hi >&2 x; echo >a b c; cat <<EOF >f y\nEOF", "/w")
    assert [e.resource for e in effects if e.verb.value == "update"] == ["path /w/a", "path /w/f"]
    assert "path /w/y" in [e.resource for e in effects]          # cat's argument, not a target
    assert [e.program for e in analyze_shell("x=1 >a b", "/w") if e.program] == ["b"]
    with pytest.raises(InputError):
        analyze_shell("{ ls; } >a rm", "/w")                      # bash rejects it too


# A line that starts with a backslash was glued onto the line before it.
@pytest.mark.parametrize("command", [
    "ls\n\\rm -rf /",
    "ls\r\n\\rm -rf /",
    "ls\n\n\\rm -rf /",
    "ls # comment\n\\rm -rf /",
    "x=1\n\\rm -rf /",
    "if true\n\\rm -rf /\nthen :; fi",
    "ls\n\\\nrm -rf /",                        # the newline vanished before a continuation
    "cat <<EOF\nx\nEOF\n\\rm -rf /",
    'bash -c "ls\n\\\\rm -rf /"',              # the newline inside "…" was dropped too
])
def test_a_backslash_line_is_its_own_command(command: str) -> None:
    assert "rm" in _programs(command), command
    assert _decide(command) == "deny"


# A line continuation inside a word split it in two (`r` and `m`, not `rm`).
@pytest.mark.parametrize("command", [
    "r\\\nm -rf /",
    "echo $(r\\\nm -rf /)",
    "echo `r\\\nm -rf /`",
    "((x=$(r\\\nm -rf /)))",
])
def test_a_continuation_inside_a_word_joins_it(command: str) -> None:
    assert _programs(command)[0] == "rm", command
    assert _decide(command) == "deny"


def test_continuations_still_join_lines() -> None:
    assert _programs("ls \\\n  -l \\\n\\\n  x") == ["ls"]
    assert _programs("echo a\\\n\\b") == ["echo"]


# `!`, `time` and `coproc` before a compound command: the tree loses its structure.
@pytest.mark.parametrize("command", [
    "! { rm -rf /; }",
    "x | ! { rm -rf /; }",
    "! if true; then rm -rf /; fi",
    "time { rm -rf /; }",
    "coproc { rm -rf /; }",
    "coproc W { rm -rf /; }",
    "coproc (rm -rf /)",
])
def test_a_lost_compound_command_is_refused(command: str) -> None:
    with pytest.raises(InputError, match="compound command"):
        analyze_shell(command, "/w")
    assert _decide(command) == "deny"


def test_coproc_runs_its_command() -> None:
    assert _programs("coproc rm -rf /") == ["rm"]
    assert _programs("! rm x; time rm y") == ["rm", "rm"]


def test_a_pipeline_after_a_here_document_body_is_refused() -> None:
    # bash pipes the body into ` sh`; tree-sitter made the body's first line the next stage
    with pytest.raises(InputError, match="here-document"):
        analyze_shell("cat <<'EOF' |\nrm -rf /\nEOF\n sh", "/w")
    assert _programs("cat <<EOF | sh\nrm -rf /\nEOF") == ["cat", "rm"]


# -- differential property: bash's own rendering is the oracle --------------------------
_PRIV = (["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
         if shutil.which("setpriv") else ["runuser", "-u", "nobody", "--"])
_TOOLS = [shutil.which(t) for t in ("env", "timeout", _PRIV[0], "bash")]
_NAME = re.compile(r"^c\d+$")


def _bash(script: str, *flags: str) -> subprocess.CompletedProcess[bytes]:
    """bash -r as nobody, no PATH, no HOME, 2 s, in an empty directory: it only parses."""
    env, timeout, priv, bash = _TOOLS
    with tempfile.TemporaryDirectory() as d:
        return subprocess.run([env, "-i", "PATH=/nonexistent", "HOME=/nonexistent", timeout, "2",
                               priv, *_PRIV[1:], bash, "-r", *flags, "-c", script],
                              cwd=d, capture_output=True, timeout=10, check=False)


def _render(command: str) -> str | None:
    script = "f() {\n" + command + "\n}"
    if _bash(script, "-n").returncode != 0:
        return None
    r = _bash(script + "\ndeclare -f f")
    return r.stdout.decode("utf-8", "surrogateescape") if r.returncode == 0 else None


def _names(command: str) -> set[str] | None:
    try:
        return {p for p in _programs(command) if _NAME.match(p)}
    except InputError:
        return None


def _generate(r: random.Random) -> str:
    """A small command over the constructs found weak: redirects before the name, lines
    starting with a backslash, `!`, here-documents, substitutions, groups."""
    n = iter(range(1, 100))
    def cmd() -> str:
        pre = r.choice(["", ">f ", "2>&1 <in ", ">a <b ", "X=1 "])
        arg = r.choice(["", " x", " $(c%d)" % next(n), " \"`c%d`\"" % next(n), " >o y", " 2>&1 z"])
        return f"{pre}c{next(n)}{arg}" + r.choice(["", " >o", " 2>&1", " # c"])
    def stmt(depth: int) -> str:
        k = r.randint(0, 6 if depth else 2)
        if k == 3:
            return "{ " + stmt(depth - 1) + "; }"
        if k == 4:
            return f"if {cmd()}; then {stmt(depth - 1)}; fi"
        if k == 5:
            return f"echo $({stmt(depth - 1)})"
        if k == 6:
            return f"{cmd()} <<{r.choice(['EOF', chr(39) + 'EOF' + chr(39)])}\n$(c{next(n)})\nEOF"
        return cmd()
    out = stmt(2)
    for _ in range(r.randint(0, 2)):
        out += r.choice(["\n\\", "\n", "; ", " && ", " | ", "\n\\\n"]) + stmt(1)
    return out


@pytest.mark.skipif(None in _TOOLS or os.geteuid() != 0, reason="needs bash run powerless as root")
def test_interlock_sees_every_command_bash_would_run() -> None:
    r = random.Random(20240611)
    checked = 0
    for _ in range(60):
        command = _generate(r)
        rendering = _render(command)
        if rendering is None:
            continue
        mine, bashs = _names(command), _names(rendering)
        if mine is None or bashs is None:  # refused: fail closed
            continue
        checked += 1
        assert bashs <= mine, (command, rendering, bashs - mine)
    assert checked >= 20
