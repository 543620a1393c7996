"""What a path is, for the analyzers that touch files (shell, file_write/file_delete).

Tables, not if-chains: each table is a tuple of globs over absolute, normalised paths. `~` in a
pattern means the home directory of the user the action runs as.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping

from ..effects import Effect, Risk, Scope, Target, Verb
from ..globs import any_match

# interlock's own files and the agents' hook settings that wire it in (DESIGN.md "protected").
PROTECTED = (
    "/etc/interlock/**",
    "/var/lib/interlock/**",
    "/var/log/interlock/**",
    "~/.interlock/**",
    "~/.config/interlock/**",
    "**/.interlock/**",
    "**/.claude/settings*.json",
    "**/.claude/hooks/**",
    "~/.claude/**",
    "**/.gemini/settings.json",
    "**/.cursor/hooks.json",
    "**/.kiro/**",
    "**/.codex/config.toml",
    "**/.codex/hooks.json",
    "**/.cursor/hooks/**",
    "**/.gemini/hooks/**",
)
# Names whose presence inside a directory makes a recursive change of that directory tampering.
PROTECTED_CHILDREN = (".interlock", ".claude", ".gemini", ".cursor", ".kiro")

# Persistence and host security: changing these changes who can log in or what runs later.
HOST_SECURITY = (
    "~/.ssh/**",
    "/root/.ssh/**",
    "~/.bashrc", "~/.bash_profile", "~/.bash_login", "~/.bash_logout", "~/.profile",
    "~/.zshrc", "~/.zprofile", "~/.zshenv", "~/.zlogin", "~/.kshrc", "~/.cshrc", "~/.tcshrc",
    "~/.config/fish/**", "~/.pam_environment", "~/.xprofile", "~/.xinitrc",
    "~/.config/autostart/**", "~/.config/systemd/**", "~/.local/share/systemd/**",
    "~/.gitconfig", "~/.config/git/config",
    "**/.git/hooks/**", "**/.git/config",
    "/etc/profile", "/etc/profile.d/**", "/etc/bash.bashrc", "/etc/bashrc", "/etc/zsh/**",
    "/etc/zshrc", "/etc/environment", "/etc/ld.so.preload", "/etc/ld.so.conf*",
    "/etc/sudoers", "/etc/sudoers.d/**", "/etc/doas.conf",
    "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/pam.d/**",
    "/etc/security/**", "/etc/ssh/**", "/etc/hosts",
    "/etc/crontab", "/etc/cron.*/**", "/etc/cron.d", "/var/spool/cron/**", "/etc/anacrontab",
    "/etc/systemd/**", "/lib/systemd/**", "/usr/lib/systemd/**", "/run/systemd/system/**",
    "/etc/init.d/**", "/etc/rc.local", "/etc/rc*.d/**", "/etc/xdg/autostart/**",
    "/etc/iptables/**", "/etc/nftables.conf", "/etc/ufw/**",
    "/etc/gitconfig",
)

# Wiping one of these (or everything in it) takes the host or a user's home with it.
WIPE_ROOTS = (
    "/", "~", "/home", "/root", "/etc", "/usr", "/var", "/bin", "/sbin", "/lib", "/lib32",
    "/lib64", "/boot", "/dev", "/opt", "/srv", "/sys", "/proc", "/run", "/snap", "/Users",
    "/System", "/Library", "/Applications", "/private", "/mnt", "/media",
)

# Block devices: writing them destroys file systems.
BLOCK_DEVICES = (
    "/dev/sd*", "/dev/hd*", "/dev/vd*", "/dev/xvd*", "/dev/nvme*", "/dev/mmcblk*", "/dev/md*",
    "/dev/dm-*", "/dev/mapper/**", "/dev/disk/**", "/dev/loop*", "/dev/sr*", "/dev/root",
    "/dev/mem", "/dev/kmem", "/dev/port", "/dev/rdisk*", "/dev/disk*",
)
# Device files that are safe sinks or sources (`2>/dev/null`).
HARMLESS_DEVICES = (
    "/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty",
    "/dev/fd/*", "/dev/random", "/dev/urandom", "/dev/full", "/dev/pts/*", "/proc/self/fd/*",
)

# Files that hold credentials: reading them is read_secret.
SECRETS = (
    "~/.ssh/id_*", "~/.ssh/*_key", "~/.ssh/*.pem", "/root/.ssh/id_*", "/etc/ssh/ssh_host_*_key",
    "~/.aws/credentials", "~/.aws/sso/cache/**", "~/.aws/cli/cache/**",
    "~/.config/gcloud/**", "~/.azure/**", "~/.kube/config", "~/.kube/*.yaml", "~/.kube/*.yml",
    "~/.docker/config.json", "~/.netrc", "~/.pgpass", "~/.my.cnf", "~/.npmrc", "~/.pypirc",
    "~/.git-credentials", "~/.gnupg/**", "~/.password-store/**", "~/.vault-token",
    "~/.config/rclone/rclone.conf",
    "~/.terraform.d/credentials.tfrc.json", "~/.config/gh/hosts.yml",
    "/etc/shadow", "/etc/gshadow", "/etc/ssl/private/**", "/etc/kubernetes/**",
    "/var/lib/interlock/**", "/proc/*/environ", "/run/secrets/**", "/var/run/secrets/**",
    "**/.env", "**/.env.*", "**/*.tfstate", "**/*.tfstate.backup", "**/*.key", "**/*.p12",
    "**/*.pfx", "**/id_rsa", "**/id_ed25519", "**/id_ecdsa", "**/credentials.json",
    "**/service-account*.json", "**/secrets.y*ml",
)
NOT_SECRETS = ("**/.env.example", "**/.env.sample", "**/.env.template", "~/.ssh/*.pub")


def home_dir(env: Mapping[str, str] | None = None) -> str:
    home = (env or {}).get("HOME") or os.environ.get("HOME") or os.path.expanduser("~")
    return posixpath.normpath(home) if home else "/root"


def _expand(patterns: tuple[str, ...], home: str) -> tuple[str, ...]:
    return tuple(home + p[1:] if p.startswith("~") else p for p in patterns)


_cache: dict[tuple[str, int], tuple[str, ...]] = {}


def _table(patterns: tuple[str, ...], home: str) -> tuple[str, ...]:
    key = (home, id(patterns))
    got = _cache.get(key)
    if got is None:
        got = _cache[key] = _expand(patterns, home)
    return got


def _glob_parent(path: str) -> tuple[str, bool]:
    """For `/x/*` or `/x/.*` return ("/x", True): the directory whose contents the glob covers."""
    base = posixpath.basename(path)
    if base and set(base) <= set("*.?[]!") and "*" in base:
        return posixpath.dirname(path) or "/", True
    return path, False


def is_protected(path: str, home: str | None = None) -> bool:
    home = home or home_dir()
    return any_match(_table(PROTECTED, home), path) is not None or any(
        path == p[: -len("/**")] for p in _table(PROTECTED, home) if p.endswith("/**")
        and "*" not in p[: -len("/**")])


def _covers_protected(directory: str, home: str) -> bool:
    """A recursive change of `directory` reaches one of interlock's files."""
    for p in _table(PROTECTED, home):
        fixed = p.split("*", 1)[0].rstrip("/")
        if fixed and "*" in p and (fixed == directory or fixed.startswith(directory.rstrip("/") + "/")):
            return True
    try:
        return any(os.path.lexists(posixpath.join(directory, c)) for c in PROTECTED_CHILDREN)
    except (OSError, ValueError):
        return False


