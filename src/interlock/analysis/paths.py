"""What a path is, for the analyzers that touch files (shell, file_write/file_delete).

Tables, not if-chains: each table is a tuple of globs over absolute, normalised paths. `~` in a
pattern means the home directory of the user the action runs as, and also the home a path lies
in (`/home/bob/.aws/credentials` is a credential file whoever runs the command).
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
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
    # Directories on the user's PATH: a file there shadows a program for every later command.
    "~/.local/bin/**", "~/bin/**",
    # Package-manager settings: registry, index and script-shell for every later install.
    "~/.npmrc", "~/.yarnrc", "~/.yarnrc.yml", "~/.config/pip/pip.conf", "~/.pip/pip.conf",
    "~/.pydistutils.cfg", "~/.cargo/config", "~/.cargo/config.toml", "~/.gemrc",
    "~/.m2/settings.xml", "~/.gradle/gradle.properties", "~/.config/uv/uv.toml",
    "/etc/pip.conf", "/etc/npmrc",
    # Read and run by the shell or editor on their own: direnv on cd, ~/.inputrc, ~/.vimrc.
    "~/.config/direnv/**", "~/.inputrc", "~/.vimrc", "~/.config/nvim/**", "~/.emacs",
    "~/.emacs.d/init.el", "~/.tmux.conf", "~/.screenrc",
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

# Kernel interfaces whose write takes the host down at once (sysrq `c` crashes, `b` reboots;
# deleting EFI variables can brick the firmware; opening the watchdog arms a reboot).
KERNEL_CATASTROPHIC = (
    "/proc/sysrq-trigger", "/sys/firmware/efi/efivars/**", "/sys/firmware/efi/vars/**",
    "/dev/watchdog*", "/sys/power/state", "/proc/sys/kernel/panic*",
)
# Kernel and device interfaces: a write changes the running host (tunables, devices, drivers).
KERNEL_WRITES = ("/proc/**", "/sys/**", "/dev/**")
# Device paths that are scratch space or network endpoints (redirect analysis handles those).
KERNEL_SCRATCH = ("/dev/shm/**", "/dev/mqueue/**", "/dev/tcp/**", "/dev/udp/**")

# The machine's own state stores (databases, container runtimes, cluster stores): deleting one
# loses every database or container on the host, which no project change needs.
SYSTEM_DATA = (
    "/var/lib/postgresql", "/var/lib/pgsql", "/var/lib/postgres", "/var/lib/mysql",
    "/var/lib/mariadb", "/var/lib/mongodb", "/var/lib/mongo", "/var/lib/redis",
    "/var/lib/docker", "/var/lib/containerd", "/var/lib/containers", "/var/lib/etcd",
    "/var/lib/kubelet", "/var/lib/rancher", "/var/lib/elasticsearch", "/var/lib/opensearch",
    "/var/lib/cassandra", "/var/lib/clickhouse", "/var/lib/influxdb", "/var/lib/rabbitmq",
    "/var/lib/zookeeper", "/var/lib/kafka", "/var/lib/couchdb", "/var/lib/neo4j",
    "/var/lib/libvirt", "/var/lib/lxd", "/var/lib/vault", "/var/lib/consul",
    "/var/lib/prometheus", "/var/lib/grafana", "/var/lib/minio", "/var/opt/mssql",
    "/var/snap/lxd", "/usr/local/var/postgres*", "/usr/local/var/mysql",
    "/opt/homebrew/var/postgres*", "/opt/homebrew/var/mysql", "/data/db",
)
# Deleting a whole directory right under one of these removes part of the operating system
# (`rm -rf /usr/lib`, `/etc/ssl`, `/var/lib`); scratch dirs are ordinary work.
SYSTEM_ROOTS = ("/etc", "/usr", "/var", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
                "/System", "/Library", "/private")
SYSTEM_SCRATCH = ("/var/tmp", "/var/cache", "/usr/src", "/var/log", "/var/www", "/var/mail")

# Files that hold credentials: reading them is read_secret.
SECRETS = (
    "~/.ssh/id_*", "~/.ssh/*_key", "~/.ssh/*.pem", "/root/.ssh/id_*", "/etc/ssh/ssh_host_*_key",
    "~/.aws/credentials", "~/.aws/sso/cache/**", "~/.aws/cli/cache/**",
    "~/.config/gcloud/**", "~/.azure/**", "~/.kube/config", "~/.kube/*.yaml", "~/.kube/*.yml",
    "~/.docker/config.json", "~/.netrc", "~/.pgpass", "~/.my.cnf", "~/.npmrc", "~/.pypirc",
    "~/.git-credentials", "~/.gnupg/**", "~/.password-store/**", "~/.vault-token",
    "~/.config/rclone/rclone.conf",
    "~/.terraform.d/credentials.tfrc.json", "~/.config/gh/hosts.yml",
    # tool tokens kept in plain files
    "~/.terraformrc", "~/.s3cfg", "~/.boto", "~/.config/hub", "~/.cargo/credentials",
    "~/.cargo/credentials.toml", "~/.gem/credentials", "~/.config/op/**", "~/.oci/**",
    "~/.claude/.credentials.json", "~/.codex/auth.json", "~/.config/containers/auth.json",
    "~/.dockercfg", "~/.m2/settings-security.xml", "~/.config/doctl/config.yaml",
    "~/.fly/config.yml", "~/.config/heroku/**", "~/.local/share/com.vercel.cli/auth.json",
    # shell and REPL histories: passwords and tokens typed on command lines and prompts
    "~/.bash_history", "~/.zsh_history", "~/.histfile", "~/.sh_history", "~/.history",
    "~/.local/share/fish/fish_history", "~/.psql_history", "~/.mysql_history",
    "~/.python_history", "~/.node_repl_history", "~/.rediscli_history", "~/.lesshst",
    "~/.sqlite_history", "~/.irb_history", "~/.dbshell", "~/.mongosh/*_history",
    "~/.local/share/mongodb/mongosh/*_history",
    "/etc/shadow", "/etc/gshadow", "/etc/ssl/private/**", "/etc/kubernetes/**",
    "/var/lib/interlock/**", "/proc/*/environ", "/run/secrets/**", "/var/run/secrets/**",
    "**/.env", "**/.env.*", "**/*.tfstate", "**/*.tfstate.backup", "**/*.key", "**/*.p12",
    "**/*.pfx", "**/id_rsa", "**/id_ed25519", "**/id_ecdsa", "**/credentials.json",
    "**/service-account*.json", "**/secrets.y*ml",
    "**/id_dsa", "**/deploy_key", "**/*_deploy_key", "**/privkey*.pem", "**/*-key.pem",
    "**/*_key.pem", "**/*.key.pem",
    # distinctive names, wherever a home is (service users, backups, mounted volumes)
    "**/.aws/credentials", "**/.ssh/id_*", "**/.kube/config", "**/.docker/config.json",
    "**/.netrc", "**/.pgpass", "**/.git-credentials", "**/.config/gcloud/**",
    "**/.vault-token", "**/application_default_credentials.json",
)
NOT_SECRETS = ("**/.env.example", "**/.env.sample", "**/.env.template", "~/.ssh/*.pub",
               "**/.ssh/*.pub")


def home_dir(env: Mapping[str, str] | None = None) -> str:
    home = (env or {}).get("HOME") or os.environ.get("HOME") or os.path.expanduser("~")
    return posixpath.normpath(home) if home else "/root"


def _expand(patterns: tuple[str, ...], home: str) -> tuple[str, ...]:
    return tuple(home + p[1:] if p.startswith("~") else p for p in patterns)


# A path inside somebody's home: that home is `~` for it too.
_HOME_OF = re.compile(r"(/home/[^/]+|/Users/[^/]+|/root|/var/root)(?=/|$)")


def _homes(path: str, home: str) -> tuple[str, ...]:
    """The homes `~` stands for when classifying `path`: the agent's, and the one it lies in."""
    m = _HOME_OF.match(path)
    if m is None or m.group(1) == home:
        return (home,)
    return (home, m.group(1))


