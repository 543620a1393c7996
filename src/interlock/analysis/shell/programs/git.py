"""git: subcommand table plus the few that need their arguments read (push, reset, clean, …)."""

from __future__ import annotations

from ....effects import Effect, Risk, Scope, Target, Verb
from .. import fx
from ..argv import parse
from ..model import Cmd
from . import Handler

GIT_READ = {"status", "log", "diff", "show", "fetch", "blame", "grep", "ls-files", "ls-remote",
            "rev-parse", "describe", "shortlog", "reflog", "cat-file", "show-ref", "whatchanged",
            "ls-tree", "rev-list", "name-rev", "for-each-ref", "help", "version", "var",
            "check-ignore", "cherry", "count-objects", "fsck", "range-diff", "merge-base",
            "verify-commit", "archive", "bundle", "difftool", "notes"}
GIT_UPDATE = {"commit", "add", "checkout", "switch", "merge", "rebase", "pull", "cherry-pick",
              "revert", "restore", "mv", "am", "apply", "init", "clone", "submodule", "worktree",
              "tag", "stash", "remote", "sparse-checkout", "lfs", "bisect", "mergetool", "gc",
              "prune", "repack", "maintenance", "pack-refs", "update-index", "commit-tree"}
# Subcommand options whose value is a command git runs locally (or over a transport that may
# be local: `git fetch --upload-pack='rm -rf ~' ../repo`); ATTACHED ones take a glued value only.
GIT_RUN_OPTS: dict[str, tuple[str, ...]] = {
    "fetch": ("--upload-pack",), "pull": ("--upload-pack",), "clone": ("--upload-pack", "-u"),
    "ls-remote": ("--upload-pack", "-u"), "fetch-pack": ("--upload-pack", "--exec"),
    "archive": ("--exec",), "push": ("--receive-pack", "--exec"),
    "send-pack": ("--receive-pack", "--exec"), "difftool": ("--extcmd", "-x"),
    "instaweb": ("--httpd", "-d", "--browser", "-b"),
}
GIT_RUN_ATTACHED: dict[str, tuple[str, ...]] = {"grep": ("-O", "--open-files-in-pager")}
# Subcommand options whose value is a file (or directory) git writes.
GIT_OUTPUT_OPTS: dict[str, tuple[str, ...]] = {
    **{s: ("--output",) for s in ("log", "show", "diff", "whatchanged", "range-diff",
                                  "diff-tree", "diff-index", "diff-files", "shortlog")},
    "archive": ("--output", "-o"), "format-patch": ("--output-directory", "-o"),
}
# Reads unless given one of these words (`git notes add` writes a note).
GIT_READ_UNLESS: dict[str, frozenset[str]] = {
    "notes": frozenset({"add", "append", "copy", "edit", "merge", "remove", "prune"}),
    "bundle": frozenset({"create", "unbundle"}),
}
# Settings that make git run a program later.
GIT_EXEC_KEYS = {"core.hookspath", "core.sshcommand", "core.fsmonitor", "core.pager",
                 "core.editor", "credential.helper", "core.gitproxy", "sequence.editor",
                 "diff.external", "gpg.program", "core.askpass", "init.templatedir"}


# Settings whose value is a shell command git runs (`!cmd` for helpers and aliases), and the
# environment variables that do the same: `git -c core.pager='rm -rf ~' log` runs rm.
GIT_SHELL_KEYS = {"core.pager", "core.sshcommand", "core.fsmonitor", "core.editor",
                  "sequence.editor", "diff.external", "gpg.program", "core.askpass",
                  "core.gitproxy", "credential.helper", "pager.log", "pager.diff", "pager.show",
                  "interactive.difffilter", "gpg.ssh.program", "uploadpack.packobjectshook"}
GIT_SHELL_ENV = ("GIT_PAGER", "PAGER", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "EDITOR", "VISUAL",
                 "GIT_SSH_COMMAND", "GIT_SSH", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS",
                 "SSH_ASKPASS", "GIT_PROXY_COMMAND")
