"""Editors and pagers run with commands (`vim -c '!rm -rf /'`, `emacs --eval`, `less +!cmd`):
the shell commands they carry are analysed; PowerShell one-liners get a look at the cmdlets
that delete or write."""

from __future__ import annotations

import base64
import binascii
import re
import shlex

from ....effects import Effect, Risk, Scope, Verb, opaque
from .. import fx
from ..model import DYN, Cmd, Word
from . import Handler

VIMS = ("vim", "vi", "nvim", "ex", "view", "vimdiff", "gvim", "rvim", "vim.basic", "vim.tiny")


def _ex_commands(cmd: Cmd, text: str, files: list[Word]) -> tuple[list[Effect], bool]:
    """Effects of one Ex command line; and whether it writes the edited files (`files` also
    gets what `:edit` & co open)."""
    from .exscript import analyse

    got = analyse(cmd, text, files)
    return got.effects, got.writes


# Options that hand keys or an expression to another, already running Vim.
_VIM_REMOTE_RUN = frozenset({"--remote-send", "--remote-expr"})
# Arguments that print and exit without starting the editor.
EDITOR_INFO = frozenset({"--version", "-v", "--help", "-h", "-?", "--clean-version"})


def vim(cmd: Cmd) -> list[Effect]:
    args = cmd.args
    if args and all(a.text in EDITOR_INFO - {"-v"} for a in args):
        return [fx.eff(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:80])]
    commands: list[str] = []
    files: list[Word] = []
    out: list[Effect] = []
    ex_mode = cmd.name == "ex"
    i = 0
    while i < len(args):
        w, t = args[i], args[i].text
        if t in ("-c", "--cmd") and i + 1 < len(args):
            commands.append(args[i + 1].text)
            i += 2
            continue
        if t == "-s" and ex_mode:  # `ex -s`, `vim -e -s`: silent mode, not a script
            i += 1
            continue
        if t in ("-S", "-u", "-U", "-s", "-w", "-W", "-T", "-i") and i + 1 < len(args):
            v = args[i + 1]
            if v.text in ("NONE", "NORC", "DEFAULTS"):
                pass
            elif t in ("-S", "-u", "-U", "-s"):
                out.append(fx.eff(Verb.EXECUTE, f"vim script {v.show}",
                                  detail=f"{cmd.name} {t} (runs a script)"))
            elif t in ("-w", "-W", "-i"):  # scriptout / viminfo: written on exit
                out.append(fx.path_change(cmd.ctx, v, Verb.UPDATE, detail=f"{cmd.name} {t}"))
            i += 2
            continue
        if t in _VIM_REMOTE_RUN:  # keys or an expression for another, running Vim
            out.append(opaque(f"command {cmd.name}", f"{cmd.name} {t} (runs in another Vim)",
                              risks=frozenset({Risk.DYNAMIC})))
            i += 2
            continue
        if t == "--startuptime" and i + 1 < len(args):
            out.append(fx.path_change(cmd.ctx, args[i + 1], Verb.UPDATE,
                                      detail=f"{cmd.name} {t}"))
            i += 2
            continue
        if t.startswith("-V") and len(t) > 2 and not t[2:].isdigit():  # -V20log: a log file
            log = Word(t[2:].lstrip("0123456789"), src=w.src)
            out.append(fx.path_change(cmd.ctx, log, Verb.UPDATE, detail=f"{cmd.name} -V"))
        if t in ("-e", "-E", "-es", "-Es"):
            ex_mode = True
        if t.startswith("+") and len(t) > 1 and not t[1:].isdigit() and not t.startswith("+/"):
            commands.append(t[1:])
        elif not t.startswith("-") and not t.startswith("+") or w.dynamic:
            files.append(w)
        i += 1
    if not commands and cmd.stdin.kind == "literal" and ex_mode:
        commands = cmd.stdin.text.splitlines()
    if not commands:
        if out:
            return out
        return [opaque(f"command {cmd.name}", f"{cmd.name} (interactive editor)")]
    writes = False
    for c in commands:
        effects, w = _ex_commands(cmd, c, files)
        out.extend(effects)
        writes = writes or w
    out.extend(fx.path_change(cmd.ctx, f, Verb.UPDATE, detail=f"{cmd.name} edit") if writes
               else fx.path_read(cmd.ctx, f) for f in files)
    return out or [fx.eff(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:80])]


_LISP_SHELL = re.compile(r'\((?:shell-command(?:-to-string)?|call-process-shell-command|'
                         r'async-shell-command|start-process-shell-command\s+"[^"]*"\s+\S+)'
                         r'\s+"((?:[^"\\]|\\.)*)"')
