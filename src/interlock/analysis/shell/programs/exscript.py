"""Vim Ex command lines (`vim -c CMD`, `+CMD`, `ex` scripts on stdin): which commands run the
shell, run code, write files or open other files.

An allow-list: only commands known to be quiet (quit, buffer edits, `set` of plain options,
expressions without calls) are skipped; everything else is opaque, so a new way to run code never
reads as a read. Prefixes that run a command somewhere else (`bufdo`, `g/pat/`, `silent`, a
range) are stripped and what they run is analysed the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ....effects import Effect, Risk, Verb, opaque
from .. import fx, inline_code
from ..model import DYN, Cmd, Word

_MAX_DEPTH = 8


def _names(*specs: str) -> frozenset[str]:
    """Vim's own abbreviation notation: `s[ubstitute]` → s, su, sub, … substitute."""
    out: set[str] = set()
    for spec in specs:
        head, _, tail = spec.partition("[")
        tail = tail.rstrip("]")
        out.update(head + tail[:i] for i in range(len(tail) + 1))
    return frozenset(out)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Leave the editor, or change only the buffer or the screen (a later `:w` decides what lands).
_QUIET = _names("q[uit]", "qa[ll]", "quita[ll]", "cq[uit]", "clo[se]", "on[ly]", "hid[e]",
                "d[elete]", "y[ank]", "m[ove]", "t", "co[py]", "j[oin]", "u[ndo]",
                "red[o]", "undoj[oin]", "le[ft]", "ri[ght]", "ce[nter]", ">", "<",
                "sor[t]", "ret[ab]", "noh[lsearch]", "p[rint]", "nu[mber]", "#", "l[ist]", "z",
                "ma[rk]", "delm[arks]", "reg[isters]", "di[splay]", "ls", "files", "buffers",
                "ju[mps]", "changes", "undol[ist]", "redr[aw]", "mes[sages]", "ve[rsion]",
                "setf[iletype]", "bn[ext]", "bp[revious]", "bN[ext]", "b[uffer]", "winc[md]",
                "fo[ld]", "foldo[pen]", "foldc[lose]", "el[se]", "en[dif]", "endw[hile]",
                "endfo[r]", "try", "endt[ry]", "fina[lly]", "sl[eep]")
# Expressions: quiet unless they call a function (system(), execute(), a lambda…).
# `:= expr` echoes an expression (Vim 9); `:put =expr` puts one.
_PUT = _names("pu[t]")
_EXPR = _names("=", "let", "unl[et]", "ec[ho]", "echom[sg]", "echon", "echoe[rr]", "cal[l]", "if",
               "elsei[f]", "wh[ile]", "for", "retu[rn]", "th[row]", "ev[al]")
_EXE = _names("exe[cute]")
_SET = _names("se[t]", "setl[ocal]", "setg[lobal]")
_SYNTAX = {**dict.fromkeys(_names("sy[ntax]"), frozenset({"on", "off", "enable", "reset",
                                                          "clear", "manual", ""})),
           **dict.fromkeys(_names("filet[ype]"), frozenset({"on", "off", "plugin", "indent",
                                                            "detect", ""}))}
# Open the files they name: a later `:w`/`:wq` may write there.
_OPEN = _names("e[dit]", "vi[sual]", "vie[w]", "sp[lit]", "vs[plit]", "new", "vne[w]",
               "tabe[dit]", "tabnew", "sv[iew]", "fin[d]", "sf[ind]", "tabf[ind]", "bad[d]",
               "arga[dd]", "ar[gs]", "n[ext]", "ene[w]")
_READ = _names("r[ead]")  # `r file` reads it; `r !cmd` / `r!cmd` runs cmd
_WRITE = _names("w[rite]", "wq", "x[it]", "exi[t]", "up[date]", "wa[ll]", "wqa[ll]", "xa[ll]",
                "sav[eas]", "wn[ext]", "wN[ext]", "wp[revious]")