# Per-command settings through the environment that we do not read one by one.
GIT_CONFIG_ENV = ("GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG_GLOBAL",
                  "GIT_CONFIG_SYSTEM", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR")


def _configured_commands(cmd: Cmd, settings: list[str], repo_t: tuple[Target, ...]) -> list[Effect]:
    """Run the shell commands that `-c key=value` and GIT_* variables hand to git."""
    assert cmd.run_text is not None
    out: list[Effect] = []
    for kv in settings:
        key, _, value = kv.partition("=")
        key = key.lower()
        if key in GIT_SHELL_KEYS and value:
            cmd.run_text(cmd, value.removeprefix("!"), detail=f"git -c {key}")
        elif key == "core.hookspath":
            out.append(fx.eff(Verb.EXECUTE, f"git hooks in {value}", repo_t,
                              detail="git -c core.hooksPath (runs those hooks)"))
        elif key.startswith(("filter.", "diff.", "merge.")) and key.endswith(
                (".clean", ".smudge", ".process", ".textconv", ".command", ".driver")):
            cmd.run_text(cmd, value, detail=f"git -c {key}")
    for var in GIT_SHELL_ENV:
        v = cmd.var(var)
        if v:
            cmd.run_text(cmd, v, detail=f"{var} for git")
    if any(cmd.var(v) is not None for v in GIT_CONFIG_ENV):
        out.append(fx.eff(Verb.EXECUTE, "git configuration from the environment", repo_t,
                          detail="GIT_CONFIG_* may name programs git runs"))
    return out


def _alias(cmd: Cmd, value: str, sub: str, args: list, repo_t: tuple[Target, ...]) -> list[Effect]:
    """`git -c alias.x='!rm -rf ~' x`: the alias is what runs."""
    from .wrappers import _quote

    assert cmd.run_text is not None
    tail = " ".join(w.text if w.dynamic else _quote(w.text) for w in args)
    if value.startswith("!"):
        cmd.run_text(cmd, f"{value[1:]} {tail}".strip(), detail=f"git alias {sub}")
        return [fx.eff(Verb.EXECUTE, f"git alias {sub}", repo_t, detail=f"!{value[1:80]}")]
    cmd.run_text(cmd, f"git {value} {tail}".strip(), detail=f"git alias {sub}")
    return []


def git(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "Cc", frozenset({"--git-dir", "--work-tree", "--namespace",
                                         "--exec-path", "--config-env"}), stop_at_operand=True)
    ctx = cmd.ctx
    c = o.get("-C")
    repo = ctx.abspath(c) if c else ctx.cwd
    repo_t = (Target("path", repo),) if repo else ()
    if not o.rest:
        return [fx.eff(Verb.READ, "command git")]
    sub, args = o.rest[0].text, o.rest[1:]
    extra = _configured_commands(cmd, o.all("-c"), repo_t)
    if o.has("--config-env", "--exec-path"):
        extra.append(fx.eff(Verb.EXECUTE, "git configuration from the environment", repo_t,
                            detail="git --config-env/--exec-path may name programs git runs"))
    alias = next((kv.partition("=")[2] for kv in reversed(o.all("-c"))
                  if kv.partition("=")[0].lower() == f"alias.{sub.lower()}"), None)
    if alias is not None:
        return extra + _alias(cmd, alias, sub, args, repo_t)
    return extra + _option_effects(cmd, sub, args, repo_t) + _git_sub(cmd, sub, args, repo, repo_t)


def _option_effects(cmd: Cmd, sub: str, args: list, repo_t: tuple[Target, ...]) -> list[Effect]:
    """Commands and output files a subcommand's options name (`git log --output=~/.bashrc`)."""
    from .optvals import option_values

    assert cmd.run_text is not None
    out: list[Effect] = []
    runs = option_values(args, GIT_RUN_OPTS.get(sub, ()), attached=GIT_RUN_ATTACHED.get(sub, ()))
    for v in runs:
        if v.text:
            cmd.run_text(cmd, v.text, detail=f"git {sub} option runs a command")
    if runs:
        out.append(fx.eff(Verb.EXECUTE, f"git {sub} command", repo_t,
                          detail=f"git {sub} runs a program named on the line"))
    out.extend(fx.path_change(cmd.ctx, v, Verb.UPDATE, recursive=sub == "format-patch",
                              detail=f"git {sub} writes it")
               for v in option_values(args, GIT_OUTPUT_OPTS.get(sub, ()))
               if v.text and v.text not in ("-", "/dev/stdout"))
    words = GIT_READ_UNLESS.get(sub)
    if words and any(w.text in words for w in args):
        out.append(fx.eff(Verb.UPDATE, f"git {sub}", repo_t, detail=f"git {sub} (writes)"))
    return out


def _git_sub(cmd: Cmd, sub: str, args: list, repo: str | None,
             repo_t: tuple[Target, ...]) -> list[Effect]:
    ctx = cmd.ctx
    res = f"git repo {repo or '(unknown)'}"
    if sub == "submodule" and args and args[0].text == "foreach":
        assert cmd.run_text is not None
        rest = [w for w in args[1:] if w.text not in ("--recursive", "--quiet", "-q")]
        if rest:
            cmd.run_text(cmd, " ".join(w.text for w in rest), detail="git submodule foreach")
        return [fx.eff(Verb.UPDATE, res, repo_t, detail="git submodule foreach")]
    if sub == "bisect" and args[:1] and args[0].text == "run" and len(args) > 1:
        assert cmd.run_words is not None
        cmd.run_words(cmd, args[1:])
        return [fx.eff(Verb.UPDATE, res, repo_t, detail="git bisect run")]
    if sub == "rebase":
        assert cmd.run_text is not None
        texts = [w.text for w in args]
        for i, t in enumerate(texts):
            if t in ("-x", "--exec") and i + 1 < len(texts):
                cmd.run_text(cmd, texts[i + 1], detail="git rebase --exec")
            elif t.startswith("--exec="):
                cmd.run_text(cmd, t[len("--exec="):], detail="git rebase --exec")
    a = parse(args, "mCcFteSAbBuUoOXsrjn", frozenset({"--message", "--file", "--author",
                                                        "--date", "--upstream", "--onto",
                                                        "--strategy", "--branch", "--depth",
                                                        "--repo", "--push-option", "-o"}))
    if sub == "push":
        return _push(a, repo_t)
    if sub == "reflog" and a.pos[:1] and a.pos[0].text in ("expire", "delete"):
        return [fx.eff(Verb.DELETE, f"{res} reflog", repo_t, scope=Scope.MANY,
                       detail=f"git reflog {a.pos[0].text} (drops recovery points)")]
    if sub == "reset":
        if a.has("--hard", "--merge", "--keep"):
            return [fx.eff(Verb.DELETE, res, repo_t, detail="git reset --hard (discards local changes)",
                           scope=Scope.MANY)]
        return [fx.eff(Verb.UPDATE, res, repo_t, detail="git reset")]
    if sub == "clean":
        if a.has("-n", "--dry-run"):
            return [fx.eff(Verb.READ, res, repo_t, detail="git clean -n")]
        x = " -x (ignored files too)" if a.has("-x", "-X") else ""
        return [fx.eff(Verb.DELETE, res, repo_t, scope=Scope.MANY,
                       detail=f"git clean (deletes untracked files){x}")]
    if sub == "branch":
        names = [w.text for w in a.pos]
        if a.has("-D", "-d", "--delete"):
            return [fx.eff(Verb.DELETE, f"git branch {n}", (Target("git_branch", n), *repo_t),
                           detail="git branch -D") for n in names] or [
                fx.eff(Verb.READ, res, repo_t)]
        if a.has("-m", "-M", "--move", "-c", "-C", "-f", "--force") or (names and not a.has(
                "-l", "--list", "-a", "-r", "-v", "-vv", "--contains", "--merged")):
            return [fx.eff(Verb.UPDATE, f"git branch {' '.join(names)}", repo_t, detail="git branch")]
        return [fx.eff(Verb.READ, res, repo_t, detail="git branch (list)")]
    if sub == "config":
        return _config(a, repo_t, res)
    if sub == "stash" and a.pos[:1] and a.pos[0].text in ("drop", "clear"):
        return [fx.eff(Verb.DELETE, f"{res} stash", repo_t, detail=f"git stash {a.pos[0].text}")]
    if sub == "stash" and a.pos[:1] and a.pos[0].text in ("list", "show"):
        return [fx.eff(Verb.READ, f"{res} stash", repo_t)]
    if sub == "rm":
        return [fx.path_change(ctx, w, Verb.DELETE, recursive=a.has("-r"), detail="git rm")
                for w in a.pos] or [fx.eff(Verb.UPDATE, res, repo_t)]
    if sub in ("checkout", "restore") and (a.has("-f", "--force") or "--" in [w.text for w in args]
                                           or any(w.text == "." for w in a.pos)):
        return [fx.eff(Verb.UPDATE, res, repo_t, reversible=False,
                       detail=f"git {sub} (overwrites local changes)")]
    if sub in ("filter-branch", "filter-repo", "replace"):
        return [fx.eff(Verb.REPLACE, res, repo_t, scope=Scope.ALL, detail=f"git {sub} (rewrites history)")]
    if sub == "update-ref" and a.has("-d"):
        return [fx.eff(Verb.DELETE, res, repo_t, detail="git update-ref -d")]
    if sub == "tag" and a.has("-d", "--delete"):
        return [fx.eff(Verb.DELETE, f"git tag {' '.join(w.text for w in a.pos)}", repo_t)]
    if sub == "tag" and not a.pos:
        return [fx.eff(Verb.READ, res, repo_t, detail="git tag (list)")]
    if sub == "remote" and (not a.pos or a.pos[0].text in ("show", "get-url", "-v")):
        return [fx.eff(Verb.READ, res, repo_t, detail="git remote")]
    if sub in GIT_READ:
        return [fx.eff(Verb.READ, res, repo_t, detail=f"git {sub}")]
    if sub in GIT_UPDATE:
        verb = Verb.CREATE if sub in ("clone", "init") else Verb.UPDATE
        return [fx.eff(verb, res, repo_t, detail=f"git {sub}")]
    return [fx.eff(Verb.EXECUTE, res, repo_t, detail=f"git {sub} (unknown or alias)")]


def _push(a: object, repo_t: tuple[Target, ...]) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(a, Opts)
    force = a.has("-f", "--force", "--force-with-lease", "--force-if-includes")
    remote = a.pos[0].text if a.pos else "origin"
    refs = [w.text for w in a.pos[1:]]
    detail = f"git push to {remote}"
    if a.has("--mirror"):
        return [fx.eff(Verb.REPLACE, f"git remote {remote}", (Target("git_branch", "*"), *repo_t),
                       scope=Scope.ALL, detail=detail + " --mirror (overwrites every ref)",
                       risks=(Risk.MASS_DESTRUCTION,))]
    if a.has("--all", "--tags") and not refs:
        refs = ["*"]
    out: list[Effect] = []
    for r in refs or [None]:
        if r is None:
            branch, verb, d = None, Verb.UPDATE, detail
        else:
            plus = r.startswith("+")
            src, colon, dst = r.lstrip("+").partition(":")
            branch = (dst if colon else src).removeprefix("refs/heads/")
            if a.has("-d", "--delete") or (colon and not src):
                verb, d = Verb.DELETE, detail + " --delete (deletes the remote branch)"
            elif plus or force:
                verb, d = Verb.REPLACE, detail + " --force (overwrites remote history)"
            else:
                verb, d = Verb.UPDATE, detail
        if r is None and force:
            verb, d = Verb.REPLACE, detail + " --force (overwrites remote history)"
        out.append(fx.eff(verb, f"git branch {branch or '(current)'}",
                          (Target("git_branch", branch), *repo_t), detail=d,
                          reversible=verb is Verb.UPDATE))
    return out


def _config(a: object, repo_t: tuple[Target, ...], res: str) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(a, Opts)
    scope = "global" if a.has("--global") else "system" if a.has("--system") else "local"
    reads = a.has("--get", "--get-all", "--list", "-l", "--get-regexp", "--show-origin")
    keys = [w.text.lower() for w in a.pos]
    if reads or len(a.pos) <= 1 and not a.has("--unset", "--unset-all", "--add", "--replace-all"):
        # credential.* values (`credential.<url>.password`); other keys, listings and remote
        # URLs stay reads, as `git remote -v` is
        secret = any(k.startswith("credential") for k in keys)
        return [fx.eff(Verb.READ_SECRET if secret else Verb.READ, f"git config ({scope})",
                       repo_t, detail="git config read" + (" (may print credentials)"
                                                           if secret else ""))]
    risks = (Risk.HOST_SECURITY,) if keys and (keys[0] in GIT_EXEC_KEYS or keys[0].startswith(
        ("alias.", "filter.", "url."))) else ()
    return [fx.eff(Verb.UPDATE, f"git config ({scope}) {keys[0] if keys else ''}".strip(),
                   repo_t, risks=risks, detail=f"git config --{scope} {keys[0] if keys else ''}")]


HANDLERS: dict[str, Handler] = {"git": git}