_LISP_DELETE = re.compile(r'\((delete-file|delete-directory)\s+"((?:[^"\\]|\\.)*)"(\s+t)?')


def emacs(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    texts = [w.text for w in cmd.args]
    if texts and all(t in EDITOR_INFO for t in texts):
        return [fx.eff(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:80])]
    exprs = [texts[i + 1] for i, t in enumerate(texts[:-1]) if t in ("--eval", "-eval")]
    exprs += [t.split("=", 1)[1] for t in texts if t.startswith("--eval=")]
    out: list[Effect] = []
    for i, t in enumerate(texts[:-1]):
        if t in ("-l", "--load", "-script", "--script"):
            out.append(fx.eff(Verb.EXECUTE, f"emacs lisp {texts[i + 1]}",
                              detail=f"{cmd.name} {t} (runs a lisp file)"))
    for e in exprs:
        for sh in _LISP_SHELL.findall(e):
            cmd.run_text(cmd, sh.encode("latin-1", "replace").decode("unicode_escape", "replace"),
                         detail="emacs shell-command")
        for fn, path, rec in _LISP_DELETE.findall(e):
            out.append(fx.path_change(cmd.ctx, Word(path), Verb.DELETE, recursive=bool(rec),
                                      detail=f"emacs {fn}"))
        out.append(opaque("emacs lisp", f"emacs --eval {e[:80]}"))
    return out or [opaque(f"command {cmd.name}", f"{cmd.name} (editor)")]


def pager(cmd: Cmd) -> list[Effect]:
    """less/more: `+!cmd` (an initial `!` command) and LESSOPEN run shell commands."""
    from .readonly import HANDLERS as READ

    assert cmd.run_text is not None
    for w in cmd.args:
        m = re.match(r"^\+[:\s]*(?:\d+)?!(.*)$", w.text, re.DOTALL)
        if m:
            cmd.run_text(cmd, m.group(1), detail=f"{cmd.name} +!")
    for var in ("LESSOPEN", "LESSCLOSE"):
        v = cmd.var(var)
        if v:
            cmd.run_text(cmd, v.lstrip("|").replace("%s", "FILE"), detail=var)
    args = [w for w in cmd.args if not w.text.startswith("+")]
    cmd.args = args
    return READ[cmd.name](cmd)


# PowerShell: cmdlets and aliases → what they do with their path argument.
PS_DELETE = {"remove-item", "rm", "ri", "del", "erase", "rd", "rmdir"}
PS_WRITE = {"set-content", "sc", "out-file", "add-content", "ac", "new-item", "ni",
            "clear-content", "clc", "copy-item", "cp", "cpi", "move-item", "mv", "mi"}
PS_READ = {"get-childitem", "gci", "ls", "dir", "get-content", "gc", "cat", "type",
           "get-item", "gi", "select-string", "sls", "get-process", "gps", "ps",
           "write-host", "write-output", "echo", "get-date", "get-location", "pwd", "gl",
           "test-path", "resolve-path", "get-command", "gcm", "get-help", "measure-object",
           "select-object", "where-object", "foreach-object", "sort-object", "format-table",
           "format-list", "out-string", "convertto-json", "convertfrom-json", "get-service",
           "$psversiontable", "get-host", "get-variable", "get-module"}
PS_DYNAMIC = {"invoke-expression", "iex", "start-process", "saps", "start", "invoke-command",
              "icm", "&", ".", "invoke-item", "ii", "add-type", "invoke-webrequest", "iwr",
              "invoke-restmethod", "irm", "curl", "wget", "start-job", "sajb"}
PS_HOST = {"stop-computer", "restart-computer", "format-volume", "clear-disk",
           "initialize-disk", "remove-partition"}
_PS_VALUE = {"-path", "-literalpath", "-include", "-exclude", "-filter", "-value",
             "-encoding", "-credential", "-itemtype", "-name", "-destination", "-depth",
             "-stream"}


