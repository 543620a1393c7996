"""`interlock-hook AGENT`: the agent-facing hook entry point. STDLIB ONLY.

Agents spawn one hook process per tool call, so this module's start-up cost is the hook's latency.
It imports nothing from interlock but itself: it hands the agent's payload to the resident
decision process (`interlock daemon`, a unix socket) and prints the answer. When no daemon
answers it starts one for the next call and decides in-process (importing the pipeline); when
that fails too it denies. Every path ends in an explicit deny in the agent's own format: agents
treat a crash, a timeout or an unexpected exit status as "go ahead" (FACTS.md).

The agents' output forms live here (not in the per-agent modules) because this client must be
able to deny on its own, without importing the package that may be the thing that is broken.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time

AGENTS = ("claude-code", "gemini", "cursor", "kiro", "codex")
# Well below the agents' own hook timeouts (Claude 600 s, Gemini 60 s, Kiro 30 s, Cursor set by
# us at install): a hook that is killed by the agent fails open, one that answers in time does not.
DEADLINE_S = 8.0
MAX_INPUT = 32 * 1024 * 1024  # a Write of a large file is legitimate; beyond this → deny
PROTOCOL = 1
# What the decision needs from the agent's environment to resolve implicit targets the way the
# agent's commands would (kube context, AWS profile, terraform workspace, database, home).
ENV_KEYS = (
    "HOME", "USER", "PATH", "PWD", "KUBECONFIG", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "CLOUDSDK_CONFIG", "CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT", "AZURE_CONFIG_DIR",
    "TF_WORKSPACE", "TF_DATA_DIR", "PGHOST", "PGDATABASE", "PGUSER", "PGPORT", "PGSERVICE",
    "DATABASE_URL", "DOCKER_HOST", "DOCKER_CONTEXT", "VAULT_ADDR", "XDG_CONFIG_HOME",
    "XDG_DATA_HOME", "CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR", "INTERLOCK_TOKEN",
    "INTERLOCK_HOOK_ALLOW_TOOLS",
)
FLAGS_WITH_VALUE = ("--server", "--socket", "--inventory", "--policy", "--env", "--allow-tool")
TIERS = ("production", "staging", "development", "sandbox")


# -- the agents' output forms -------------------------------------------------------------------
# reply = {"exit": int, "stdout": str, "stderr": str}. Allow defers to the agent's own permission
# flow wherever the agent has a "no decision" form (Claude/Codex "allow" would skip the user's own
# prompts and ask rules: interlock only ever adds restrictions). Deny uses exit 2 + the reason on
# stderr where that is the agent's oldest, most stable blocking contract, and prints the JSON form
# too (ignored on exit 2). Cursor documents JSON `permission` on exit 0 from its first hooks
# release; exit 2 only later, so it gets the JSON form (and failClosed at install).

def _claude_deny(reason: str) -> str:
    return json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                              "permissionDecision": "deny",
                                              "permissionDecisionReason": reason}})


def _gemini_deny(reason: str) -> str:
    return json.dumps({"decision": "deny", "reason": reason})


def _cursor(permission: str, reason: str = "") -> str:
    out: dict[str, str] = {"permission": permission}
    if reason:
        # Both spellings: the docs moved from camelCase to snake_case; extra keys are ignored.
        out.update(user_message=reason, agent_message=reason, userMessage=reason,
                   agentMessage=reason)
    return json.dumps(out)


# agent -> (allow reply, deny builder(reason) -> reply)
FORMS = {
    "claude-code": (lambda: (0, "", ""), lambda r: (2, _claude_deny(r), r)),
    "codex": (lambda: (0, "", ""), lambda r: (2, _claude_deny(r), r)),
    "gemini": (lambda: (0, "{}", ""), lambda r: (2, _gemini_deny(r), r)),
    "cursor": (lambda: (0, _cursor("allow"), ""), lambda r: (0, _cursor("deny", r), r)),
    "kiro": (lambda: (0, "", ""), lambda r: (2, "", r)),
}
# An unknown agent (misconfigured hook): exit 2 + stderr blocks in every agent we know.
_GENERIC_DENY = (lambda r: (2, _claude_deny(r), r))


def _reply(t: tuple[int, str, str]) -> dict:
    return {"exit": t[0], "stdout": t[1], "stderr": t[2]}


def allow_reply(agent: str) -> dict:
    return _reply(FORMS[agent][0]())


def deny_reply(agent: str | None, reason: str) -> dict:
    build = FORMS[agent][1] if agent in FORMS else _GENERIC_DENY
    return _reply(build(reason))


def _fail(agent: str | None, why: str) -> dict:
    return deny_reply(agent, f"interlock denied this action: {why}. Nothing was run "
                             "(interlock fails closed).")


# -- options ----------------------------------------------------------------------------------------
class Usage(Exception):
    pass


class Options:
    def __init__(self) -> None:
        self.agent: str | None = None
        self.server: str | None = None
        self.socket: str | None = None
        self.inventory: str | None = None
        self.policy: str | None = None
        self.env: str | None = None
        self.no_daemon = False
        self.allow_tools: list[str] = []


def parse_args(argv: list[str]) -> Options:
    """Hand-rolled (argparse costs start-up time); any surprise is a Usage error → deny."""
    opts = Options()
    it = iter(argv)
    for arg in it:
        name, eq, value = arg.partition("=")
        if name in FLAGS_WITH_VALUE:
            if not eq:
                value = next(it, None)  # type: ignore[assignment]
                if value is None:
                    raise Usage(f"{name} needs a value")
            if name == "--allow-tool":
                opts.allow_tools.append(value)
            else:
                setattr(opts, name[2:], value)
        elif arg == "--no-daemon":
            opts.no_daemon = True
        elif arg.startswith("-"):
            raise Usage(f"unknown option {arg!r}")
        elif opts.agent is None:
            opts.agent = arg
        else:
            raise Usage(f"unexpected argument {arg!r}")
    if opts.agent not in AGENTS:
        raise Usage(f"unknown agent {opts.agent!r}; expected one of {', '.join(AGENTS)}")
    if opts.env is not None and opts.env not in TIERS:
        raise Usage(f"--env must be one of {', '.join(TIERS)}")
    for attr in ("inventory", "policy", "socket"):
        value = getattr(opts, attr)
        if value:  # the daemon runs elsewhere: send absolute paths
            setattr(opts, attr, os.path.abspath(os.path.expanduser(value)))
    return opts


# -- the resident process's socket ------------------------------------------------------------------
def run_dir() -> str:
    """Per-user directory for the socket: $XDG_RUNTIME_DIR/interlock, else ~/.interlock/run."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg) and os.path.isdir(xdg):
        return os.path.join(xdg, "interlock")
    return os.path.join(os.path.expanduser("~"), ".interlock", "run")