def is_wipe_root(path: str, home: str) -> bool:
    return path in _table(WIPE_ROOTS, home) or path == home


def path_effect(path: str, verb: Verb, *, recursive: bool = False, dynamic: bool = False,
                detail: str = "", env: Mapping[str, str] | None = None) -> Effect:
    """Classify a change (write, delete, move, chmod …) of an absolute, normalised path.

    A trailing glob segment (`/x/*`) is a change of everything in `/x`.
    """
    home = home_dir(env)
    raw = path
    path = posixpath.normpath(path) if path.startswith("/") else path
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    parent, is_glob = _glob_parent(path)
    risks: set[Risk] = set()
    scope = Scope.MANY if (recursive or is_glob) else Scope.ONE
    if dynamic:
        risks.add(Risk.DYNAMIC)

    if any_match(HARMLESS_DEVICES, path) is not None:
        return Effect(Verb.READ, f"path {path}", (Target("path", path),), detail=detail or
                      "harmless device")
    if any_match(BLOCK_DEVICES, path) is not None and verb is not Verb.READ:
        risks.add(Risk.CATASTROPHIC)
        return Effect(verb, f"device {path}", (Target("path", path),), reversible=False,
                      stateful=True, scope=Scope.ALL, risks=frozenset(risks),
                      detail=detail or "raw write to a block device")

    destructive = verb in (Verb.DELETE, Verb.REPLACE, Verb.UPDATE, Verb.PRIVILEGE)
    wipes = (recursive or is_glob) and destructive and (
        is_wipe_root(parent, home) or (is_glob and is_wipe_root(path, home)))
    if wipes or (verb is Verb.DELETE and is_wipe_root(path, home)):
        risks.add(Risk.CATASTROPHIC)
        scope = Scope.ALL
    if is_protected(path, home) or is_protected(parent, home) or (
            (recursive or is_glob) and _covers_protected(parent, home)):
        risks.add(Risk.TAMPER)
    if any_match(_table(HOST_SECURITY, home), path) is not None or (
            (recursive or is_glob) and any(
                p.split("*", 1)[0].rstrip("/").startswith(parent.rstrip("/") + "/")
                for p in _table(HOST_SECURITY, home))):
        risks.add(Risk.HOST_SECURITY)
    reversible = verb is Verb.CREATE
    return Effect(verb, f"path {raw if is_glob else path}", (Target("path", parent),),
                  reversible=reversible, stateful=False, scope=scope, risks=frozenset(risks),
                  detail=detail)


