"""The values the shell walk passes around: words, streams, the line's state, one command."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...effects import Effect, Target
from ...errors import InputError

# Marks an unresolved part (an expansion we cannot know) inside a word's text. Commands never
# contain NUL (analyze_shell rejects it), so the marker cannot collide with real text.
DYN = "\x00"
MAX_DEPTH = 8  # nested re-parses (bash -c, eval, ssh, decoded payloads) before giving up
# Effects (and arguments of one command) per line. Beyond it the line is an error, not an
# opaque tail: an opaque effect is allowed in sandbox, and `rm -rf /` must not hide behind 400
# harmless commands. Each effect costs ~0.2 ms to resolve and judge.
MAX_EFFECTS = 4000


@dataclass(frozen=True, slots=True)
class Word:
    """One argument after quote removal and expansion."""

    text: str  # DYN where a part is unknown
    src: str = ""  # as written, for messages
    glob: bool = False  # unquoted *, ? or [ (the shell would expand it)
    remote: str | None = None  # produced by a download from this host (`$(curl …)`, `<(curl …)`)
    stream: Stream | None = None  # what reading this path yields (process substitution)
    origin: Stream | None = None  # a secret or process list that went into this word ($(…), $VAR)

    @property
    def dynamic(self) -> bool:
        return DYN in self.text

    @property
    def show(self) -> str:
        return self.src or self.text.replace(DYN, "$?")


@dataclass(frozen=True, slots=True)
class Stream:
    """What flows on a pipe: what the next command would read from stdin."""

    kind: str  # "tty" | "literal" | "remote" | "secret" | "file" | "unknown"
    text: str = ""  # literal payload, remote host, or file path

    @property
    def literal(self) -> str | None:
        return self.text if self.kind == "literal" else None


TTY = Stream("tty")
UNKNOWN = Stream("unknown")


@dataclass(slots=True)
class Line:
    """State shared by everything in one analysed command line (effects sink, limits)."""

    effects: list[Effect] = field(default_factory=list)
    home: str = "/root"
    env: Mapping[str, str] = field(default_factory=dict)  # passed to paths.py (HOME only)
    budget: int = 20000  # nodes and commands we are willing to look at
    # Files written earlier in the line → what they hold ("remote" download, "literal" text,
    # "secret", "unknown"): running or uploading them later is judged by that content.
    files: dict[str, Stream] = field(default_factory=dict)
    fifos: set[str] = field(default_factory=set)  # made by mkfifo: reads may see later writes
    # Functions defined but not (yet) called in the line: a persistent shell may call them
    # later, so their bodies are analysed at the end with unknown arguments.
    uncalled: dict[int, tuple[str, Any, Ctx]] = field(default_factory=dict)


@dataclass(slots=True)
class Ctx:
    """Shell state while walking sequentially; subshells and pipeline stages get a copy."""

    line: Line
    cwd: str | None  # None: a `cd` we could not resolve happened
    vars: dict[str, str] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)
    functions: dict[str, Any] = field(default_factory=dict)
    depth: int = 0
    calls: tuple[str, ...] = ()  # functions being expanded (recursion → fork bomb check)
    extra: tuple[Target, ...] = ()  # targets added to every effect (ssh host, container)
    background: bool = False  # in a pipeline or `&`: a self-call here is a fork bomb
    tf_workspace: str | None = None  # `terraform workspace select X` earlier in the line
    aliases: dict[str, str] = field(default_factory=dict)  # `alias x=rm` earlier in the line
    taint: dict[str, Stream] = field(default_factory=dict)  # variable → secret it holds
    fds: dict[str, str] = field(default_factory=dict)  # fd → network host ("*": every fd ≥ 3)
    # $1 … $N inside a function called (or `sh -c` run) with known arguments; None: unknown.
    positional: tuple[str, ...] | None = None

    def child(self, **kw: Any) -> Ctx:
        """A copy for a subshell or pipeline stage; `kw` overrides fields. (Built directly:
        dataclasses.replace costs several times more, and subshells are common.)"""
        if kw.keys() - _CTX_FIELDS:
            raise TypeError(f"Ctx.child: unknown field(s) {sorted(kw.keys() - _CTX_FIELDS)}")
        g = kw.get
        return Ctx(
            g("line", self.line),
            g("cwd", self.cwd),
            kw["vars"] if "vars" in kw else dict(self.vars),
            kw["exported"] if "exported" in kw else set(self.exported),
            kw["functions"] if "functions" in kw else dict(self.functions),
            g("depth", self.depth),
            g("calls", self.calls),
            g("extra", self.extra),
            g("background", self.background),
            g("tf_workspace", self.tf_workspace),
            kw["aliases"] if "aliases" in kw else dict(self.aliases),
            kw["taint"] if "taint" in kw else dict(self.taint),
            kw["fds"] if "fds" in kw else dict(self.fds),
            g("positional", self.positional),
        )

    def emit(self, effects: list[Effect]) -> None:
        out = self.line.effects
        if len(out) + len(effects) > MAX_EFFECTS:
            raise InputError(f"shell: command too large to analyse (more than {MAX_EFFECTS} effects)")
        for e in effects:
            if self.extra:
                e.targets = tuple(e.targets) + tuple(t for t in self.extra if t not in e.targets)
            out.append(e)

    def abspath(self, text: str) -> str | None:
        """An absolute normalised path, or None when it depends on an unknown cwd."""
        if text.startswith("/"):
            p = posixpath.normpath(text)
            return "/" + p.lstrip("/") if p.startswith("//") else p
        if self.cwd is None:
            return None
        return posixpath.normpath(posixpath.join(self.cwd, text))


_CTX_FIELDS = frozenset(Ctx.__dataclass_fields__)


@dataclass(slots=True)
class Cmd:
    """One simple command about to run, as its handler sees it."""

    name: str
    args: list[Word]
    ctx: Ctx
    stdin: Stream = TTY
    assigns: dict[str, str] = field(default_factory=dict)  # prefix assignments (`A=b cmd`)
    stdout: Stream = UNKNOWN
    net_out: str | None = None  # stdout goes to this network host (`> /dev/tcp/h/p`)
    # Set by dispatch: analyse nested argv / nested shell text in this command's context.
    run_words: Callable[..., Any] | None = None
    run_text: Callable[..., Any] | None = None

    def var(self, name: str) -> str | None:
        """A variable the program would see in its environment (None: unset or unknown)."""
        if name in self.assigns:
            v = self.assigns[name]
        elif name in self.ctx.exported and name in self.ctx.vars:
            v = self.ctx.vars[name]
        else:
            return None
        return None if DYN in v else v

    @property
    def argv_text(self) -> str:
        return " ".join([self.name, *(w.show for w in self.args)])
