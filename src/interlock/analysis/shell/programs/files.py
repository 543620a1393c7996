"""File operations (coreutils and friends): table FILE_OPS says what each does to its operands."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Word
from . import Handler


@dataclass(frozen=True, slots=True)
class FileOp:
    verb: Verb  # what happens to each path operand (the destination for "copy")
    short_arg: str = ""
    long_arg: frozenset[str] = frozenset()
    recursive: tuple[str, ...] = ()  # flags that make it recursive
    lead: int = 0  # operands before the paths (chmod MODE, chown OWNER)
    copy: bool = False  # SRC… DEST: sources get src_verb, the last operand `verb`
    src_verb: Verb | None = None  # None: sources are read
    always_recursive: bool = False  # mv moves whole trees
    detail: str = ""


_L = frozenset
_R = ("-r", "-R", "--recursive")
FILE_OPS: dict[str, FileOp] = {
    "rm": FileOp(Verb.DELETE, recursive=_R, detail="rm"),
    "rmdir": FileOp(Verb.DELETE, detail="rmdir"),
    "unlink": FileOp(Verb.DELETE, detail="unlink"),
    "shred": FileOp(Verb.UPDATE, "ns", _L({"--iterations", "--size", "--random-source"}),
                    detail="shred (overwrite)"),
    "mv": FileOp(Verb.UPDATE, "tS", _L({"--target-directory", "--suffix"}), copy=True,
                 src_verb=Verb.DELETE, always_recursive=True, detail="mv"),
    "cp": FileOp(Verb.UPDATE, "tS", _L({"--target-directory", "--suffix"}),
                 recursive=("-r", "-R", "-a", "--recursive", "--archive"), copy=True, detail="cp"),
    "ln": FileOp(Verb.CREATE, "tS", _L({"--target-directory", "--suffix"}), copy=True,
                 src_verb=Verb.READ, detail="ln"),
    "install": FileOp(Verb.UPDATE, "mogtS", _L({"--mode", "--owner", "--group",
                                               "--target-directory", "--suffix"}),
                      copy=True, detail="install"),
    "chmod": FileOp(Verb.UPDATE, "", _L({"--reference"}), recursive=("-R", "--recursive"),
                    lead=1, detail="chmod"),
    "chown": FileOp(Verb.UPDATE, "", _L({"--reference", "--from"}),
                    recursive=("-R", "--recursive"), lead=1, detail="chown"),
    "chgrp": FileOp(Verb.UPDATE, "", _L({"--reference"}), recursive=("-R", "--recursive"),
                    lead=1, detail="chgrp"),
    "chattr": FileOp(Verb.UPDATE, "pv", recursive=("-R",), lead=1, detail="chattr"),
    "setfacl": FileOp(Verb.UPDATE, "mMxX", recursive=("-R", "--recursive"), detail="setfacl"),
    "truncate": FileOp(Verb.UPDATE, "sr", _L({"--size", "--reference"}), detail="truncate"),
    "touch": FileOp(Verb.CREATE, "rdt", _L({"--reference", "--date"}), detail="touch"),
    "mkdir": FileOp(Verb.CREATE, "m", _L({"--mode", "--context"}), detail="mkdir"),
    "mkfifo": FileOp(Verb.CREATE, "m", _L({"--mode"}), detail="mkfifo"),
    "tee": FileOp(Verb.UPDATE, "", _L({"--output-error"}), detail="tee"),
    "patch": FileOp(Verb.UPDATE, "pidioBrDFVYzg", _L({"--input", "--directory", "--output"}),
                    detail="patch"),
}


def _setuid(mode: str) -> bool:
    if mode.isdigit():
        return len(mode) >= 4 and int(mode[-4]) & 6 != 0
    return "s" in mode and any(c in mode for c in "+=")


def _fileop(name: str, op: FileOp) -> Handler:
    def handle(cmd: Cmd) -> list[Effect]:
        args = cmd.args
        if name == "chattr":  # `chattr -i f`: the mode looks like an option; make it an operand
            modes = [w for w in args if w.text[:1] in "+-=" and w.text[1:].isalpha()
                     and w.text not in ("-R", "-V", "-f")]
            args = [Word("=" + w.text, w.show) for w in modes[:1]] + [
                w for w in args if not modes or w is not modes[0]]
        o = parse(args, op.short_arg, op.long_arg)
        recursive = op.always_recursive or o.has(*op.recursive)
        lead, paths = o.pos[: op.lead], o.pos[op.lead :]
        detail = op.detail + (" -r (recursive)" if recursive and not op.always_recursive else "")
        if o.has("--no-preserve-root"):
            detail += " --no-preserve-root"
        verb = op.verb
        risks: set[Risk] = set()
        if name == "chmod" and lead and _setuid(lead[0].text):
            verb = Verb.PRIVILEGE
            risks.add(Risk.HOST_SECURITY)
            detail += f" {lead[0].show} (setuid/setgid)"
        if name == "rm" and o.has("-f", "--force") and "-f" not in detail:
            detail += " -f"
        out: list[Effect] = []
        if op.copy:
            tdir = o.get("-t", "--target-directory")
            if tdir is not None:
                dests = [Word(tdir)]
                srcs = paths
            else:
                dests, srcs = paths[-1:], paths[:-1]
            if name == "install" and o.has("-d", "--directory"):
                srcs, dests = [], paths
            for s in srcs:
                held = fx.tracked(cmd.ctx, s)
                if held is not None:  # cp/mv of a file written earlier in the line
                    for d in dests:
                        fx.record(cmd.ctx, d, held)
                        fx.record(cmd.ctx, Word(d.text.rstrip("/") + "/" + posixpath.basename(
                            s.text)), held)
                if op.src_verb is None:
                    e = fx.path_read(cmd.ctx, s, recursive=recursive)
                    out.append(e)
                    if e.verb is Verb.READ_SECRET and held is None:  # the copy holds it too
                        for d in dests:
                            fx.record(cmd.ctx, d, fx.Stream("secret", e.resource))
                elif op.src_verb is not Verb.READ:
                    out.append(fx.path_change(cmd.ctx, s, op.src_verb, recursive=True,
                                              detail=f"{detail} (source)"))
            for d in dests:
                out.append(fx.path_change(cmd.ctx, d, verb, recursive=recursive, detail=detail))
        else:
            if name == "patch" and len(paths) > 1:  # `patch ORIGFILE PATCHFILE`
                out.extend(fx.path_read(cmd.ctx, w) for w in paths[1:])
                paths = paths[:1]
            if name == "shred" and o.has("-u", "--remove"):
                verb = Verb.DELETE
            for p in paths:
                out.append(fx.path_change(cmd.ctx, p, verb, recursive=recursive, detail=detail))
                if name in ("rm", "unlink", "mkfifo", "truncate", "shred"):
                    fx.forget(cmd.ctx, p)
                if name == "mkfifo" and not p.dynamic:
                    ap = cmd.ctx.abspath(p.text)
                    if ap is not None and len(cmd.ctx.line.fifos) < 64:
                        cmd.ctx.line.fifos.add(ap)
        for e in out:
            if risks:
                e.risks = e.risks | risks
            if verb is Verb.PRIVILEGE and e.verb is Verb.UPDATE:
                e.verb = Verb.PRIVILEGE
        if name == "tee":
            cmd.stdout = cmd.stdin
            for p in paths:
                fx.record(cmd.ctx, p, cmd.stdin, append=o.has("-a", "--append"))
        if name == "patch" and not paths and not o.has("--dry-run"):
            # The diff (stdin or -i) names the files it changes: somewhere under -d DIR or here.
            # Like `git apply`, the diff's own file list is not read here: a change of many
            # files in that directory.
            where = Word(o.get("-d", "--directory") or ".")
            e = fx.path_change(cmd.ctx, where, Verb.UPDATE, detail="patch (files named in the diff)")
            e.scope = Scope.MANY
            out.append(e)
        if not out:
            out.append(fx.eff(Verb.READ, f"command {name}", detail=f"{name}: no operands"))
        return out

    return handle


def dd(cmd: Cmd) -> list[Effect]:
    out: list[Effect] = []
    wrote = False
    for w in cmd.args:
        key, eq, val = w.text.partition("=")
        if not eq:
            continue
        vw = Word(val, w.show.partition("=")[2] or val, w.glob)
        if key == "of":
            out.append(fx.path_change(cmd.ctx, vw, Verb.UPDATE, detail="dd of="))
            wrote = True
        elif key == "if":
            e = fx.path_read(cmd.ctx, vw)
            out.append(e)
            if e.verb is Verb.READ_SECRET:
                cmd.stdout = fx.stream_of_read(e, vw)
    if not wrote:
        cmd.stdout = cmd.stdout if cmd.stdout.kind == "secret" else cmd.stdin
    return out or [fx.eff(Verb.READ, "command dd")]


def _device_wipe(what: str) -> Handler:
    def handle(cmd: Cmd) -> list[Effect]:
        o = parse(cmd.args, "tLbcCEUIogjJmNOrM", _L({"--type"}))
        if o.has("-l", "--list", "-V", "--version", "-h", "--help") and what != "mkfs":
            return [fx.eff(Verb.READ, f"command {cmd.name}")]
        devs = [w.show for w in o.pos if w.text.startswith("/dev/") or w.dynamic] or \
               [w.show for w in o.pos[:1]]
        return [fx.eff(Verb.DELETE, f"device {d}", (Target("path", d),), scope=Scope.ALL,
                       stateful=True, risks=(Risk.CATASTROPHIC,),
                       detail=f"{cmd.name}: {what} destroys the file system")
                for d in devs or ["(unknown)"]]

    return handle


# Volume managers and disk tools: subcommand/flag words that destroy what a device or volume
# holds (first match wins), and the words that only look. Anything else changes the host's storage.
VOLUME_TOOLS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "cryptsetup": (frozenset({"luksFormat", "erase", "luksErase", "reencrypt", "luksKillSlot"}),
                   frozenset({"status", "luksDump", "isLuks", "luksUUID", "--help", "--version"})),
    "lvremove": (frozenset({"*"}), frozenset()), "vgremove": (frozenset({"*"}), frozenset()),
    "pvremove": (frozenset({"*"}), frozenset()),
    "zpool": (frozenset({"destroy", "labelclear"}), frozenset({"list", "status", "iostat",
                                                               "get", "history", "events"})),
    "zfs": (frozenset({"destroy"}), frozenset({"list", "get", "diff", "holds", "userspace"})),
    "mdadm": (frozenset({"--zero-superblock", "--create", "-C"}),
              frozenset({"--detail", "-D", "--examine", "-E", "--query", "-Q"})),
    "hdparm": (frozenset({"--security-erase", "--security-erase-enhanced", "--trim-sector-ranges",
                          "--write-sector"}),
               frozenset({"-I", "-i", "-t", "-T", "-g", "-C"})),
    "nvme": (frozenset({"format", "sanitize", "delete-ns"}), frozenset({"list", "id-ctrl",
                                                                       "smart-log", "id-ns"})),
    "btrfs": (frozenset({"delete"}), frozenset({"show", "list", "df", "usage", "status"})),
}

VOLUME_MASS = {"lvremove", "zfs", "btrfs"}


def _volume_tool(name: str) -> Handler:
    wipes, reads = VOLUME_TOOLS[name]

    def handle(cmd: Cmd) -> list[Effect]:
        texts = [w.text for w in cmd.args]
        ops = [t for t in texts if not t.startswith("-")]
        if any(t in wipes for t in texts) or "*" in wipes:
            what = next((t for t in reversed(ops) if t not in wipes), "(unknown)")
            # a logical volume or dataset is a store's worth of data; a device wipe is the host's
            risk = Risk.MASS_DESTRUCTION if name in VOLUME_MASS else Risk.CATASTROPHIC
            return [fx.eff(Verb.DELETE, f"device {what}", (Target("path", what),),
                           scope=Scope.ALL, stateful=True, risks=(risk,),
                           detail=f"{cmd.name} {' '.join(texts)[:60]}: destroys what it holds")]
        if not texts or any(t in reads for t in texts[:2]):
            return [fx.eff(Verb.READ, f"storage ({name})", detail=cmd.argv_text[:80])]
        return [fx.eff(Verb.UPDATE, f"storage ({name})", detail=cmd.argv_text[:80])]

    return handle


def sed(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "efl", _L({"--expression", "--file", "--line-length"}))
    inplace = any(k.startswith("-i") or k.startswith("--in-place") for k in o.flags) or any(
        k == "-i" for k in o.flags)
    files = o.pos if (o.has("-e", "--expression", "-f", "--file")) else o.pos[1:]
    scripts = o.all("-e", "--expression") or ([o.pos[0].text] if o.pos and not o.has(
        "-f", "--file") else [])
    runs = _sed_runs(cmd, scripts, o.all("-f", "--file"), files)
    if inplace:
        return runs + [fx.path_change(cmd.ctx, f, Verb.UPDATE, detail="sed -i") for f in files] or \
            [fx.eff(Verb.READ, "command sed")]
    out = runs + [fx.path_read(cmd.ctx, f) for f in files]
    if any(e.verb is Verb.READ_SECRET for e in out) or cmd.stdin.kind == "secret":
        cmd.stdout = cmd.stdin if cmd.stdin.kind == "secret" else fx.stream_of_read(
            next(e for e in out if e.verb is Verb.READ_SECRET), files[0])
    return out or [fx.eff(Verb.READ, "command sed")]


def _sed_runs(cmd: Cmd, scripts: list[str], script_files: list[str],
              files: list[Word]) -> list[Effect]:
    """GNU sed runs shell commands (`e CMD`, `s/…/…/e`) and writes files (`w FILE`)."""
    from .sedscript import scan

    assert cmd.run_text is not None
    out: list[Effect] = []
    for f in script_files:  # a script we cannot see may hold `e` commands
        out.append(fx.eff(Verb.EXECUTE, f"sed script {f}", (Target("path", cmd.ctx.abspath(f)),)
                          if DYN not in f and cmd.ctx.abspath(f) else (), detail="sed -f"))
    for text in scripts:
        sc = scan(text)
        if not sc.ok and ("e" in text or "w" in text):
            out.append(opaque("command sed", f"sed script not understood: {text[:60]}",
                              risks=frozenset({Risk.DYNAMIC}) if DYN in text else frozenset()))
        for run in sc.runs:
            if run is None and cmd.stdin.kind == "literal" and not files:
                cmd.run_text(cmd, cmd.stdin.text, detail="sed e (input lines)")
            elif run is None:
                out.append(opaque("command sed", "sed runs the pattern space as a shell command",
                                  risks=frozenset({Risk.DYNAMIC})))
            else:
                cmd.run_text(cmd, run, detail="sed e")
        out.extend(fx.path_change(cmd.ctx, Word(w), Verb.UPDATE, detail="sed w")
                   for w in sc.writes if w and w not in ("/dev/stdout", "/dev/stderr"))
    return out


# Tests that only narrow what find matches (a conjunction of them keeps `-name`'s meaning), and
# the ones among them that take a value.
_FIND_FILTERS = frozenset({"-type", "-xtype", "-mtime", "-mmin", "-atime", "-amin", "-ctime",
                           "-cmin", "-size", "-newer", "-user", "-group", "-perm", "-empty",
                           "-maxdepth", "-mindepth", "-mount", "-xdev", "-readable",
                           "-writable", "-links", "-print", "-print0", "-a", "-and"})
_FIND_VALUED = frozenset({"-type", "-xtype", "-mtime", "-mmin", "-atime", "-amin", "-ctime",
                          "-cmin", "-size", "-newer", "-user", "-group", "-perm", "-maxdepth",
                          "-mindepth", "-links", "-name"})


def _find_name(tests: list[Word]) -> str | None:
    """The `-name PAT` every match has, when the tests before the action are a plain
    conjunction (no -o, !, parentheses) and PAT is a literal-enough name: `__pycache__`,
    `*.pyc`. Dot-names and bare wildcards are not narrowed (they reach dot files and homes)."""
    name: str | None = None
    i = 0
    while i < len(tests):
        t = tests[i].text
        if t == "-name" and i + 1 < len(tests) and name is None and not tests[i + 1].dynamic:
            name = tests[i + 1].text
        elif t not in _FIND_FILTERS:
            return None
        i += 2 if t in _FIND_VALUED else 1
    if name is None or "/" in name or name.startswith((".", "[")):
        return None
    literal = sum(c.isalnum() or c in "_-" for c in name)
    return name if literal >= 2 else None


def find(cmd: Cmd) -> list[Effect]:
    assert cmd.run_words is not None
    args = cmd.args
    i = 0
    while i < len(args) and args[i].text in ("-H", "-L", "-P") or (
            i < len(args) and args[i].text.startswith("-O")):
        i += 1
    starts: list[Word] = []
    while i < len(args) and not (args[i].text.startswith("-") or args[i].text in ("(", "!")):
        starts.append(args[i])
        i += 1
    starts = starts or [Word(".")]
    expr = args[i:]
    out: list[Effect] = []
    acted = False
    j = 0
    while j < len(expr):
        t = expr[j].text
        named = _find_name(expr[:j])
        if t == "-delete":
            acted = True
            for s in starts:
                where = s if named is None or s.dynamic else Word(
                    (s.text.rstrip("/") or "") + "/**/" + named, f"{s.show}/…/{named}", glob=True)
                out.append(fx.path_change(cmd.ctx, where, Verb.DELETE, recursive=True,
                                          detail="find -delete"))
        elif t in ("-exec", "-execdir", "-ok", "-okdir"):
            acted = True
            k = j + 1
            while k < len(expr) and expr[k].text not in (";", "+"):
                k += 1
            sub = expr[j + 1 : k]
            for s in starts:
                base = s.text.rstrip("/") or "/"
                tail = "/**" if named is None else "/**/" + named
                each = Word(DYN, "{}") if s.dynamic else Word(
                    (base if base != "/" else "") + tail, f"{s.show}/…", glob=True)
                words = [each if w.text == "{}" else w for w in sub]
                if sub:
                    cmd.run_words(cmd, words, stdin=cmd.stdin)
            j = k
        elif t in ("-fprint", "-fprint0", "-fls", "-fprintf") and j + 1 < len(expr):
            acted = True
            out.append(fx.path_change(cmd.ctx, expr[j + 1], Verb.UPDATE, detail=f"find {t}"))
            j += 1
        j += 1
    if not acted or not out:
        out.extend(fx.path_read(cmd.ctx, s, detail="find") for s in starts)
    return out


def rsync(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "efBT", _L({"--rsh", "--exclude", "--include", "--filter", "--files-from",
                                   "--exclude-from", "--include-from", "--rsync-path",
                                   "--chmod", "--chown", "--log-file", "--password-file",
                                   "--backup-dir", "--temp-dir", "--compare-dest",
                                   "--link-dest", "--port", "--timeout", "--bwlimit"}))
    _rsync_shell(cmd, o.all("-e", "--rsh"), [w.text for w in o.pos])
    if len(o.pos) < 2:
        return [fx.path_read(cmd.ctx, w) for w in o.pos] or [fx.eff(Verb.READ, "command rsync")]
    srcs, dest = o.pos[:-1], o.pos[-1]
    delete = any(k.startswith("--delete") or k == "--remove-source-files" for k in o.flags)
    out: list[Effect] = []
    secret = False
    for s in srcs:
        host, _, _ = _remote(s.text)
        if host is None:
            e = fx.path_read(cmd.ctx, s, recursive=True)
            secret = secret or e.verb is Verb.READ_SECRET
            out.append(e)
    host, _, rpath = _remote(dest.text)
    verb = Verb.DELETE if delete else Verb.UPDATE
    detail = "rsync --delete (removes extra files)" if delete else "rsync"
    if host is not None:
        out.append(fx.eff(verb, f"host {host}:{rpath}", (Target("host", host),),
                          scope=Scope.MANY, detail=detail))
        if secret:
            out.append(fx.eff(Verb.UPDATE, f"network send to {host}", (Target("host", host),),
                              risks=(Risk.CATASTROPHIC,), detail="credential file copied to a host",
                              reversible=False))
    else:
        out.append(fx.path_change(cmd.ctx, dest, verb, recursive=True, detail=detail))
    return out


def _rsync_shell(cmd: Cmd, shells: list[str], operands: list[str]) -> None:
    """`rsync -e 'sh -c …'`: the remote shell is a program run here, given the host."""
    assert cmd.run_text is not None
    hosts = [h for h in (_remote(t)[0] for t in operands) if h] or ["HOST"]
    for sh in shells:
        if sh:
            cmd.run_text(cmd, f"{sh} {hosts[0]} rsync --server", detail="rsync -e")


def _remote(text: str) -> tuple[str | None, str | None, str]:
    """`user@host:path` → (host, user, path); local paths → (None, None, text)."""
    if text.startswith(("/", ".", "~")) or ":" not in text or text.startswith("rsync://"):
        if text.startswith("rsync://"):
            rest = text[8:]
            host = rest.split("/", 1)[0]
            return host.split("@")[-1], None, "/" + rest.partition("/")[2]
        return None, None, text
    hostpart, _, path = text.partition(":")
    if "/" in hostpart:
        return None, None, text
    user, _, host = hostpart.rpartition("@")
    return host, user or None, path


# tar options whose value is a command tar runs (for each member, as a filter, at a checkpoint).
TAR_RUNS = ("-I", "--use-compress-program", "--to-command", "--rsh-command", "--rmt-command",
            "-F", "--info-script", "--new-volume-script", "--checkpoint-action")


def _tar_runs(cmd: Cmd, o: object) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts) and cmd.run_text is not None
    for name in TAR_RUNS:
        for v in o.all(name):
            if name == "--checkpoint-action":  # only `exec=CMD` runs something
                if not v.startswith("exec="):
                    continue
                v = v[len("exec="):]
            if v:
                cmd.run_text(cmd, v, detail=f"tar {name}")
    return []


def _zip_runs(cmd: Cmd) -> list[Word]:
    """zip -TT CMD / --unzip-command CMD: the test command it runs; returns the other args."""
    assert cmd.run_text is not None
    rest: list[Word] = []
    args = cmd.args
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ("-TT", "--unzip-command") and i + 1 < len(args):
            cmd.run_text(cmd, args[i + 1].text, detail="zip -TT")
            i += 2
            continue
        if t.startswith("--unzip-command="):
            cmd.run_text(cmd, t.partition("=")[2], detail="zip -TT")
        else:
            rest.append(args[i])
        i += 1
    return rest


def archive(cmd: Cmd) -> list[Effect]:
    """tar/unzip: extraction writes many files; creation reads sources and writes the archive."""
    name = cmd.name
    if name == "tar":
        args = list(cmd.args)
        if args and not args[0].text.startswith("-") and not args[0].dynamic:
            args[0] = Word("-" + args[0].text, args[0].show)  # `tar xzf a.tgz`
        o = parse(args, "fCTXbHIKF", _L({"--file", "--directory", "--files-from",
                                        "--exclude-from", *TAR_RUNS}))
        dest = o.get("-C", "--directory")
        out: list[Effect] = _tar_runs(cmd, o)
        if o.has("-x", "--extract", "--get"):
            d = Word(dest) if dest is not None else Word(".")
            out.append(fx.path_change(cmd.ctx, d, Verb.UPDATE, recursive=True,
                                      detail="tar -x (extract)"))
        if o.has("-c", "--create", "-r", "--append", "-u", "--update"):
            f = o.get("-f", "--file")
            if f and f != "-":
                out.append(fx.path_change(cmd.ctx, Word(f), Verb.CREATE, detail="tar -c"))
            reads = [fx.path_read(cmd.ctx, w, recursive=True) for w in o.pos]
            out.extend(reads)
            if any(e.verb is Verb.READ_SECRET for e in reads):
                if not f or f == "-":
                    cmd.stdout = fx.Stream("secret", "archive")
                else:  # the archive file now holds the secrets
                    fx.record(cmd.ctx, Word(f), fx.Stream("secret", "archive"))
        if o.has("--remove-files"):
            out.extend(fx.path_change(cmd.ctx, w, Verb.DELETE, recursive=True,
                                      detail="tar --remove-files") for w in o.pos)
        return out or [fx.eff(Verb.READ, "command tar")]
    o = parse(_zip_runs(cmd) if name == "zip" else cmd.args, "dxP", set())
    d = Word(o.get("-d") or ".")
    if name in ("unzip", "7z", "unrar") and not o.has("-l", "-t", "-v", "-Z"):
        return [fx.path_change(cmd.ctx, d, Verb.UPDATE, recursive=True, detail=f"{name} extract")]
    if name == "zip" and o.pos:
        reads = [fx.path_read(cmd.ctx, w, recursive=True) for w in o.pos[1:]]
        if any(e.verb is Verb.READ_SECRET for e in reads) and o.pos[0].text == "-":
            cmd.stdout = fx.Stream("secret", "archive")
        return [fx.path_change(cmd.ctx, o.pos[0], Verb.CREATE, detail="zip"), *reads]
    return [fx.eff(Verb.READ, f"command {name}")]


# The `*cat` spellings always write to stdout (`zcat F` is `gunzip -c F`).
_TO_STDOUT = frozenset({"zcat", "bzcat", "xzcat", "zstdcat", "lzcat", "gzcat"})


def gzip_like(cmd: Cmd) -> list[Effect]:
    """gzip FILE replaces FILE by FILE.gz; with -c or on stdin it is a filter."""
    o = parse(cmd.args, "S", _L({"--suffix"}))
    if cmd.name in _TO_STDOUT or o.has("-c", "--stdout", "-l", "--list", "-t", "--test") or not o.pos:
        cmd.stdout = cmd.stdin if cmd.stdin.kind == "secret" else cmd.stdout
        return [fx.path_read(cmd.ctx, w) for w in o.pos] or [fx.eff(Verb.READ, f"command {cmd.name}")]
    return [fx.path_change(cmd.ctx, w, Verb.REPLACE, detail=f"{cmd.name} (replaces the file)")
            for w in o.pos]


_KEYGEN_READS = ("-l", "-y", "-F", "-L", "-Q", "-B", "-e", "-D")  # print/inspect a key


def ssh_keygen(cmd: Cmd) -> list[Effect]:
    """ssh-keygen writes the key pair `-f` names (default ~/.ssh/id_TYPE), or with -R edits
    known_hosts; the listing and printing modes only read (a private key read is a secret)."""
    o = parse(cmd.args, "abCDEfFGIJjKmMnNOPrRsSTtVwzZ", _L())
    home = cmd.ctx.line.home
    f = o.get("-f")
    if o.has("-R"):
        return [fx.path_change(cmd.ctx, Word(f or home + "/.ssh/known_hosts"), Verb.UPDATE,
                               detail="ssh-keygen -R (known_hosts)")]
    if o.has(*_KEYGEN_READS):
        return [fx.path_read(cmd.ctx, Word(f), detail="ssh-keygen") if f else
                fx.eff(Verb.READ, "command ssh-keygen", detail=cmd.argv_text[:80])]
    key = f or f"{home}/.ssh/id_{(o.get('-t') or 'ed25519').lower()}"
    verb = Verb.UPDATE if o.has("-p", "-c") else Verb.CREATE
    out = [fx.path_change(cmd.ctx, Word(key), verb, detail="ssh-keygen (key pair)")]
    if verb is Verb.CREATE:
        out.append(fx.path_change(cmd.ctx, Word(key + ".pub"), verb, detail="ssh-keygen (key pair)"))
    return out


def unknown(cmd: Cmd) -> list[Effect]:
    return [opaque(f"command {cmd.name}", f"{cmd.argv_text[:100]}: unknown program")]


HANDLERS: dict[str, Handler] = {name: _fileop(name, op) for name, op in FILE_OPS.items()}
HANDLERS.update({
    "dd": dd, "sed": sed, "find": find, "rsync": rsync,
    "mkfs": _device_wipe("mkfs"), "wipefs": _device_wipe("wipefs"),
    "fdisk": _device_wipe("partitioning"), "sfdisk": _device_wipe("partitioning"),
    "parted": _device_wipe("partitioning"), "gdisk": _device_wipe("partitioning"),
    "sgdisk": _device_wipe("partitioning"), "blkdiscard": _device_wipe("blkdiscard"),
    **{n: _volume_tool(n) for n in VOLUME_TOOLS},
    "tar": archive, "unzip": archive, "zip": archive, "7z": archive, "unrar": archive,
    "gzip": gzip_like, "gunzip": gzip_like, "bzip2": gzip_like, "xz": gzip_like,
    "zstd": gzip_like, "bunzip2": gzip_like, "unxz": gzip_like,
    "ssh-keygen": ssh_keygen,
    "__unknown__": unknown,
})
_ = posixpath