_SUBST = _names("s[ubstitute]", "sm[agic]", "sno[magic]", "&", "&&", "~")
_GLOBAL = _names("g[lobal]", "v[global]")
_DO = _names("argdo", "bufdo", "windo", "tabd[o]", "cdo", "cfd[o]", "ldo", "lfd[o]",
             "foldd[oopen]", "folddoc[losed]")
_TERM = _names("ter[minal]")
_CODE = {**dict.fromkeys(("py3", "python3", "pyx", "pythonx", *_names("py[thon]")), "python"),
         "lua": "lua", **dict.fromkeys(_names("pe[rl]"), "perl"),
         **dict.fromkeys(_names("rub[y]"), "ruby")}
# Modifiers run the command that follows them (`silent !cmd`, `vert new f`).
_MODIFIERS = _names("sil[ent]", "uns[ilent]", "keepj[umps]", "keepa[lt]", "kee[pmarks]",
                    "keepp[atterns]", "loc[kmarks]", "noa[utocmd]", "nos[wapfile]", "verb[ose]",
                    "vert[ical]", "to[pleft]", "bo[tright]", "abo[veleft]", "bel[owright]",
                    "lefta[bove]", "rightb[elow]", "tab", "conf[irm]", "bro[wse]", "san[dbox]",
                    "leg[acy]")
_FILTER = _names("filt[er]")  # `filter /pat/ CMD`

# Options that only shape text or display. Others name programs to run (shell, makeprg),
# expressions evaluated later (foldexpr, statusline) or files written (viminfofile, undodir).
_SAFE_OPTIONS = _words(
    "expandtab et tabstop ts shiftwidth sw softtabstop sts textwidth tw fileformat ff "
    "fileformats ffs fileencoding fenc fileencodings fencs encoding enc bomb number nu "
    "relativenumber rnu list wrap paste ignorecase ic smartcase scs hlsearch hls incsearch is "
    "autoindent ai smartindent si cindent cin filetype ft syntax syn compatible cp binary bin "
    "endofline eol fixendofline fixeol readonly ro modifiable ma more cmdheight ch spell "
    "spelllang spl wrapscan ws magic undolevels ul writebackup wb swapfile swf hidden hid "
    "shortmess shm laststatus ls ruler ru showmode smd showcmd sc belloff bo visualbell vb "
    "errorbells eb foldenable fen foldlevel fdl background bg termguicolors tgc mouse "
    "backspace bs whichwrap ww iskeyword isk joinspaces js formatoptions fo comments com "
    "commentstring cms nrformats nf gdefault gd report scrolloff so sidescroll ss wildmenu "
    "wmnu timeout to timeoutlen tm ttimeoutlen ttm lazyredraw lz cursorline cul colorcolumn cc "
    "signcolumn scl linebreak lbr breakindent bri showmatch sm splitbelow sb splitright spr "
    "startofline sol virtualedit ve wrapmargin wm shiftround sr smarttab sta all "
    "all& lines columns co")
# Expression functions without side effects (anything else is treated as running code).
_PURE = _words(
    "len line col getline toupper tolower printf string strftime has exists strlen trim "
    "repeat range join split matchstr match escape abs max min count index get keys values "
    "type empty localtime bufnr winnr tabpagenr mode getpos virtcol indent nr2char char2nr "
    "str2nr tr")
_RUN_FUNCS = frozenset({"system", "systemlist", "jobstart", "termopen", "job_start",
                        "term_start"})
_CODE_FUNCS = {"luaeval": "lua", "py3eval": "python", "pyeval": "python", "pyxeval": "python",
               "perleval": "perl", "rubyeval": "ruby"}

_NAME = re.compile(r"py(?:thon)?3(?:do|file)?|[A-Za-z]+|&&|[!&<>=#~@*]")
_STR = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\']|\'\')*)\'')
_CALL = re.compile(r"([A-Za-z_][\w#:.]*)\s*\(")
_KEYS = {"cr": "\r", "nl": "\n", "esc": "\x1b", "tab": "\t", "bar": "|", "space": " "}