def default_socket() -> str:
    return os.path.join(run_dir(), "hook.sock")


def private_dir_ok(path: str) -> bool:
    """The socket's directory must be ours and closed to others, or a stranger could answer."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and (st.st_mode & 0o077) == 0


def _request(opts: Options, raw: str) -> dict:
    env = {k: os.environ[k] for k in ENV_KEYS if k in os.environ}
    return {"v": PROTOCOL, "agent": opts.agent, "payload": raw, "cwd": os.getcwd(), "env": env,
            "config": {"policy": opts.policy, "inventory": opts.inventory, "env": opts.env},
            "server": opts.server, "allow_tools": opts.allow_tools}


def _valid_reply(obj: object) -> bool:
    return (isinstance(obj, dict) and type(obj.get("exit")) is int
            and isinstance(obj.get("stdout"), str) and isinstance(obj.get("stderr"), str))


def ask_daemon(path: str, request: dict, timeout: float) -> dict | None:
    """The daemon's reply, or None when no usable daemon answered (caller falls back)."""
    if not private_dir_ok(os.path.dirname(path)):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(max(0.05, timeout))
        sock.connect(path)
        sock.sendall(json.dumps(request).encode() + b"\n")
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        reply = json.loads(b"".join(chunks))
    except (OSError, ValueError):
        return None
    finally:
        sock.close()
    return reply if _valid_reply(reply) else None