def _ps_statement(cmd: Cmd, stmt: str) -> list[Effect]:
    try:
        toks = shlex.split(stmt, posix=True)
    except ValueError:
        return [opaque("pwsh code", f"PowerShell not understood: {stmt[:60]}")]
    if not toks:
        return []
    name = toks[0].lower()
    paths: list[str] = []
    recurse = False
    i = 1
    while i < len(toks):
        t = toks[i]
        low = t.lower()
        if low in ("-path", "-literalpath", "-destination") and i + 1 < len(toks):
            paths.append(toks[i + 1])
            i += 2
            continue
        if low in _PS_VALUE and i + 1 < len(toks):
            i += 2
            continue
        if low.startswith("-r") and "-recurse".startswith(low[:3]):
            recurse = True
        elif not t.startswith("-") and t not in ("|",):
            paths.append(t)
        i += 1
    if name in PS_DELETE:
        return [fx.path_change(cmd.ctx, Word(p), Verb.DELETE, recursive=recurse,
                               detail=f"pwsh {toks[0]}") for p in paths] or [
            opaque("pwsh code", f"{toks[0]} without a path")]
    if name in PS_WRITE:
        return [fx.path_change(cmd.ctx, Word(p), Verb.UPDATE, detail=f"pwsh {toks[0]}")
                for p in paths[-1:]] or [opaque("pwsh code", stmt[:60])]
    if name in PS_HOST:
        return [fx.eff(Verb.DELETE if "disk" in name or "volume" in name or "partition" in name
                       else Verb.UPDATE, "host storage" if "power" not in name else "host power",
                       scope=Scope.ALL, reversible=False,
                       risks=(Risk.CATASTROPHIC,) if "computer" not in name else (),
                       detail=f"pwsh {toks[0]}")]
    if name in PS_READ:
        return [fx.eff(Verb.READ, "pwsh code", detail=stmt[:80])]
    risks = frozenset({Risk.DYNAMIC}) if name in PS_DYNAMIC else frozenset()
    return [opaque("pwsh code", f"PowerShell {toks[0][:40]}", risks=risks)]


_PS_IEX = re.compile(r"\b(?:iex|invoke-expression)\b", re.IGNORECASE)
_PS_PIPE_IEX = re.compile(r"\|\s*(?:iex|invoke-expression)\b", re.IGNORECASE)
_PS_URL = re.compile(r"https?://([^/\s'\")]+)", re.IGNORECASE)


def _ps_remote_host(code: str) -> str | None:
    """The host of a URL that `iex` runs on the same line: `iex (irm URL)` or `URL | iex`.
    Separate linear scans: one `.*?` regex was quadratic on many `iex` or URLs."""
    for line in code.split("\n"):
        urls = list(_PS_URL.finditer(line))
        if not urls:
            continue
        first_iex = _PS_IEX.search(line)
        last_pipe = max((m.start() for m in _PS_PIPE_IEX.finditer(line)), default=-1)
        for u in urls:
            if (first_iex is not None and first_iex.start() < u.start()) or last_pipe >= u.end():
                return u.group(1)
    return None


def _ps_text(cmd: Cmd, code: str) -> list[Effect]:
    from .interp import remote_code

    host = _ps_remote_host(code)
    if host is not None:  # `iex (irm https://…)`: downloaded code runs
        return [remote_code(cmd, host)]
    out: list[Effect] = []
    for stmt in re.split(r"[;\n]|\|\||&&", code):
        for seg in stmt.split("|"):
            out.extend(_ps_statement(cmd, seg.strip()))
    return out or [fx.eff(Verb.READ, "pwsh code", detail="empty")]


def pwsh(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    low = [t.lower() for t in texts]
    for i, t in enumerate(low):
        if t in ("-c", "-command", "-com", "-comm", "-comma", "-comman") and i + 1 < len(texts):
            code = " ".join(texts[i + 1 :])
            if DYN in code:
                return [opaque("pwsh code", "PowerShell built from unknown values",
                               risks=frozenset({Risk.DYNAMIC}))]
            return _ps_text(cmd, code)
        if t in ("-e", "-ec", "-enc", "-encodedcommand") and i + 1 < len(texts):
            try:
                code = base64.b64decode(texts[i + 1]).decode("utf-16-le")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return [opaque("pwsh code", "PowerShell -EncodedCommand not decodable",
                               risks=frozenset({Risk.DYNAMIC}))]
            return _ps_text(cmd, code)
        if t in ("-f", "-file") and i + 1 < len(texts):
            return [fx.eff(Verb.EXECUTE, f"script {texts[i + 1]}", detail=f"{cmd.name} -File")]
        if t in ("-v", "-version", "--version", "-h", "-help", "-?"):
            return [fx.eff(Verb.READ, f"command {cmd.name}")]
        if not t.startswith("-"):
            return [fx.eff(Verb.EXECUTE, f"script {texts[i]}", detail=cmd.argv_text[:80])]
    if cmd.stdin.kind == "literal":
        return _ps_text(cmd, cmd.stdin.text)
    return [opaque(f"command {cmd.name}", f"{cmd.name} session (interactive)")]


HANDLERS: dict[str, Handler] = {n: vim for n in VIMS}
HANDLERS.update({"emacs": emacs, "emacsclient": emacs, "less": pager, "more": pager,
                 "pwsh": pwsh, "powershell": pwsh, "pwsh-preview": pwsh})
