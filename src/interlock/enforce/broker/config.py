"""The broker server's configuration: a TOML file the broker user owns, plus CLI overrides.

    # /etc/interlock/broker.toml
    socket = "/run/interlock/broker.sock"
    socket_mode = "0666"          # who may connect; SO_PEERCRED + [agents] decide who is served
    db = "sqlite:////var/lib/interlock/interlock.db"
    inventory = "/etc/interlock/inventory.toml"
    policy = "/etc/interlock/policy"              # optional: the shipped pack otherwise
    env = "production"                             # default tier for unknown targets
    credentials = "/etc/interlock/credentials.toml"
    path = "/usr/local/bin:/usr/bin:/bin"          # PATH children get (never the client's)
    run_as = "deploy"                              # optional: run children as this user
    max_timeout = 3600                             # seconds a child may run at most
    private = ["/etc/interlock/kube"]              # more paths no command may touch
    [agents]                                        # OS user (name or uid) → agent principal
    claude = "claude-code"
    "1001" = "codex"
"""

from __future__ import annotations

import pwd
import tomllib
from dataclasses import dataclass, field

from ...errors import ConfigError

DEFAULT_SOCKET = "/run/interlock/broker.sock"
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
KEYS: dict[str, type | tuple[type, ...]] = {"socket": str, "socket_mode": (str, int), "db": str, "inventory": str, "policy": str,
        "env": str, "credentials": str, "path": str, "run_as": str, "max_timeout": (int, float),
        "poll": (int, float), "agents": dict, "private": list}


@dataclass(slots=True)
class BrokerConfig:
    socket: str = DEFAULT_SOCKET
    socket_mode: int = 0o666
    db: str | None = None
    inventory: str | None = None
    policy: str | None = None
    env: str | None = None
    credentials: str | None = None
    path: str = DEFAULT_PATH
    run_as: str | None = None
    max_timeout: float = 3600.0
    poll: float = 2.0
    agents: dict[int, str] = field(default_factory=dict)
    private: list[str] = field(default_factory=list)
    source: str | None = None


def uid_of(user: str) -> int:
    if user.isdigit():
        return int(user)
    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        raise ConfigError(f"broker config: no OS user {user!r}") from None


def parse_mode(value: str | int) -> int:
    try:
        mode = int(value, 8) if isinstance(value, str) else int(value)
    except ValueError:
        raise ConfigError(f"broker config: socket_mode {value!r} is not an octal mode") from None
    if not 0 <= mode <= 0o777:
        raise ConfigError(f"broker config: socket_mode {value!r} out of range")
    return mode


def load_config(path: str | None) -> BrokerConfig:
    cfg = BrokerConfig()
    if path is None:
        return cfg
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"broker config {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"broker config {path}: not valid TOML: {e}") from None
    for key, value in data.items():
        types = KEYS.get(key)
        if types is None:
            raise ConfigError(f"broker config {path}: unknown key {key!r}; keys: "
                              f"{', '.join(KEYS)}")
        if not isinstance(value, types) or isinstance(value, bool):
            raise ConfigError(f"broker config {path}: {key} has the wrong type")
    for key in ("socket", "db", "inventory", "policy", "env", "credentials", "path", "run_as"):
        if key in data:
            setattr(cfg, key, data[key])
    if "socket_mode" in data:
        cfg.socket_mode = parse_mode(data["socket_mode"])
    for key in ("max_timeout", "poll"):
        if key in data:
            if data[key] <= 0:
                raise ConfigError(f"broker config {path}: {key} must be positive")
            setattr(cfg, key, float(data[key]))
    private = data.get("private", [])
    if not all(isinstance(p, str) and p.startswith("/") for p in private):
        raise ConfigError(f"broker config {path}: private must list absolute paths")
    cfg.private = list(private)
    cfg.source = path
    for user, agent in data.get("agents", {}).items():
        if not isinstance(agent, str) or not agent:
            raise ConfigError(f"broker config {path}: agents.{user} must name an agent")
        cfg.agents[uid_of(user)] = agent
    return cfg


def add_agent(cfg: BrokerConfig, spec: str) -> None:
    """`--agent USER=NAME` on the command line."""
    user, sep, name = spec.partition("=")
    if not sep or not user or not name:
        raise ConfigError(f"--agent {spec!r}: expected USER=AGENT_NAME")
    cfg.agents[uid_of(user)] = name