def start_daemon(opts: Options, path: str) -> None:
    """Start `interlock daemon` detached (new session, no stdio) for the next calls."""
    import subprocess  # only on the miss path

    argv = [sys.executable, "-m", "interlock.enforce.daemon", "--socket", path]
    idle = os.environ.get("INTERLOCK_HOOK_DAEMON_IDLE")
    if idle:
        argv += ["--idle-timeout", idle]
    try:
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                         cwd="/")
    except OSError:
        pass  # the in-process decision still answers this call


# -- fallback ---------------------------------------------------------------------------------------
class _Timeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def in_process(request: dict, timeout: float) -> dict:
    import signal

    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(0.05, timeout))
    try:
        from interlock.enforce.hooks.handle import handle_request

        reply = handle_request(request)
    except _Timeout:
        return _fail(request.get("agent"), "no decision within the hook's deadline")
    except BaseException as e:  # noqa: BLE001 - whatever broke, the answer is deny
        return _fail(request.get("agent"), f"the decision could not be made "
                                           f"({type(e).__name__}: {e})")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return reply if _valid_reply(reply) else _fail(request.get("agent"), "malformed decision")


# -- entry point ------------------------------------------------------------------------------------
def _read_stdin() -> str | None:
    data = sys.stdin.buffer.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        return None
    return data.decode("utf-8", "surrogateescape")


def _deadline() -> float:
    # Tests shorten it; nothing may lengthen it past DEADLINE_S.
    try:
        return min(DEADLINE_S, max(0.01, float(os.environ.get("INTERLOCK_HOOK_DEADLINE", ""))))
    except ValueError:
        return DEADLINE_S


def decide(argv: list[str]) -> dict:
    started = time.monotonic()
    deadline = _deadline()
    agent = argv[0] if argv and argv[0] in AGENTS else None
    try:
        opts = parse_args(argv)
    except Usage as e:
        return _fail(agent, f"the hook is misconfigured ({e})")
    raw = _read_stdin()
    if raw is None:
        return _fail(opts.agent, f"the hook input is larger than {MAX_INPUT} bytes")
    request = _request(opts, raw)
    path = opts.socket or default_socket()
    if not opts.no_daemon:
        reply = ask_daemon(path, request, deadline - 1.0 if deadline > 2 else deadline / 2)
        if reply is not None:
            return reply
        start_daemon(opts, path)
    return in_process(request, deadline - (time.monotonic() - started))


def _emit(reply: dict) -> int:
    for stream, text in ((sys.stdout, reply["stdout"]), (sys.stderr, reply["stderr"])):
        if text:
            try:
                stream.write(text if text.endswith("\n") else text + "\n")
                stream.flush()
            except (OSError, ValueError):
                pass
    return reply["exit"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        reply = decide(argv)
    except BaseException as e:  # noqa: BLE001 - never a traceback, never a non-blocking exit
        agent = argv[0] if argv and argv[0] in AGENTS else None
        reply = _fail(agent, f"internal error in the hook ({type(e).__name__})")
    return _emit(reply)


def register(sub, parser_class):
    """`interlock hook AGENT …`: everything after `hook` is ours, so argparse never exits 1/2
    on a bad flag (a non-blocking exit status would let the tool run)."""

    h = sub.add_parser("hook", help="agent pre-tool hook: decide the agent's tool call (JSON on "
                       "stdin) and answer in the agent's format",
                       description="interlock hook claude-code|gemini|cursor|kiro|codex "
                       "[--server URL] [--socket PATH] [--no-daemon] [--inventory F] "
                       "[--policy D] [--env TIER] [--allow-tool NAME]… — installed by "
                       "`interlock install`; every failure answers deny.",
                       add_help=False, prefix_chars="\x00")
    # No option prefix: every word after `hook` (even "--x") is a positional for main() to judge.
    h.add_argument("hook_args", nargs="*")
    return lambda args: main(list(args.hook_args))


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
