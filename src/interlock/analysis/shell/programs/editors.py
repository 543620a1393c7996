"""Editors and pagers run with commands (`vim -c '!rm -rf /'`, `emacs --eval`, `less +!cmd`):
the shell commands they carry are analysed; PowerShell one-liners get a look at the cmdlets
that delete or write."""

from __future__ import annotations

import base64
import binascii
import re
import shlex

from ....effects import Effect, Risk, Scope, Verb, opaque
from .. import fx, inline_code
from ..model import DYN, Cmd, Word
from . import Handler

VIMS = ("vim", "vi", "nvim", "ex", "view", "vimdiff", "gvim", "rvim", "vim.basic", "vim.tiny")
# Ex commands (after an optional range) that run what follows with the shell.
_EX_SHELL = re.compile(r"^(?:r|re|rea|read|w|wr|wri|writ|write)?\s*!(.*)$", re.DOTALL)
_EX_TERM = re.compile(r"^(?:ter|term|termi|termin|termina|terminal)!?\s+(.*)$", re.DOTALL)
_EX_CODE = re.compile(r"^(py3|python3|py|python|pyx|pythonx|lua|perl|ruby|rub)\s+(.*)$", re.DOTALL)
_EX_WRITE = re.compile(r"^(?:w|wr|wri|writ|write|wq|x|xit|exi|exit|up|update|wa|wall|wqa|xa|"
                       r"sav|saveas)!?(?:\s+(\S.*))?$")
# Ex commands that neither run programs nor write files.
_EX_QUIET = re.compile(r"^(?:q|qa|qall|quit|q!|qa!|set?|setl|setlocal|s|g|v|normal|norm|e|edit|"
                       r"syntax|syn|filetype|ft|echo|let|sort|retab|noh|nohlsearch|d|delete|"
                       r"y|yank|p|put|m|move|t|co|copy|j|join|undo|u|redo|>|<|=|source|so|"
                       r"argdo|bufdo|windo|\d+|/.*|\?.*|%?s/.*|%?g/.*)(?:!|\b|$)")


def _ex_commands(cmd: Cmd, text: str, files: list[Word]) -> tuple[list[Effect], bool]:
    """Effects of one Ex command line; and whether it writes the edited files."""
    assert cmd.run_text is not None
    out: list[Effect] = []
    writes = False
    for part in _split_bar(text):
        c = part.strip().lstrip(":").strip()
        c = re.sub(r"^(?:sil|silent)!?\s+|^(?:exe|execute)\s+", "", c)
        c = re.sub(r"^[%.$0-9,'<>+\-]+", "", c).strip()  # range
        if not c:
            continue
        m = _EX_SHELL.match(c) or _EX_TERM.match(c)
        if m:
            cmd.run_text(cmd, m.group(1), detail=f"{cmd.name} :!")
            continue
        m = _EX_CODE.match(c)
        if m:
            lang = {"py3": "python", "python3": "python", "py": "python", "pyx": "python",
                    "pythonx": "python", "rub": "ruby"}.get(m.group(1), m.group(1))
            out.extend(inline_code.python(m.group(2), cmd) if lang == "python"
                       else inline_code.script(lang, m.group(2), cmd))
            continue
        if "system(" in c or "systemlist(" in c or "jobstart(" in c or "termopen(" in c:
            out.extend(inline_code.script("vim", c.replace("systemlist(", "system(")
                                          .replace("jobstart(", "system(")
                                          .replace("termopen(", "system("), cmd))
            continue
        m = _EX_WRITE.match(c)
        if m:
            if m.group(1):
                out.append(fx.path_change(cmd.ctx, Word(m.group(1)), Verb.UPDATE,
                                          detail=f"{cmd.name} :w"))
            else:
                writes = True
            continue
        if _EX_QUIET.match(c):
            continue
        out.append(opaque(f"command {cmd.name}", f"{cmd.name} command not understood: {c[:60]}"))
    return out, writes


def _split_bar(text: str) -> list[str]:
    """Ex commands separated by `|`, except where a shell command (`!…`) takes the rest."""
    parts: list[str] = []
    cur = ""
    for i, ch in enumerate(text):
        if ch == "|" and "!" not in cur.lstrip(": ")[:12]:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


# Arguments that print and exit without starting the editor.
EDITOR_INFO = frozenset({"--version", "-v", "--help", "-h", "-?", "--clean-version"})


def vim(cmd: Cmd) -> list[Effect]:
    args = cmd.args
    if args and all(a.text in EDITOR_INFO - {"-v"} for a in args):
        return [fx.eff(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:80])]
    commands: list[str] = []
    files: list[Word] = []
    out: list[Effect] = []
    i = 0
    while i < len(args):
        w, t = args[i], args[i].text
        if t in ("-c", "--cmd") and i + 1 < len(args):
            commands.append(args[i + 1].text)
            i += 2
            continue
        if t in ("-S", "-u", "-U", "-s", "-w", "-W", "-T", "-i") and i + 1 < len(args):
            if t in ("-S", "-u", "-s") and args[i + 1].text not in ("NONE", "NORC", "DEFAULTS"):
                out.append(fx.eff(Verb.EXECUTE, f"vim script {args[i + 1].show}",
                                  detail=f"{cmd.name} {t} (runs a script)"))
            i += 2
            continue
        if t.startswith("+") and len(t) > 1 and not t[1:].isdigit() and not t.startswith("+/"):
            commands.append(t[1:])
        elif not t.startswith("-") and not t.startswith("+") or w.dynamic:
            files.append(w)
        i += 1
    if not commands and cmd.stdin.kind == "literal" and any(a.text in ("-e", "-es", "-Es", "-E")
                                                            for a in args):
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


_PS_REMOTE_RUN = re.compile(r"\b(?:iex|invoke-expression)\b.*?(?:https?://([^/\s'\")]+))|"
                            r"(?:https?://([^/\s'\")]+)).*?\|\s*(?:iex|invoke-expression)\b",
                            re.IGNORECASE)


def _ps_text(cmd: Cmd, code: str) -> list[Effect]:
    from .interp import remote_code

    m = _PS_REMOTE_RUN.search(code)
    if m:  # `iex (irm https://…)`: downloaded code runs
        return [remote_code(cmd, m.group(1) or m.group(2))]
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
