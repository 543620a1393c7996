"""Inline interpreter code (`python -c`, `perl -e`, …): find the well-known destructive calls.

Python is parsed with `ast`; other languages get a token-level look for call names followed by
a string literal. Whatever is not recognised makes the code opaque.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from ...effects import Effect, Risk, Verb, opaque
from ...errors import InputError
from . import fx
from .model import DYN, Cmd, Word

# dotted call name → (what it does, index of the path / command argument)
PY_CALLS: dict[str, str] = {
    "shutil.rmtree": "rmtree", "os.remove": "delete", "os.unlink": "delete",
    "os.rmdir": "delete", "os.removedirs": "delete", "os.system": "shell", "os.popen": "shell",
    "subprocess.run": "proc", "subprocess.call": "proc", "subprocess.check_call": "proc",
    "subprocess.check_output": "proc", "subprocess.Popen": "proc", "subprocess.getoutput": "shell",
    "subprocess.getstatusoutput": "shell", "os.execv": "proc", "os.execvp": "proc",
    "os.spawnlp": "proc", "os.chmod": "chmod", "os.rename": "move", "os.replace": "move",
    "shutil.move": "move", "shutil.copy": "copy", "shutil.copy2": "copy",
    "shutil.copyfile": "copy", "shutil.copytree": "copy", "os.truncate": "write",
    "os.makedirs": "create", "os.mkdir": "create", "open": "open",
}
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
           "glob.glob", "os.path.getsize", "socket.gethostname", "getpass.getuser"}
PY_OPAQUE = {"exec", "eval", "compile", "__import__", "getattr", "setattr", "globals",
             "importlib.import_module", "ctypes.CDLL"}


def _dotted(node: Any, aliases: dict[str, str]) -> str | None:
    import ast

    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
        return ".".join(reversed(parts))
    return None


def _lit(node: Any) -> Word:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Word(node.value)
    if isinstance(node, ast.JoinedStr):
        return Word(DYN, "f-string")
    return Word(DYN, ast.unparse(node)[:40] if hasattr(ast, "unparse") else "expr")


def _proc_text(node: Any) -> str | None:
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        parts = [_proc_text(e) for e in node.elts]
        if all(p is not None for p in parts):
            return shlex.join(p for p in parts if p is not None)
    return None


def python(code: str, cmd: Cmd) -> list[Effect]:
    """Effects of Python source; nested shell commands are analysed (and emitted) directly."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise InputError(f"shell: python code does not parse: {exc.__class__.__name__}") from None
    aliases: dict[str, str] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and n.module:
            for a in n.names:
                aliases[a.asname or a.name] = f"{n.module}.{a.name}"
    modules = set(aliases)
    out: list[Effect] = []
    unseen: list[str] = []
    ctx = cmd.ctx
    for n in ast.walk(tree):
        if not isinstance(n, ast.Call):
            continue
        name = _dotted(n.func, aliases)
        args = n.args
        kind = PY_CALLS.get(name or "")
        if kind is None and isinstance(n.func, ast.Attribute) and n.func.attr in PY_PATH_METHODS \
                and isinstance(n.func.value, ast.Call) and _dotted(n.func.value.func, aliases) in (
                    "pathlib.Path", "Path") and n.func.value.args:
            kind = PY_PATH_METHODS[n.func.attr]
            args = [n.func.value.args[0], *n.args]
        if kind is None:
            if name in PY_SAFE:
                continue
            if name in PY_OPAQUE or (name and name.split(".")[0] in modules) or (
                    isinstance(n.func, ast.Name) and name not in PY_SAFE):
                unseen.append(name or "call")
            continue
        first = args[0] if args else None
        if kind in ("shell", "proc"):
            text = _proc_text(first) if first is not None else None
            if text is None:
                out.append(opaque("python subprocess", f"{name} with a computed command",
                                  risks=frozenset({Risk.DYNAMIC})))
            else:
                assert cmd.run_text is not None
                cmd.run_text(cmd, text, detail=f"python {name}")
            continue
        if first is None:
            continue
        w = _lit(first)
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
            dst = _lit(args[1]) if len(args) > 1 else Word(DYN)
            out.append(fx.path_change(ctx, w, Verb.DELETE, recursive=True, detail=f"python {name}")
                       if kind == "move" else fx.path_read(ctx, w))
            out.append(fx.path_change(ctx, dst, Verb.UPDATE, recursive=True, detail=f"python {name}"))
        elif kind == "open":
            mode = args[1] if len(args) > 1 else next(
                (k.value for k in n.keywords if k.arg == "mode"), None)
            m = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else (
                "r" if mode is None else "w")
            if any(c in m for c in "wax+"):
                out.append(fx.path_change(ctx, w, Verb.UPDATE, detail=f"python open({m!r})"))
            else:
                out.append(fx.path_read(ctx, w, detail="python open"))
    if unseen:
        out.append(opaque("python code", "calls it cannot see through: "
                          + ", ".join(sorted(set(unseen)))[:120]))
    return out


_TOKENS = re.compile(r"""([A-Za-z_][\w.:]*)\s*\(?\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`)""")
# Call names in perl/ruby/node/php/lua/AppleScript that run a shell command or delete files.
SCRIPT_SHELL = {"system", "exec", "execSync", "child_process.execSync", "cp.execSync",
                "shell_exec", "passthru", "popen", "proc_open", "os.execute", "io.popen", "qx",
                "spawnSync", "Kernel.system", "IO.popen", "Open3.capture2", "Open3.popen3",
                "script", "do shell script", "exec_command", "%x"}
SCRIPT_DELETE = {"unlink", "rmtree", "rm_rf", "FileUtils.rm_rf", "FileUtils.rm_r", "FileUtils.rm",
                 "fs.rmSync", "fs.rmdirSync", "fs.unlinkSync", "rmSync", "rmdirSync",
                 "unlinkSync", "fs.rm", "File.delete", "os.remove", "rmdir", "remove_tree",
                 "File::Path::remove_tree", "Dir.rmdir", "FileUtils.remove_dir"}


def script(lang: str, code: str, cmd: Cmd) -> list[Effect]:
    """A token-level look at non-Python inline code; always opaque for the rest."""
    out: list[Effect] = []
    assert cmd.run_text is not None
    for m in _TOKENS.finditer(code):
        name = m.group(1)
        lit = next((g for g in m.groups()[1:] if g is not None), None)
        if lit is None or m.group(4) is not None:
            continue
        tail = name.split(".")[-1] if name not in SCRIPT_SHELL else name
        if name in SCRIPT_SHELL or tail in SCRIPT_SHELL:
            text = lit.encode("latin-1", "replace").decode(
                "unicode_escape", "replace")
            cmd.run_text(cmd, text, detail=f"{lang} {name}")
        elif name in SCRIPT_DELETE or tail in SCRIPT_DELETE:
            out.append(fx.path_change(cmd.ctx, Word(lit), Verb.DELETE,
                                      recursive="r" in tail.lower() and "dir" not in tail.lower(),
                                      detail=f"{lang} {name}"))
    if "`" in code and lang in ("perl", "ruby", "php"):
        for bt in re.findall(r"`([^`]*)`", code):
            cmd.run_text(cmd, bt, detail=f"{lang} backticks")
    out.append(opaque(f"{lang} code", f"{lang} inline code: {code[:80]}"))
    return out