@dataclass(slots=True)
class ExResult:
    effects: list[Effect] = field(default_factory=list)
    writes: bool = False  # writes the buffers it edits (`:w`, `:wq`, `:x`)


def analyse(cmd: Cmd, text: str, files: list[Word]) -> ExResult:
    """Effects of an Ex command line. Files opened by `:edit` & co are appended to `files` (what
    a buffer write would update)."""
    st = _State(cmd, files)
    st.line(text, 0)
    return st.out


@dataclass(slots=True)
class _State:
    cmd: Cmd
    files: list[Word]
    out: ExResult = field(default_factory=ExResult)

    def opaque(self, what: str, *, dynamic: bool = False) -> None:
        risks = frozenset({Risk.DYNAMIC}) if dynamic else frozenset()
        self.out.effects.append(opaque(f"command {self.cmd.name}",
                                       f"{self.cmd.name} {what[:70]}", risks=risks))

    def shell(self, text: str, how: str) -> None:
        assert self.cmd.run_text is not None
        self.cmd.run_text(self.cmd, text, detail=f"{self.cmd.name} {how}")

    def line(self, text: str, depth: int) -> None:
        """A line of `|`- or newline-separated Ex commands."""
        if depth > _MAX_DEPTH:
            self.opaque("commands nested too deep", dynamic=True)
            return
        rest: str | None = text
        while rest is not None:
            rest = self.one(rest, depth)

    def one(self, text: str, depth: int) -> str | None:
        """Analyse the first command of `text`; return what follows it (None: nothing)."""
        c = _strip_prefixes(text)
        if c is None:
            self.opaque(f"command not understood: {text.strip()}")
            return None
        if not c or c[0] in "\n|":
            return c[1:] if c else None
        if c[0] == '"':  # a comment runs to the end of the line
            nl = c.find("\n")
            return c[nl + 1:] if nl >= 0 else None
        m = _NAME.match(c)
        if m is None:
            self.opaque(f"command not understood: {c}")
            return _after_line(c)
        name, c = m.group(0), c[m.end():]
        bang = c.startswith("!") and name != "!"
        if bang:
            c = c[1:]
        # Commands that take the rest of the line, `|` included.
        # `:!cmd`, `:r !cmd`, `:r!cmd` (read's bang is the filter), `:w !cmd`, `:w! !cmd`.
        if name == "!" or (name in _READ and bang):
            self.shell(c, ":!")
            return _after_line(c)  # a newline may also end it for Vim: look at both readings
        if (name in _READ or name in _WRITE) and c.lstrip().startswith("!"):
            self.shell(c.lstrip()[1:], f":{name} !")
            return _after_line(c)  # a newline may also end it for Vim: look at both readings
        if name in _TERM:
            self.shell(re.sub(r"^(?:\s*\+\+\S+)*\s*", "", c), ":terminal")
            return _after_line(c)
        if name in _CODE:
            lang = _CODE[name]
            code = c.strip()
            self.out.effects.extend(inline_code.python(code, self.cmd) if lang == "python"
                                    else inline_code.script(lang, code, self.cmd))
            return _after_line(c)
        if name in _GLOBAL:
            body = c.lstrip()
            if not body or body[0].isalnum() or body[0] in '\\"|':
                self.opaque(f":{name} not understood: {body}")
                return None
            end = _skip_pattern(body, 0)
            self.line(body[end:] or "p", depth + 1)
            return None
        if name in _DO:
            self.line(c, depth + 1)
            return None
        arg, nxt = _split_arg(c)
        self.simple(name, bang, arg, depth)
        return nxt

    def simple(self, name: str, bang: bool, arg: str, depth: int) -> None:
        """A command that ends at `|` or a newline."""
        a = arg.strip()
        if name in _QUIET:
            return
        if name in _SYNTAX:
            if not set(a.split()) <= _SYNTAX[name]:
                self.opaque(f":{name} {a}")
            return
        if name in _SET:
            bad = [o for o in _option_names(a) if not _safe_option(o)]
            if bad:
                self.opaque(f":set {' '.join(bad)} (runs or writes)")
            return
        if name in _EXPR:
            if name == "let":
                target = a.split("=", 1)[0].strip()
                if target.startswith("&") and not _safe_option(re.sub(r"^&[lg]?:?", "",
                                                                      target)):
                    self.opaque(f":let {target} (runs or writes)")
            self.expr(a, depth)
            return
        if name in _PUT:
            if a.startswith("="):
                self.expr(a[1:], depth)
            return
        if name in _EXE:
            lit = _literal_concat(a)
            if lit is None:
                self.expr(a, depth)
                self.opaque(f":execute of a computed string: {a}", dynamic=True)
            else:
                self.line(lit, depth + 1)
            return
        if name in _SUBST:
            i = arg.find("\\=")
            if i >= 0:  # `s/x/\=expr/`: the replacement is an expression
                self.expr(arg[i + 2:], depth)
            return
        if name in _OPEN:
            for tok in _file_tokens(a):
                if tok.startswith("++"):
                    continue
                if tok.startswith("+"):  # `:edit +CMD file` runs CMD
                    self.line(tok[1:].replace("\\ ", " ") or "$", depth + 1)
                    continue
                self.files.append(self.path(tok))
            return
        if name in _READ:
            for tok in _file_tokens(a):
                if not tok.startswith("+"):
                    self.out.effects.append(fx.path_read(self.cmd.ctx, self.path(tok)))
            return
        if name in _WRITE:
            target = a[2:].strip() if a.startswith(">>") else a
            toks = [t for t in _file_tokens(target) if not t.startswith("++")]
            if toks:
                for tok in toks:
                    self.out.effects.append(fx.path_change(self.cmd.ctx, self.path(tok),
                                                           Verb.UPDATE,
                                                           detail=f"{self.cmd.name} :{name}"))
            else:
                self.out.writes = True
            return
        self.opaque(f":{name}{'!' if bang else ''} {a} (not a known quiet command)")

    def expr(self, expr: str, depth: int) -> None:
        """Function calls in a Vim expression: literal shell commands and Ex strings are
        analysed; any other call may do anything."""
        lits: list[str] = []

        def keep(m: re.Match[str]) -> str:
            lits.append(_decode(m))
            return f"\x01{len(lits) - 1}\x01"

        bare = _STR.sub(keep, expr)
        for m in _CALL.finditer(bare):
            fn = m.group(1)
            if fn in _PURE:
                continue
            am = re.match(r"\s*\x01(\d+)\x01\s*[,)]", bare[m.end():])
            lit = lits[int(am.group(1))] if am else None
            if fn in _RUN_FUNCS and lit is not None:
                self.shell(lit, f"{fn}()")
            elif fn == "execute" and lit is not None:
                self.line(lit, depth + 1)
            elif fn in _CODE_FUNCS and lit is not None:
                lang = _CODE_FUNCS[fn]
                self.out.effects.extend(inline_code.python(lit, self.cmd) if lang == "python"
                                        else inline_code.script(lang, lit, self.cmd))
            else:
                if fn == "feedkeys" and lit is not None and lit.startswith(":"):
                    self.line(re.split(r"[\r\n]", lit[1:], maxsplit=1)[0], depth + 1)
                self.opaque(f"{fn}() in an expression (may run code)", dynamic=True)

    def path(self, tok: str) -> Word:
        """A file name as Vim expands it: `~`, $HOME; `` `cmd` `` and $(…) run the shell."""
        t = tok.replace("\\ ", " ")
        if "`" in t or "$(" in t:
            self.shell(f"echo {t}", "file name expansion")
            return Word(DYN, src=tok)
        home = self.cmd.ctx.line.home
        if t == "~" or t.startswith("~/"):
            t = home + t[1:]
        t = re.sub(r"\$(?:HOME\b|\{HOME\})", home, t)
        t = re.sub(r"\$\{?\w+\}?|(?<!\\)[%#]", DYN, t)  # other variables, current/alternate file
        return Word(t, src=tok, glob=any(ch in t for ch in "*?["))