def _any_home(patterns: tuple[str, ...], path: str, home: str) -> str | None:
    for h in _homes(path, home):
        got = any_match(_table(patterns, h), path)
        if got is not None:
            return got
    return None


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
    return any(any_match(_table(PROTECTED, h), path) is not None or any(
        path == p[: -len("/**")] for p in _table(PROTECTED, h) if p.endswith("/**")
        and "*" not in p[: -len("/**")]) for h in _homes(path, home))


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



# -- shell globs in an operand (`rm -rf .clau*`, `rm ~/.bash*`): what could they expand to? ----
_GLOB_CHARS = frozenset("*?[")


def _globby(seg: str) -> bool:
    return not _GLOB_CHARS.isdisjoint(seg)


def _seg_hit(pat: str, name: str) -> bool:
    """Could operand segment `pat` name `name`? A `*` in a table name (settings*.json) stands
    for anything, so it is tried as written and with the star dropped."""
    if pat == "**":
        return True
    names = {name, name.replace("*", "")}
    # The shell's `*`, `?` and `[..]` skip dot files unless the pattern itself starts with a dot.
    return any((not n.startswith(".") or pat.startswith(".") or not _globby(pat))
               and fnmatch.fnmatchcase(n, pat) for n in names)


def _segs_hit(g: list[str], c: list[str], recursive: bool) -> bool:
    """Could glob segments `g` name the table path `c` (or, when `recursive`, an ancestor of
    it)? `**` at the end of `c` is anything below; `**` in `g` spans any segments."""
    if c and c[0] == "**" and len(c) == 1:
        return True  # below a protected directory: whatever `g` still names is inside it
    if not g:
        return not c or recursive
    if g[0] == "**":  # globstar spans directories, but (like `*`) not dot directories
        spans = next((i for i, x in enumerate(c) if x.startswith(".") or x == "**"), len(c))
        return any(_segs_hit(g[1:], c[i:], recursive) for i in range(spans + 1))
    if not c:
        return False
    return _seg_hit(g[0], c[0]) and _segs_hit(g[1:], c[1:], recursive)


