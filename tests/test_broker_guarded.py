"""Guarded-broker mode with two real OS users: the broker server runs as user A (it alone can read
the credentials file and the store), the thin client as user B over the unix socket.

The interpreter lives under /root/.pyenv, which other users cannot traverse (FACTS.md). Rather
than change any permission on the system, each process of A and B starts in a private mount
namespace (`unshare -m`, propagation private) where the interpreter tree and this checkout's
`src/` are bind-mounted onto world-readable directories of a temp dir; `setpriv` then drops to
the user. Nothing outside those namespaces changes, and the mounts vanish with the processes.
Needs root, useradd/userdel, unshare, setpriv and mount: otherwise skipped — except under CI=true,
where it fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PY_HOME = Path(os.path.realpath(sys.base_prefix))
PY_NAME = Path(sys.executable).name
TOOLS = ("useradd", "userdel", "unshare", "setpriv", "mount")
FAKE_KUBECTL = """#!/bin/sh
echo "kubectl ran as $(id -un): $*"
echo "$*" >> "$HOME/kubectl.log"
[ -n "$KUBECONFIG" ] && cat "$KUBECONFIG"
echo "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-unset}"
"""


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _ci():
        pytest.fail(f"guarded-broker test cannot run under CI: {reason}")
    pytest.skip(reason)


def _user(name: str) -> None:
    subprocess.run(["useradd", "--system", "--no-create-home", "--user-group",
                    "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)


def _as(user: str, home: Path, T: Path, argv: list[str], env: dict[str, str] | None = None
        ) -> list[str]:
    """argv run as `user` in a private mount namespace that can see the interpreter and src."""
    script = 'mount --bind "$1" "$2" && mount --bind "$3" "$4" && shift 4 && exec "$@"'
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LD_LIBRARY_PATH": str(T / "py/lib"),
             "PYTHONPATH": str(T / "src"), "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
             **(env or {})}
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
            str(PY_HOME), str(T / "py"), str(ROOT / "src"), str(T / "src"),
            "setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--",
            "env", "-i", *[f"{k}={v}" for k, v in clean.items()], *argv]


@pytest.fixture(scope="module")
def guarded():
    if os.geteuid() != 0:
        _unavailable("needs root to create two OS users")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        _unavailable(f"missing {', '.join(missing)}")
    if subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode != 0:
        _unavailable("cannot create a mount namespace (unshare -m)")
    tag = secrets.token_hex(3)
    a, b = f"ilbrk{tag}", f"ilagt{tag}"
    T = Path(tempfile.mkdtemp(prefix="il-guarded-"))
    made: list[str] = []
    server = None
    try:
        for u in (a, b):
            _user(u)
            made.append(u)
        T.chmod(0o755)
        for d in ("py", "src", "run", "work", "broker", "broker/bin"):
            (T / d).mkdir()
            (T / d).chmod(0o755)
        broker = T / "broker"
        broker.chmod(0o700)
        (broker / "bin/kubectl").write_text(FAKE_KUBECTL)
        (broker / "bin/kubectl").chmod(0o755)
        (broker / "kube-sandbox.yaml").write_text("SECRET-KUBE-sandbox\n")
        (broker / "kube-sandbox.yaml").chmod(0o600)
        creds = broker / "credentials.toml"
        creds.write_text('[[credential]]\nname = "sandbox"\nkube_context = ["sandbox-*"]\n'
                         f'env = {{ KUBECONFIG = "{broker / "kube-sandbox.yaml"}" }}\n')
        creds.chmod(0o600)
        (broker / "inventory.toml").write_text(
            'default = "production"\n[[rule]]\ntier = "sandbox"\nkube_context = ["sandbox-*"]\n'
            f'path = ["{T / "work"}/**"]\n'
            '[[rule]]\ntier = "production"\nkube_context = ["prod-*"]\n')
        sock = T / "run/broker.sock"
        db = f"sqlite:///{broker / 'il.db'}"
        (broker / "broker.toml").write_text(
            f'socket = "{sock}"\ndb = "{db}"\ninventory = "{broker / "inventory.toml"}"\n'
            f'credentials = "{creds}"\npath = "{broker / "bin"}:/usr/bin:/bin"\npoll = 0.1\n'
            f'[agents]\n{b} = "claude"\n')
        from interlock import principals as P
        from interlock.store import open_store

        with open_store(db) as store:
            P.add_principal(store, "claude", "agent")
        (T / "work/deploy.sh").write_text("#!/bin/sh\necho deployed\n")
        subprocess.run(["chown", "-R", f"{a}:{a}", str(broker), str(T / "run")], check=True)
        subprocess.run(["chown", "-R", f"{b}:{b}", str(T / "work")], check=True)
        server = subprocess.Popen(
            _as(a, broker, T, [str(T / "py/bin" / PY_NAME), "-m", "interlock", "broker",
                               "serve", "--config", str(broker / "broker.toml")]),
            cwd=T, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not sock.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"broker did not start: {server.stdout.read().decode()}")
            time.sleep(0.05)
        yield {"T": T, "a": a, "b": b, "sock": sock, "broker": broker}
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        for u in made:
            subprocess.run(["userdel", u], capture_output=True, check=False)
        shutil.rmtree(T, ignore_errors=True)


def client(g, *argv: str, stdin: bytes = b"", minimal: bool = False,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    py = str(g["T"] / "py/bin" / PY_NAME)
    entry = ([py, "-m", "interlock.enforce.broker.client", str(g["sock"]), "--"] if minimal
             else [py, "-m", "interlock", "run", "--broker-socket", str(g["sock"]), "--"])
    return subprocess.run(_as(g["b"], g["T"] / "work", g["T"], [*entry, *argv], env),
                          input=stdin, capture_output=True, check=False, cwd=g["T"] / "work",
                          timeout=60)


def test_sandbox_command_runs_as_the_broker_with_the_injected_credential(guarded):
    p = client(guarded, "kubectl", "--context", "sandbox-1", "get", "pods",
               env={"AWS_SECRET_ACCESS_KEY": "agent-side-secret"})
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert f"kubectl ran as {guarded['a']}: --context sandbox-1 get pods" in out
    assert "SECRET-KUBE-sandbox" in out
    assert "AWS_SECRET_ACCESS_KEY=unset" in out  # nothing of the agent's environment leaks in


def test_agent_user_cannot_read_the_credentials_or_the_store(guarded):
    br = guarded["broker"]
    for f in ("credentials.toml", "kube-sandbox.yaml", "il.db", "broker.toml"):
        p = subprocess.run(["setpriv", f"--reuid={guarded['b']}", f"--regid={guarded['b']}",
                            "--clear-groups", "--", "cat", str(br / f)],
                           capture_output=True, check=False)
        assert p.returncode != 0 and b"Permission denied" in p.stderr, f
    # …and cannot ask the broker to read them for it, directly or through a link.
    for path in (br / "credentials.toml", br / "kube-sandbox.yaml", br / "il.db"):
        p = client(guarded, "cat", str(path))
        assert p.returncode == 2 and b"belongs to the broker" in p.stderr, p.stderr
        assert b"SECRET" not in p.stdout
    link = guarded["T"] / "work" / "innocent.txt"
    os.symlink(br / "credentials.toml", link)
    p = client(guarded, "cat", str(link))
    assert p.returncode == 2 and b"SECRET" not in p.stdout


def test_agent_code_never_runs_as_the_broker_without_a_human(guarded):
    # A script in a sandbox path is allowed by policy, but it would run with the broker's
    # privileges (and could read its secrets): the broker asks one human first.
    script = guarded["T"] / "work" / "steal.sh"
    script.write_text(f"cat {guarded['broker'] / 'credentials.toml'}\n")
    p = client(guarded, "sh", str(script))
    assert p.returncode == 3 and b"broker's privileges" in p.stderr, p.stderr
    assert b"SECRET" not in p.stdout


def test_denied_commands_do_not_run(guarded):
    br = guarded["broker"]
    p = client(guarded, "kubectl", "--context", "prod-1", "delete", "namespace", "payments")
    assert p.returncode == 2 and b"denied" in p.stderr
    p = client(guarded, "bash", "-c", f"touch {br / 'MARK'}; rm -rf /")
    assert p.returncode == 2 and b"denied" in p.stderr
    log = br / "kubectl.log"
    assert "delete" not in (log.read_text() if log.exists() else "")
    assert not (br / "MARK").exists()


def test_streams_exit_status_and_stdin_over_the_socket(guarded):
    p = client(guarded, "cat", stdin=b"through the socket\n" * 1000, minimal=True)
    assert p.returncode == 0 and p.stdout == b"through the socket\n" * 1000
    p = client(guarded, "sh", "-c", "echo out; echo err >&2; exit 5")
    assert p.returncode == 5 and p.stdout == b"out\n" and b"err\n" in p.stderr


def test_production_change_files_a_request_for_the_mapped_agent(guarded):
    p = client(guarded, "bash", "deploy.sh")
    assert p.returncode == 3 and b"filed request" in p.stderr, p.stderr


def test_unmapped_user_is_refused(guarded):
    from interlock.enforce.broker.client import run

    assert run(str(guarded["sock"]), ["true"]) == 2  # root is no agent of this broker


def test_thin_client_is_stdlib_only():
    code = ("import sys, interlock.enforce.broker.client\n"
            "heavy = {'sqlalchemy', 'cedarpy', 'tree_sitter', 'tree_sitter_bash', 'msgspec',"
            " 'rich', 'pglast', 'sqlglot', 'yaml'}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
            "print(sorted(m for m in sys.modules if m.startswith('interlock')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, check=True)
    heavy, ours = p.stdout.splitlines()
    assert heavy == "[]"
    assert set(eval(ours)) <= {"interlock", "interlock.enforce", "interlock.enforce.broker",
                               "interlock.enforce.broker.client",
                               "interlock.enforce.broker.protocol"}


def test_timeout_and_ctrl_c_reach_the_child_over_the_socket(guarded):
    t0 = time.monotonic()
    py = str(guarded["T"] / "py/bin" / PY_NAME)
    p = subprocess.run(_as(guarded["b"], guarded["T"] / "work", guarded["T"], [
        py, "-m", "interlock.enforce.broker.client", str(guarded["sock"]), "--timeout", "0.5",
        "--", "sleep", "30"]), capture_output=True, check=False, timeout=30,
        cwd=guarded["T"] / "work")
    assert p.returncode == 124 and b"timed out" in p.stderr
    assert time.monotonic() - t0 < 10
    loop = 'trap "echo got-INT; exit 42" INT; echo ready; while :; do sleep 0.1; done'
    proc = subprocess.Popen(_as(guarded["b"], guarded["T"] / "work", guarded["T"], [
        py, "-m", "interlock.enforce.broker.client", str(guarded["sock"]), "--",
        "sh", "-c", loop]), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=guarded["T"] / "work")
    try:
        assert proc.stdout.readline() == b"ready\n"
        proc.send_signal(signal.SIGINT)  # the client (user B) forwards it; the child is A's
        assert proc.wait(10) == 42
        assert proc.stdout.read() == b"got-INT\n"
    finally:
        proc.kill()


def test_broker_files_are_off_limits_by_any_name(guarded):
    br = guarded["broker"]
    for argv in (["grep", "-r", "SECRET", str(br)],                       # its directory
                 ["sqlite3", str(br / "il.db"), ".dump"],                 # a database target
                 ["curl", "-s", f"file://{br / 'credentials.toml'}"]):    # a URL
        p = client(guarded, *argv)
        assert p.returncode == 2 and b"SECRET" not in p.stdout, (argv, p.stderr)
    # A directory that holds the broker's files needs a human even for a read.
    p = client(guarded, "ls", str(guarded["T"]))
    assert p.returncode == 3 and b"holds files of the broker" in p.stderr, p.stderr