def _strip_prefixes(text: str) -> str | None:
    """Drop colons, ranges and modifiers before the command name (None: malformed)."""
    c = text
    while True:
        before = c
        c = c.lstrip(" \t:")
        c = _strip_range(c)
        m = re.match(r"[A-Za-z]+", c)
        if m and m.group(0) in _MODIFIERS:
            c = c[m.end():]
            c = c.removeprefix("!")
        elif m and m.group(0) in _FILTER:
            c = c[m.end():].lstrip("!").lstrip()
            if c and not c[0].isalnum():
                c = c[_skip_pattern(c, 0):]
            else:
                c = c.split(None, 1)[1] if " " in c else ""
        if c == before:
            return c


def _strip_range(c: str) -> str:
    i, n = 0, len(c)
    while i < n:
        ch = c[i]
        if ch in " \t%.$,;+-0123456789":
            i += 1
        elif ch == "'" and i + 1 < n:
            i += 2
        elif ch in "/?":
            i = _skip_pattern(c, i)
        elif ch == "\\" and i + 1 < n and c[i + 1] in "/?&":
            i += 2
        else:
            break
    return c[i:]


def _skip_pattern(s: str, i: int) -> int:
    """Index just past a pattern delimited by s[i] (`/pat/`, `#pat#`)."""
    delim, j = s[i], i + 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s[j] == delim:
            return j + 1
        else:
            j += 1
    return len(s)