def glob_reaches(path: str, patterns: tuple[str, ...], home: str, *, recursive: bool) -> str | None:
    """The table pattern a globbed operand could expand onto, if any.

    A table pattern that starts with `**/` is placed under the operand's literal directory (the
    one before its first glob segment); deeper copies are not tried.
    """
    segs = path.strip("/").split("/")
    first = next((i for i, s in enumerate(segs) if _globby(s)), None)
    if first is None:
        return None
    literal = "/" + "/".join(segs[:first])
    for p in patterns:
        p = home + p[1:] if p.startswith("~") else p
        if p.startswith("**/"):
            p = literal.rstrip("/") + "/" + p[3:]
        if _segs_hit(segs, p.strip("/").split("/") if p != "/" else [], recursive):
            return p
    return None


def is_wipe_root(path: str, home: str) -> bool:
    """`/`, a system root, or a home (the agent's or anybody's)."""
    return path in _table(WIPE_ROOTS, home) or path == home or (
        _HOME_OF.fullmatch(path) is not None)


def _system_data(path: str) -> str:
    """"store" for one of SYSTEM_DATA itself, "inside" for a path in one, else ""."""
    if any_match(SYSTEM_DATA, path) is not None:
        return "store"
    d = path
    while d not in ("/", ""):
        d = posixpath.dirname(d)
        if any_match(SYSTEM_DATA, d) is not None:
            return "inside"
    return ""