def _holds_secrets(directory: str, home: str) -> bool:
    """Does the directory contain a credential-file pattern (`~/.aws` holds `~/.aws/credentials`)?
    Only patterns rooted at a fixed directory count: `**/.env` could be anywhere."""
    d = directory.rstrip("/") + "/"
    return any(p.startswith(d) for p in _secret_roots(home))


_roots_cache: dict[str, tuple[str, ...]] = {}


def _secret_roots(home: str) -> tuple[str, ...]:
    got = _roots_cache.get(home)
    if got is None:
        got = _roots_cache[home] = tuple(
            p.split("*", 1)[0] for p in _table(SECRETS, home) if not p.startswith("**"))
    return got


def read_effect(path: str, *, detail: str = "", env: Mapping[str, str] | None = None,
                recursive: bool = False) -> Effect:
    """A read of a path: read_secret for credential files, else read.

    `recursive` (tar, zip, scp -r, rsync, cp -r): a directory that holds credential files
    (`~/.ssh`, `~/.aws`, a home, `/etc`) is read_secret too.
    """
    home = home_dir(env)
    path = posixpath.normpath(path) if path.startswith("/") else path
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    secret = (any_match(_table(SECRETS, home), path) is not None
              and any_match(_table(NOT_SECRETS, home), path) is None)
    why = "credential file"
    if not secret and recursive and path.startswith("/"):
        parent, _ = _glob_parent(path)
        secret = _holds_secrets(parent, home)
        why = "directory holding credential files"
    return Effect(Verb.READ_SECRET if secret else Verb.READ, f"path {path}",
                  (Target("path", path),), detail=detail or (why if secret else ""))