def _split_arg(c: str) -> tuple[str, str | None]:
    """A command's argument up to an unescaped `|` or a newline, and what follows."""
    i = 0
    while i < len(c):
        ch = c[i]
        if ch in "\\\x16":
            i += 2
            continue
        if ch in "|\n":
            return c[:i], c[i + 1:]
        i += 1
    return c, None


def _after_line(c: str) -> str | None:
    nl = c.find("\n")
    return c[nl + 1:] if nl >= 0 else None


def _file_tokens(a: str) -> list[str]:
    return [t for t in re.split(r"(?<!\\)\s+", a.strip()) if t]


def _option_names(a: str) -> list[str]:
    out = []
    for tok in _file_tokens(a):
        name = re.split(r"[=:+^\-!&?<]", tok, maxsplit=1)[0]
        if name:
            out.append(name)
    return out


def _safe_option(name: str) -> bool:
    if name in _SAFE_OPTIONS:
        return True
    for neg in ("no", "inv"):
        if name.startswith(neg) and name[len(neg):] in _SAFE_OPTIONS:
            return True
    return False


def _decode(m: re.Match[str]) -> str:
    if m.group(1) is None:
        return m.group(2).replace("''", "'")
    s = re.sub(r"\\<(\w+)>", lambda k: _KEYS.get(k.group(1).lower(), ""), m.group(1))
    esc = {"n": "\n", "r": "\r", "t": "\t", "e": "\x1b"}
    return re.sub(r"\\(.)", lambda k: esc.get(k.group(1), k.group(1)), s)


def _literal_concat(a: str) -> str | None:
    """`:execute "a" . 'b' "c"` when made only of string literals (joined as Vim does), else
    None."""
    parts: list[str] = []
    sep = ""
    i = 0
    while i < len(a):
        if a[i] in " \t":
            sep = sep or " "
            i += 1
            continue
        if a[i] == "." and parts:
            sep = "."
            i += 2 if a[i:i + 2] == ".." else 1
            continue
        m = _STR.match(a, i)
        if m is None:
            return None
        parts.append(("" if sep == "." or not parts else " ") + _decode(m))
        sep = ""
        i = m.end()
    return "".join(parts) if parts else None