def _system_subtree(path: str) -> bool:
    """A directory right under a system root (`/usr/lib`, `/etc/ssl`), not scratch space."""
    parent = posixpath.dirname(path)
    return parent in SYSTEM_ROOTS and path not in SYSTEM_SCRATCH


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
    kernel = verb is not Verb.READ and any_match(KERNEL_WRITES, path) is not None and (
        any_match(KERNEL_SCRATCH, path) is None)
    if kernel and any_match(KERNEL_CATASTROPHIC, path) is not None:
        return Effect(verb, f"path {path}", (Target("path", path),), reversible=False,
                      scope=Scope.ALL, risks=frozenset(risks | {Risk.CATASTROPHIC}),
                      detail=detail or "kernel interface that takes the host down")
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
    if _globby(path) and not is_glob:  # `.clau*`, `~/.bash*`, `/h*`: test what it may name
        reach = recursive or verb is not Verb.CREATE
        if glob_reaches(path, PROTECTED, home, recursive=reach):
            risks.add(Risk.TAMPER)
        if glob_reaches(path, HOST_SECURITY, home, recursive=reach):
            risks.add(Risk.HOST_SECURITY)
        if destructive and recursive and glob_reaches(path, WIPE_ROOTS + (home,), home,
                                                      recursive=False):
            risks.add(Risk.CATASTROPHIC)
            scope = Scope.ALL
    if _any_home(HOST_SECURITY, path, home) is not None or (
            (recursive or is_glob) and any(
                p.split("*", 1)[0].rstrip("/").startswith(parent.rstrip("/") + "/")
                for h in _homes(parent, home) for p in _table(HOST_SECURITY, h))):
        risks.add(Risk.HOST_SECURITY)
    if kernel:
        risks.add(Risk.HOST_SECURITY)
        detail = detail or "kernel or device interface"
    stateful = False
    store = _system_data(parent) if verb in (Verb.DELETE, Verb.REPLACE, Verb.UPDATE) else ""
    if store == "store" and verb is not Verb.UPDATE:
        # The host's database / container store: every database on the machine goes with it.
        risks |= {Risk.HOST_SECURITY, Risk.MASS_DESTRUCTION}
        stateful, scope = True, Scope.ALL
        detail = detail or "the host's own data store"
    elif store:
        risks.add(Risk.HOST_SECURITY)
        stateful = True
        detail = detail or "inside the host's own data store"
    elif verb is Verb.DELETE and (recursive or is_glob) and _system_subtree(parent):
        risks.add(Risk.HOST_SECURITY)
        detail = detail or "part of the operating system"
    reversible = verb is Verb.CREATE
    return Effect(verb, f"path {raw if is_glob else path}", (Target("path", parent),),
                  reversible=reversible, stateful=stateful, scope=scope, risks=frozenset(risks),
                  detail=detail)


def _holds_secrets(directory: str, home: str) -> bool:
    """Does the directory contain a credential-file pattern (`~/.aws` holds `~/.aws/credentials`)?
    Only patterns rooted at a fixed directory count: `**/.env` could be anywhere."""
    d = directory.rstrip("/") + "/"
    if _HOME_OF.match(d) is None and any(h.startswith(d) for h in ("/home/", "/Users/", "/root/")):
        return True  # holds homes
    return any(p.startswith(d) for h in _homes(directory, home) for p in _secret_roots(h))


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
    secret = (_any_home(SECRETS, path, home) is not None
              and _any_home(NOT_SECRETS, path, home) is None)
    why = "credential file"
    if not secret and recursive and path.startswith("/"):
        parent, _ = _glob_parent(path)
        secret = _holds_secrets(parent, home)
        why = "directory holding credential files"
    return Effect(Verb.READ_SECRET if secret else Verb.READ, f"path {path}",
                  (Target("path", path),), detail=detail or (why if secret else ""))
