"""Inline interpreter code (`python -c`, `perl -e`, …): find the well-known destructive calls.

Python is parsed with `ast`; other languages get a token-level look for call names followed by
a string literal. Whatever is not recognised makes the code opaque.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from ...effects import Effect, Risk, Target, Verb, opaque
from ...errors import InputError
from . import fx
from .model import DYN, MAX_DEPTH, TTY, Cmd, Stream, Word

# dotted call name → what it does (how its arguments are read)
PY_CALLS: dict[str, str] = {
    "shutil.rmtree": "rmtree", "os.remove": "delete", "os.unlink": "delete",
    "os.rmdir": "delete", "os.removedirs": "delete", "os.system": "shell", "os.popen": "shell",
    "posix.system": "shell", "subprocess.run": "proc", "subprocess.call": "proc",
    "subprocess.check_call": "proc", "subprocess.check_output": "proc",
    "subprocess.Popen": "proc", "subprocess.getoutput": "shell",
    "subprocess.getstatusoutput": "shell", "commands.getoutput": "shell",
    "asyncio.create_subprocess_shell": "shell", "asyncio.create_subprocess_exec": "execl0",
    "pty.spawn": "proc",
    **{f"os.{n}": "execv" for n in ("execv", "execve", "execvp", "execvpe", "posix_spawn",
                                    "posix_spawnp")},
    **{f"os.{n}": "execl" for n in ("execl", "execle", "execlp", "execlpe")},
    **{f"os.{n}": "spawnv" for n in ("spawnv", "spawnve", "spawnvp", "spawnvpe")},
    **{f"os.{n}": "spawnl" for n in ("spawnl", "spawnle", "spawnlp", "spawnlpe")},
    "exec": "pyexec", "eval": "pyexec", "compile": "pyexec", "builtins.exec": "pyexec",
    "builtins.eval": "pyexec",
    "os.chmod": "chmod", "os.rename": "move", "os.replace": "move",
    "shutil.move": "move", "shutil.copy": "copy", "shutil.copy2": "copy",
    "shutil.copyfile": "copy", "shutil.copytree": "copy", "os.truncate": "write",
    "os.makedirs": "create", "os.mkdir": "create", "open": "open",
}
# Calls that return a module (`__import__('os')`) or an attribute (`getattr(os, 'system')`).
PY_IMPORTERS = {"__import__", "importlib.import_module", "builtins.__import__",
                "importlib.__import__"}
# Modules whose calls we do not know can do anything: unknown calls into them are dynamic.
PY_DANGEROUS = {"os", "subprocess", "shutil", "pty", "posix", "ctypes", "importlib",
                "builtins", "commands", "asyncio", "multiprocessing", "socket", "pathlib",
                "exec", "eval", "compile", "__import__", "getattr", "setattr", "globals",
                "vars", "locals", "marshal", "pickle", "code", "runpy"}
# Calls that open a network connection (a reverse shell dup2s it onto stdin/stdout).
PY_CONNECT = {"socket.socket", "socket.create_connection", "socket.socketpair",
              "socket.fromfd", "ssl.wrap_socket"}
PY_PATH_METHODS = {"unlink": "delete", "rmdir": "delete", "write_text": "write",
                   "write_bytes": "write", "chmod": "chmod", "touch": "create", "mkdir": "create",
                   "rename": "move", "replace": "move"}
PY_SAFE = {"print", "len", "str", "int", "float", "bool", "range", "sorted", "list", "dict",
           "set", "tuple", "sum", "min", "max", "abs", "enumerate", "zip", "repr", "format",
           "isinstance", "hasattr", "round", "map", "filter", "any", "all", "chr", "ord", "hex",
           "json.dumps", "json.loads", "json.load", "json.dump", "sys.exit", "os.getcwd",
           "os.listdir", "os.getenv", "os.environ.get", "os.path.join", "os.path.exists",
           "os.path.isfile", "os.path.isdir", "os.path.abspath", "os.path.expanduser",
           "os.path.basename", "os.path.dirname", "os.walk", "os.stat", "os.cpu_count",
           "platform.system", "platform.machine", "platform.python_version", "time.time",
           "time.sleep", "datetime.datetime.now", "math.sqrt", "sys.stdout.write", "pprint.pprint",
           "re.match", "re.search", "re.sub", "re.findall", "hashlib.sha256", "uuid.uuid4",
           "random.random", "random.randint", "base64.b64decode", "base64.b64encode",
           "sys.stdin.read", "pathlib.Path", "Path", "importlib.metadata.version",
           "glob.glob", "os.path.getsize", "socket.gethostname", "getpass.getuser",
           "os.getpid", "os.path.realpath", "os.path.splitext", "os.fspath", "os.dup2",
           "os.path.isabs", "os.path.normpath", "os.path.relpath", "os.getuid", "os.uname"}


class _Py:
    """What a Python program's names mean: imports, `x = os.system`, `c = 'rm -rf /'`."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.consts: dict[str, str] = {}

    def dotted(self, node: Any) -> str | None:
        import ast

        parts: list[str] = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
                continue
            if isinstance(node, ast.Call):
                fn = self.dotted(node.func)
                first = self.text(node.args[0]) if node.args else DYN
                if fn in PY_IMPORTERS and DYN not in first:
                    parts.append(first.split(".")[0] if fn.endswith("__import__") else first)
                    break
                if fn == "getattr" and len(node.args) >= 2:
                    attr = self.text(node.args[1])
                    if DYN in attr:
                        return None
                    parts.append(attr)
                    node = node.args[0]
                    continue
                return None
            if isinstance(node, ast.Subscript) and self.dotted(node.value) in (
                    "sys.modules", "builtins.__dict__", "__builtins__.__dict__"):
                mod = self.text(node.slice)
                if DYN in mod:
                    return None
                parts.append(mod)
                break
            if isinstance(node, ast.Name):
                parts.append(self.aliases.get(node.id, node.id))
                break
            return None
        name = ".".join(reversed(parts))
        return name.removeprefix("__builtins__.")

    def text(self, node: Any) -> str:
        """A string expression's value, DYN for the parts only known at run time."""
        import ast

        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bytes):
                v = v.decode("latin-1")
            return v if isinstance(v, str) else (str(v) if isinstance(v, int) else DYN)
        if isinstance(node, ast.JoinedStr):
            return "".join(self.text(v) if isinstance(v, ast.Constant) else DYN
                           for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.text(node.left) + self.text(node.right)
        if isinstance(node, ast.Name) and node.id in self.consts:
            return self.consts[node.id]
        if isinstance(node, ast.Call):
            fn = self.dotted(node.func)
            if fn in ("base64.b64decode", "base64.standard_b64decode") and node.args:
                import base64
                import binascii

                raw = self.text(node.args[0])
                if DYN not in raw:
                    try:
                        return base64.b64decode(raw + "=" * (-len(raw) % 4)).decode("latin-1")
                    except (binascii.Error, ValueError):
                        return DYN
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("decode", "encode",
                                                                           "strip"):
                return self.text(node.func.value)
        return DYN

    def argv(self, node: Any) -> str:
        """Shell text for a command given as a string or an argv list."""
        import ast

        if isinstance(node, (ast.List, ast.Tuple)):
            return " ".join(_q(self.text(e)) for e in node.elts) or DYN
        return self.text(node)


def _q(s: str) -> str:
    return s if DYN in s else shlex.quote(s)


def _lit(node: Any, py: _Py | None = None) -> Word:
    import ast

    if py is not None:
        t = py.text(node)
        return Word(t, t if DYN not in t else "expr")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Word(node.value)
    return Word(DYN, "expr")


def _proc_text(node: Any) -> str | None:
    t = _Py().argv(node)
    return None if DYN in t else t


def _program_text(kind: str, args: list[Any], kw: dict[str, Any], py: _Py) -> str:
    """The command line a process-starting call runs (DYN where unknown)."""
    if kind in ("shell", "proc"):
        first = args[0] if args else kw.get("args") or kw.get("cmd") or kw.get("argv")
        return py.argv(first) if first is not None else DYN
    if kind == "execv":
        return py.argv(args[1]) if len(args) > 1 else (py.argv(args[0]) if args else DYN)
    if kind == "spawnv":
        return py.argv(args[2]) if len(args) > 2 else DYN
    rest = {"execl": args[1:], "spawnl": args[2:], "execl0": args}[kind]
    return " ".join(_q(py.text(a)) for a in rest) or DYN


def python(code: str, cmd: Cmd) -> list[Effect]:
    """Effects of Python source; nested shell commands are analysed (and emitted) directly."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise InputError(f"shell: python code does not parse: {exc.__class__.__name__}") from None
    py = _Py()
    aliases = py.aliases
    nodes = list(ast.walk(tree))
    for n in nodes:
        if isinstance(n, ast.Import):
            for a in n.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and n.module:
            for a in n.names:
                aliases[a.asname or a.name] = f"{n.module}.{a.name}"
    for n in nodes:  # `s = os.system`, `o = __import__('os')`, `c = 'rm -rf /'`
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            tgt = n.targets[0].id
            if isinstance(n.value, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                py.consts[tgt] = py.text(n.value)
            else:
                d = py.dotted(n.value)
                if d and d != tgt and d.split(".")[0] in set(aliases.values()) | PY_DANGEROUS:
                    aliases[tgt] = d
    modules = set(aliases)
    out: list[Effect] = []
    unseen: list[str] = []
    dynamic = False
    ctx = cmd.ctx
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    # A connected socket: programs this code starts talk to that host (reverse shell).
    net: str | None = None
    for n in calls:
        name = py.dotted(n.func) or ""
        if name in PY_CONNECT or (isinstance(n.func, ast.Attribute) and n.func.attr in (
                "connect", "connect_ex") and n.args and isinstance(n.args[0], ast.Tuple)):
            arg = n.args[0] if n.args else None
            host = py.text(arg.elts[0]) if isinstance(arg, ast.Tuple) and arg.elts else DYN
            if DYN not in host and host:
                net = host
            elif net is None:
                net = "unknown host"
    if net is not None:
        out.append(fx.eff(Verb.UPDATE, f"network connection {net}",
                          (Target("host", net),) if net != "unknown host" else (),
                          detail="python socket", reversible=False))
    stdin = Stream("remote", net) if net is not None else None
    for n in calls:
        name = py.dotted(n.func)
        args = list(n.args)
        kw = {k.arg: k.value for k in n.keywords if k.arg}
        kind = PY_CALLS.get(name or "")
        if kind is None and isinstance(n.func, ast.Attribute) and n.func.attr in PY_PATH_METHODS \
                and isinstance(n.func.value, ast.Call) and py.dotted(n.func.value.func) in (
                    "pathlib.Path", "Path") and n.func.value.args:
            kind = PY_PATH_METHODS[n.func.attr]
            args = [n.func.value.args[0], *n.args]
        if kind is None:
            if name in PY_SAFE or name in PY_CONNECT:
                continue
            top = (name or "").split(".")[0]
            if name is None and isinstance(n.func, ast.Call):
                dynamic = True  # a call of a computed callable: getattr(os, x)(…)
            if top in PY_DANGEROUS or name is None and isinstance(n.func, ast.Call):
                dynamic = True
                unseen.append(name or "computed call")
            elif name and (top in modules or isinstance(n.func, ast.Name)):
                unseen.append(name)
            continue
        if kind == "pyexec":
            src = py.text(args[0]) if args else DYN
            if DYN in src or ctx.depth >= MAX_DEPTH:
                dynamic = True
                unseen.append(f"{name} of computed code")
                continue
            ctx.depth += 1
            try:
                out.extend(python(src, cmd))
            finally:
                ctx.depth -= 1
            continue
        if kind in ("shell", "proc", "execv", "execl", "spawnv", "spawnl", "execl0"):
            text = _program_text(kind, args, kw, py)
            assert cmd.run_text is not None
            cmd.run_text(cmd, text, stdin=stdin or TTY, detail=f"python {name}")
            continue
        first = args[0] if args else None
        if first is None:
            continue
        w = _lit(first, py)
        if kind in ("rmtree", "delete"):
            out.append(fx.path_change(ctx, w, Verb.DELETE, recursive=kind == "rmtree",
                                      detail=f"python {name}"))
        elif kind in ("write", "create"):
            out.append(fx.path_change(ctx, w, Verb.UPDATE if kind == "write" else Verb.CREATE,
                                      detail=f"python {name}"))
        elif kind == "chmod":
            e = fx.path_change(ctx, w, Verb.UPDATE, detail=f"python {name}")
            mode = args[1] if len(args) > 1 else None
            if isinstance(mode, ast.Constant) and isinstance(mode.value, int) and mode.value & 0o6000:
                e.verb, e.risks = Verb.PRIVILEGE, e.risks | {Risk.HOST_SECURITY}
            out.append(e)
        elif kind in ("move", "copy"):
            dst = _lit(args[1], py) if len(args) > 1 else Word(DYN)
            out.append(fx.path_change(ctx, w, Verb.DELETE, recursive=True, detail=f"python {name}")
                       if kind == "move" else fx.path_read(ctx, w))
            out.append(fx.path_change(ctx, dst, Verb.UPDATE, recursive=True, detail=f"python {name}"))
        elif kind == "open":
            mode = args[1] if len(args) > 1 else kw.get("mode")
            m = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else (
                "r" if mode is None else "w")
            if any(c in m for c in "wax+"):
                out.append(fx.path_change(ctx, w, Verb.UPDATE, detail=f"python open({m!r})"))
            else:
                out.append(fx.path_read(ctx, w, detail="python open"))
    if unseen:
        out.append(opaque("python code", "calls it cannot see through: "
                          + ", ".join(sorted(set(unseen)))[:120],
                          risks=frozenset({Risk.DYNAMIC}) if dynamic else frozenset()))
    return out


_TOKENS = re.compile(r"""([A-Za-z_][\w.:]*)\s*\(?\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`)""")
# A delete call given a glob of literal paths: `unlink glob "/etc/*"`, `unlink </etc/*>`,
# `FileUtils.rm_rf(Dir.glob("/etc/*"))`, `rmtree(glob("/srv/*"))`.
_GLOB_DELETE = re.compile(r"""([A-Za-z_][\w.:]*)\s*\(?\s*(?:(?:glob|Dir\.glob|Dir\[|bsd_glob)\s*\(?\s*(?:"([^"]*)"|'([^']*)')|<([^<>\s]+)>)""")
# Call names in perl/ruby/node/php/lua/AppleScript that run a shell command or delete files.
SCRIPT_SHELL = {"system", "exec", "execSync", "child_process.execSync", "cp.execSync",
                "shell_exec", "passthru", "popen", "proc_open", "os.execute", "io.popen", "qx",
                "spawnSync", "Kernel.system", "IO.popen", "Open3.capture2", "Open3.popen3",
                "script", "do shell script", "exec_command", "%x"}
SCRIPT_DELETE = {"unlink", "rmtree", "rm_rf", "FileUtils.rm_rf", "FileUtils.rm_r", "FileUtils.rm",
                 "fs.rmSync", "fs.rmdirSync", "fs.unlinkSync", "rmSync", "rmdirSync",
                 "unlinkSync", "fs.rm", "File.delete", "os.remove", "rmdir", "remove_tree",
                 "File::Path::remove_tree", "Dir.rmdir", "FileUtils.remove_dir",
                 "Deno.remove", "Deno.removeSync", "removeSync", "fs.rmdir", "fs.unlink",
                 "fsPromises.rm", "fs.promises.rm", "rimraf", "rimraf.sync", "rimrafSync",
                 "fs.emptyDirSync", "emptyDirSync", "fse.removeSync", "fs.remove",
                 "fs.promises.rmdir", "FileUtils.rmtree", "FileUtils.remove_entry",
                 "FileUtils.remove_entry_secure", "FileUtils.rm_f", "Pathname.rmtree"}


# Calls that open a network connection in perl/ruby/node/php/lua: commands the code runs
# afterwards are taken to talk to that connection (a reverse shell dup2s it onto stdio).
SCRIPT_SOCKETS = ("fsockopen", "pfsockopen", "stream_socket_client", "socket_create",
                  "socket_connect", "IO::Socket::INET", "IO::Socket::IP", "IO::Socket",
                  "TCPSocket", "UDPSocket", "Socket.tcp", "net.connect", "net.createConnection",
                  "net.Socket", "socket.connect", "socket.tcp", "Socket.new", "socket")
_SOCKET_RX = re.compile(r"(?<![\w.:])(" + "|".join(re.escape(s) for s in sorted(
    SCRIPT_SOCKETS, key=len, reverse=True)) + r")\b")


_LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def _literals(code: str) -> list[str]:
    return [a or b for a, b in _LITERAL.findall(code)]


def _runs_shell(lit: str) -> bool:
    from .programs.interp import is_interpreter

    first = lit.strip().split(" ", 1)[0].rsplit("/", 1)[-1]
    return bool(first) and is_interpreter(first)


def script(lang: str, code: str, cmd: Cmd) -> list[Effect]:
    """A token-level look at non-Python inline code; always opaque for the rest."""
    out: list[Effect] = []
    assert cmd.run_text is not None
    net: str | None = None
    if _SOCKET_RX.search(code):
        net = "unknown host"
        for m in _TOKENS.finditer(code):
            lit = next((g for g in m.groups()[1:] if g is not None), None)
            if lit and m.group(1).split("::")[-1].split(".")[-1] in (
                    "fsockopen", "pfsockopen", "stream_socket_client", "TCPSocket", "connect",
                    "createConnection", "tcp", "new", "inet_aton", "Socket"):
                net = lit.split("://")[-1].split(":")[0] or net
                break
        out.append(fx.eff(Verb.UPDATE, f"network connection {net}",
                          (Target("host", net),) if net != "unknown host" else (),
                          detail=f"{lang} socket", reversible=False))
    run_ctx = cmd.ctx.child(fds={**cmd.ctx.fds, "*": net}) if net else None
    stdin = Stream("remote", net) if net else TTY
    for m in _TOKENS.finditer(code):
        name = m.group(1)
        lit = next((g for g in m.groups()[1:] if g is not None), None)
        if lit is None or m.group(4) is not None:
            continue
        tail = name.split(".")[-1] if name not in SCRIPT_SHELL else name
        if name in SCRIPT_SHELL or tail in SCRIPT_SHELL:
            text = lit.encode("latin-1", "replace").decode(
                "unicode_escape", "replace")
            cmd.run_text(cmd, text, stdin=stdin, ctx=run_ctx, detail=f"{lang} {name}")
        elif name in SCRIPT_DELETE or tail in SCRIPT_DELETE:
            out.append(fx.path_change(cmd.ctx, Word(lit), Verb.DELETE,
                                      recursive="r" in tail.lower() and "dir" not in tail.lower(),
                                      detail=f"{lang} {name}"))
    for m in _GLOB_DELETE.finditer(code):
        name, lit = m.group(1), next(g for g in m.groups()[1:] if g is not None)
        tail = name.split(".")[-1].split("::")[-1]
        if (name in SCRIPT_DELETE or tail in SCRIPT_DELETE) and "$" not in lit and "#{" not in lit:
            out.append(fx.path_change(cmd.ctx, Word(lit, glob=True), Verb.DELETE,
                                      recursive="r" in tail.lower() and "dir" not in tail.lower(),
                                      detail=f"{lang} {name} of a glob"))
    if net is not None and any(_runs_shell(lit) for lit in _literals(code)):
        # socket + a shell named in the code: the peer drives that shell
        out.append(fx.eff(Verb.EXECUTE, f"remote shell to {net}",
                          (Target("host", net),) if net != "unknown host" else (),
                          risks=(Risk.REMOTE_CODE, Risk.CATASTROPHIC), reversible=False,
                          detail=f"{lang} code connects a shell to the network"))
    if lang == "tclsh":  # Tcl: `exec prog args…` runs a program (words, no shell)
        for m in re.finditer(r"(?:^|[;\[\n{])\s*exec\s+([^;\]\n}]+)", code):
            cmd.run_text(cmd, m.group(1).strip(), stdin=stdin, ctx=run_ctx, detail="tcl exec")
    if "`" in code and lang in ("perl", "ruby", "php"):
        for bt in re.findall(r"`([^`]*)`", code):
            cmd.run_text(cmd, bt, stdin=stdin, ctx=run_ctx, detail=f"{lang} backticks")
    out.append(opaque(f"{lang} code", f"{lang} inline code: {code[:80]}"))
    return out
