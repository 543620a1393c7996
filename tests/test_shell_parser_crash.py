"""tree-sitter-bash 0.25 segfaults on `${X`/`{X` with X ≥ U+20000; a crashed hook fails open.

Each case runs in a child process that parses the text many times: a segfault shows as a
negative return code instead of taking the test runner down.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = """
import sys
from interlock.analysis.shell import analyze_shell
from interlock.errors import InputError
text = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
for _ in range(300):
    try:
        analyze_shell(text, "/tmp", {"HOME": "/home/u"})
    except InputError:
        pass
print("ok")
"""

HIGH = ["\U00020000", "\U0002a6d6", "\U000e0001", "\U000f0000", "\U0010ffff", "\U001083ea"]


@pytest.mark.parametrize("text", [
    " ".join("{" + c for c in HIGH * 6),
    " ; ".join("echo ${" + c + "}" for c in HIGH * 6),
    "rm -rf /tmp/{\U00020000,a} && echo ${\U0010ffff:-x}",
])
def test_high_code_points_do_not_crash_the_parser(text):
    proc = subprocess.run([sys.executable, "-c", CHILD], input=text.encode("utf-8"),
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert proc.stdout.strip() == b"ok"


def test_high_code_points_keep_their_meaning():
    from interlock.analysis.shell import analyze_shell

    effects = analyze_shell("rm -rf /srv/\U00020000data", "/tmp", {"HOME": "/home/u"})
    assert [e.verb for e in effects] == ["delete"]
