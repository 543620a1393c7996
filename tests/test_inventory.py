"""Inventory: parsing, globs, strictest-wins resolution, qualifiers and implicit targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.effects import Effect, Target, Verb
from interlock.errors import ConfigError
from interlock.globs import any_match, glob_match
from interlock.inventory import Inventory, Resolver, load_inventory, parse_inventory, stricter
from interlock.inventory.implicit import git_branch, tf_workspace
from interlock.policy import PACK_DIR

EXAMPLE = parse_inventory((PACK_DIR / "example-inventory.toml").read_text(), "example")
NO_ENV: dict[str, str] = {"HOME": "/nonexistent-interlock-home"}


def resolve(inv: Inventory, *targets: Target, environ=None) -> Effect:
    effect = Effect(Verb.DELETE, "thing", tuple(targets))
    return Resolver(inv, NO_ENV if environ is None else environ).resolve(effect)


def tier(inv: Inventory, *targets: Target, environ=None) -> str:
    return resolve(inv, *targets, environ=environ).environment


# --- parsing ------------------------------------------------------------------------------

def test_example_inventory_parses(inventory_file: Path) -> None:
    inv = load_inventory(inventory_file)
    assert inv.default == "production"
    assert [r.tier for r in inv.rules] == ["production", "staging", "sandbox"]
    assert inv.rules[0].patterns["path"] == ("/srv/prod/**",)
    assert inv.source == str(inventory_file)
    assert len(inv.digest) == 64


def test_no_inventory_is_all_production() -> None:
    inv = load_inventory(None)
    assert inv.default == "production" and inv.rules == ()
    assert tier(inv, Target("kube_context", "anything")) == "production"


def test_single_string_pattern_is_accepted() -> None:
    inv = parse_inventory('[[rule]]\ntier = "sandbox"\nhost = "localhost"\n')
    assert inv.rules[0].patterns == {"host": ("localhost",)}


@pytest.mark.parametrize("text,msg", [
    ("default = ", "not valid TOML"),
    ("[[rule]\ntier='production'", "not valid TOML"),
    ('default = "prod"', "tier must be one of production, staging, development, sandbox"),
    ("default = 1", "tier must be one of"),
    ('defaults = "production"', "unknown key(s) defaults"),
    ('[rule]\ntier = "production"\nhost = ["x"]', "'rule' must be an array of tables"),
    ('rule = ["x"]', "rule[0]: must be a table"),
    ('[[rule]]\nhost = ["x"]', "rule[0]: tier must be one of"),
    ('[[rule]]\ntier = "Production"\nhost = ["x"]', "rule[0]: tier must be one of"),
    ('[[rule]]\ntier = "live"\nhost = ["x"]', "'live'"),
    ('[[rule]]\ntier = "sandbox"', "rule[0]: names no targets"),
    ('[[rule]]\ntier = "sandbox"\nname = "empty"', "names no targets"),
    ('[[rule]]\ntier = "sandbox"\nhost = ["a"]\n[[rule]]\ntier = "sandbox"\nkube = ["x"]',
     "rule[1]: unknown target kind 'kube'"),
    ('[[rule]]\ntier = "sandbox"\nhost = [1]', "host must be a list of non-empty glob strings"),
    ('[[rule]]\ntier = "sandbox"\nhost = [""]', "non-empty glob strings"),
    ('[[rule]]\ntier = "sandbox"\nhost = 3', "non-empty glob strings"),
    ('[[rule]]\ntier = "sandbox"\nhost = {a = "b"}', "non-empty glob strings"),
    ('[[rule]]\ntier = "sandbox"\nname = 5\nhost = ["x"]', "name must be a string"),
])
def test_parse_errors_are_config_errors(text: str, msg: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_inventory(text, "inv.toml")
    assert msg in str(err.value)
    assert "inv.toml" in str(err.value)


def test_load_missing_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_inventory(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="cannot read"):
        load_inventory(tmp_path)  # a directory
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'default = "production" # caf\xe9\n')
    with pytest.raises(ConfigError, match="cannot read"):
        load_inventory(bad)


def test_with_default() -> None:
    assert EXAMPLE.with_default(None) is EXAMPLE
    sb = EXAMPLE.with_default("sandbox")
    assert sb.default == "sandbox" and sb.rules == EXAMPLE.rules
    with pytest.raises(ConfigError, match="--env"):
        EXAMPLE.with_default("prod")


def test_stricter() -> None:
    assert stricter("sandbox", "production") == "production"
    assert stricter("staging", "development") == "staging"
    assert stricter("development", "sandbox") == "development"


# --- globs --------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern,value,hit", [
    ("prod-*", "prod-eu", True),
    ("prod-*", "prod-", True),
    ("prod-*", "prod-eu/x", False),        # * stays within a segment
    ("prod-**", "prod-eu/x", True),         # ** crosses segments
    ("prod-*", "xprod-eu", False),          # anchored at the start
    ("prod", "prod-eu", False),             # and at the end
    ("prod", "Prod", False),                # case-sensitive
    ("/srv/prod/**", "/srv/prod", True),    # the directory itself
    ("/srv/prod/**", "/srv/prod/", True),
    ("/srv/prod/**", "/srv/prod/a/b/c", True),
    ("/srv/prod/**", "/srv/production", False),
    ("/srv/prod/**", "/srv/pro", False),
    ("/srv/*/data", "/srv/prod/data", True),
    ("/srv/*/data", "/srv/a/b/data", False),
    ("/srv/**/data", "/srv/a/b/data", True),
    ("*.prod.internal", "db.prod.internal", True),
    ("*.prod.internal", "prod.internal", False),
    ("*.prod.internal", "db.prod.internalx", False),
    ("*.prod.internal", "dbXprodYinternal", False),  # dots are literal
    ("db?", "db1", True),
    ("db?", "db12", False),
    ("db[12]", "db2", True),
    ("db[12]", "db3", False),
    ("db[!12]", "db3", True),
    ("db[!12]", "db1", False),
    ("db[", "db[", True),                   # an unclosed class is literal
    ("a+b(c)", "a+b(c)", True),             # regex metacharacters are literal
    ("a+b(c)", "aab(c)", False),
    ("arn:aws:eks:*:111111111111:cluster/*", "arn:aws:eks:eu-west-1:111111111111:cluster/x", True),
    ("arn:aws:eks:*:111111111111:cluster/*", "arn:aws:eks:eu-west-1:222222222222:cluster/x", False),
    ("postgres://*@db.prod.internal/*", "postgres://app@db.prod.internal/payments", True),
    ("*", "", True),
    ("*", "a\nb", True),
])
def test_glob(pattern: str, value: str, hit: bool) -> None:
    assert glob_match(pattern, value) is hit


def test_any_match_returns_the_pattern() -> None:
    assert any_match(("a*", "b*"), "bee") == "b*"
    assert any_match(("a*",), "bee") is None


# --- resolution ---------------------------------------------------------------------------

@pytest.mark.parametrize("target,expected", [
    (Target("kube_context", "prod-eu"), "production"),
    (Target("kube_context", "staging-1"), "staging"),
    (Target("kube_context", "kind-dev"), "sandbox"),
    (Target("kube_context", "unknown"), "production"),
    (Target("aws_profile", "prod-admin"), "production"),
    (Target("aws_profile", "sandbox"), "sandbox"),
    (Target("host", "api.staging.internal"), "staging"),
    (Target("host", "localhost"), "sandbox"),
    (Target("host", "example.com"), "production"),
    (Target("path", "/srv/prod"), "production"),
    (Target("path", "/tmp/scratch/x"), "sandbox"),
    (Target("path", "/tmp"), "sandbox"),
    (Target("tf_workspace", "dev"), "sandbox"),
    (Target("git_branch", "release/1.2"), "production"),
    (Target("bucket", "acme-prod-logs"), "production"),
    (Target("stack", "payments-prod"), "production"),
])
def test_example_inventory_table(target: Target, expected: str) -> None:
    assert tier(EXAMPLE, target) == expected


def test_rule_and_target_recorded() -> None:
    e = resolve(EXAMPLE, Target("kube_context", "kind-x"))
    assert e.environment == "sandbox"
    assert "sandbox" in e.rule and "kind-*" in e.rule and "kube_context" in e.rule
    assert e.resolved_target == "kube_context:kind-x"
    e = resolve(EXAMPLE, Target("host", "example.com"))
    assert e.rule == "default tier (no inventory rule matched)"
    e = resolve(EXAMPLE)
    assert e.environment == "production" and "no inventory rule" in e.rule


OVERLAP = """
[[rule]]
name = "broad-sandbox"
tier = "sandbox"
path = ["/srv/**"]
host = ["*.internal"]
[[rule]]
name = "prod"
tier = "production"
path = ["/srv/prod/**"]
host = ["db.prod.internal"]
[[rule]]
name = "dev"
tier = "development"
path = ["/srv/**"]
"""


@pytest.mark.parametrize("reverse", [False, True])
def test_strictest_wins_on_overlap(reverse: bool) -> None:
    inv = parse_inventory(OVERLAP)
    if reverse:
        inv = Inventory(inv.default, tuple(reversed(inv.rules)))
    assert tier(inv, Target("path", "/srv/prod/db")) == "production"
    assert tier(inv, Target("path", "/srv/other")) == "development"
    assert tier(inv, Target("host", "db.prod.internal")) == "production"
    assert tier(inv, Target("host", "x.internal")) == "sandbox"
    # Several targets: the strictest of them.
    assert tier(inv, Target("host", "x.internal"), Target("path", "/srv/prod")) == "production"
    assert "prod" in resolve(inv, Target("path", "/srv/prod")).rule


NAMESPACES = """
[[rule]]
tier = "production"
kube_context = ["prod-*"]
k8s_namespace = ["payments"]
[[rule]]
tier = "sandbox"
kube_context = ["kind-*"]
k8s_namespace = ["scratch"]
"""


@pytest.mark.parametrize("ctx,ns,default,expected", [
    ("kind-a", "payments", "production", "production"),  # qualifier raises
    ("kind-a", "payments", "sandbox", "production"),
    ("kind-a", "scratch", "production", "sandbox"),
    ("kind-a", "other", "production", "sandbox"),
    ("prod-a", "scratch", "production", "production"),    # …but never lowers
    ("prod-a", "scratch", "sandbox", "production"),
    ("unknown", "scratch", "production", "production"),  # an unmatched locator: default
    ("unknown", "scratch", "staging", "staging"),
    ("unknown", "payments", "sandbox", "production"),
])
def test_namespace_qualifier(ctx: str, ns: str, default: str, expected: str) -> None:
    inv = parse_inventory(NAMESPACES).with_default(default)
    assert tier(inv, Target("kube_context", ctx), Target("k8s_namespace", ns)) == expected


def test_qualifier_alone_never_lowers_the_default() -> None:
    inv = parse_inventory(NAMESPACES)
    assert tier(inv, Target("k8s_namespace", "scratch")) == "production"
    assert tier(inv.with_default("sandbox"), Target("k8s_namespace", "scratch")) == "sandbox"


@pytest.mark.parametrize("default", ["production", "staging", "development", "sandbox"])
def test_env_sets_the_default_for_unknown_targets_only(default: str) -> None:
    inv = EXAMPLE.with_default(default)
    assert tier(inv, Target("host", "unknown.example")) == default
    assert tier(inv) == default
    assert tier(inv, Target("host", "db.prod.internal")) == "production"
    assert tier(inv, Target("host", "localhost")) == "sandbox"


# --- implicit targets ---------------------------------------------------------------------

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: {ctx}
contexts:
- name: {ctx}
  context: {{cluster: c, user: u{ns}}}
- name: other
  context: {{cluster: c2, user: u, namespace: elsewhere}}
"""


def kubeconfig(path: Path, ctx: str, ns: str | None = None) -> Path:
    path.write_text(KUBECONFIG.format(ctx=ctx, ns=f", namespace: {ns}" if ns else ""))
    return path


def test_implicit_kube_context_from_kubeconfig(tmp_path: Path) -> None:
    cfg = kubeconfig(tmp_path / "config", "kind-dev")
    env = {"KUBECONFIG": str(cfg), "HOME": str(tmp_path)}
    e = resolve(EXAMPLE, Target("kube_context", None), environ=env)
    assert e.environment == "sandbox" and e.resolved_target == "kube_context:kind-dev"
    kubeconfig(cfg, "prod-eu")
    assert tier(EXAMPLE, Target("kube_context", None), environ=env) == "production"


def test_implicit_kube_context_from_home(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    kubeconfig(tmp_path / ".kube" / "config", "minikube")
    assert tier(EXAMPLE, Target("kube_context", None), environ={"HOME": str(tmp_path)}) \
        == "sandbox"


def test_implicit_kube_context_source_beats_environment(tmp_path: Path) -> None:
    # `KUBECONFIG=/x kubectl …`: the analyzer puts the prefix assignment in `source`.
    env = {"KUBECONFIG": str(kubeconfig(tmp_path / "a", "kind-a")), "HOME": str(tmp_path)}
    src = str(kubeconfig(tmp_path / "b", "prod-b"))
    assert tier(EXAMPLE, Target("kube_context", None, source=src), environ=env) == "production"


def test_implicit_kube_context_path_list(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("apiVersion: v1\nkind: Config\n")
    cfg = kubeconfig(tmp_path / "cfg", "staging-eu")
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{empty}:{cfg}", "HOME": str(tmp_path)}
    assert tier(EXAMPLE, Target("kube_context", None), environ=env) == "staging"


@pytest.mark.parametrize("content", [None, "", "current-context: [unclosed", "- a list",
                                     "apiVersion: v1\nkind: Config\n", "\x00\xff"])
def test_undeterminable_kube_context_takes_default(tmp_path: Path, content) -> None:
    cfg = tmp_path / "config"
    if content is not None:
        cfg.write_text(content, errors="surrogateescape")
    env = {"KUBECONFIG": str(cfg), "HOME": str(tmp_path)}
    for default in ("production", "staging"):
        e = resolve(EXAMPLE.with_default(default), Target("kube_context", None), environ=env)
        assert e.environment == default
        assert "undeterminable" in e.rule


def test_implicit_namespace(tmp_path: Path) -> None:
    inv = parse_inventory(NAMESPACES)
    env = {"KUBECONFIG": str(kubeconfig(tmp_path / "c", "kind-a", ns="payments")),
           "HOME": str(tmp_path)}
    targets = (Target("kube_context", None), Target("k8s_namespace", None))
    assert tier(inv, *targets, environ=env) == "production"
    kubeconfig(tmp_path / "c", "kind-a")  # no namespace: "default"
    assert tier(inv, *targets, environ=env) == "sandbox"


def test_undeterminable_target_beats_a_matched_one(tmp_path: Path) -> None:
    # A sandbox context, but a namespace we cannot read: unknown counts as the default tier.
    e = resolve(EXAMPLE, Target("kube_context", "kind-x"), Target("tf_workspace", None))
    assert e.environment == "production"
    assert "tf_workspace undeterminable" in e.rule


def test_the_locators_of_one_effect_name_one_resource() -> None:
    # An effect's locators describe one resource at several grains (profile ⊃ bucket, host ⊃
    # database): a rule naming any of them identifies it, and an unnamed finer grain does not
    # send it to the default tier. Distinct resources are distinct effects, each resolved alone.
    e = resolve(EXAMPLE, Target("aws_profile", "sandbox"), Target("bucket", "scratch"))
    assert e.environment == "sandbox"
    # but the strictest named grain wins, and an undeterminable one means the default
    e = resolve(EXAMPLE, Target("aws_profile", "sandbox"), Target("bucket", "acme-prod-logs"))
    assert e.environment == "production"
    e = resolve(EXAMPLE, Target("host", "localhost"), Target("aws_account", None))
    assert e.environment == "production"


@pytest.mark.parametrize("env,expected", [
    ({"AWS_PROFILE": "sandbox"}, "sandbox"),
    ({"AWS_PROFILE": "prod-admin"}, "production"),
    ({"AWS_PROFILE": "staging"}, "staging"),
    ({"AWS_DEFAULT_PROFILE": "dev"}, "sandbox"),
    ({"AWS_PROFILE": "prod", "AWS_DEFAULT_PROFILE": "dev"}, "production"),
    ({}, "production"),  # the "default" profile, which no rule names
])
def test_implicit_aws_profile(env: dict, expected: str) -> None:
    e = resolve(EXAMPLE, Target("aws_profile", None), environ={**NO_ENV, **env})
    assert e.environment == expected


def test_implicit_aws_default_profile_in_sandbox_inventory() -> None:
    inv = parse_inventory('[[rule]]\ntier = "sandbox"\naws_profile = ["default"]\n')
    assert tier(inv, Target("aws_profile", None)) == "sandbox"


def test_implicit_terraform_workspace(tmp_path: Path) -> None:
    work = tmp_path / "infra"
    (work / ".terraform").mkdir(parents=True)
    (work / ".terraform" / "environment").write_text("sandbox\n")
    t = Target("tf_workspace", None, source=str(work))
    assert tier(EXAMPLE, t) == "sandbox"
    (work / ".terraform" / "environment").write_text("prod")
    assert tier(EXAMPLE, t) == "production"
    # TF_WORKSPACE wins over the file.
    assert tier(EXAMPLE, t, environ={**NO_ENV, "TF_WORKSPACE": "staging"}) == "staging"
    # Initialised, no file: the "default" workspace (named by no rule here).
    (work / ".terraform" / "environment").unlink()
    assert tf_workspace(str(work), NO_ENV) == "default"
    # TF_DATA_DIR moves the file.
    (work / "data").mkdir()
    (work / "data" / "environment").write_text("dev")
    assert tf_workspace(str(work), {"TF_DATA_DIR": "data"}) == "dev"
    # Not initialised: undeterminable.
    assert tf_workspace(str(tmp_path), NO_ENV) is None
    assert tf_workspace(None, NO_ENV) is None
    e = resolve(EXAMPLE.with_default("staging"), Target("tf_workspace", None, str(tmp_path)))
    assert e.environment == "staging"


def test_implicit_git_branch(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src" / "deep").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert git_branch(str(repo), NO_ENV) == "main"
    assert git_branch(str(repo / "src" / "deep"), NO_ENV) == "main"
    assert tier(EXAMPLE.with_default("sandbox"),
                Target("git_branch", None, source=str(repo / "src"))) == "production"
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/release/2.0\n")
    assert git_branch(str(repo), NO_ENV) == "release/2.0"
    (repo / ".git" / "HEAD").write_text("0123456789abcdef0123456789abcdef01234567\n")
    assert git_branch(str(repo), NO_ENV) is None  # detached: undeterminable
    assert git_branch(str(tmp_path), NO_ENV) is None
    assert git_branch(None, NO_ENV) is None


def test_implicit_git_branch_worktree_is_not_the_parent_repo(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    (outer / ".git" / "HEAD").write_text("ref: refs/heads/feature\n")
    # A submodule/worktree inside it: `.git` is a file pointing at its own git dir.
    gitdir = outer / ".git" / "worktrees" / "wt"
    gitdir.mkdir(parents=True)
    (gitdir / "HEAD").write_text("ref: refs/heads/main\n")
    wt = outer / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {gitdir}\n")
    assert git_branch(str(wt), NO_ENV) == "main"
    (wt / ".git").write_text("gitdir: ../.git/worktrees/wt\n")  # relative form
    assert git_branch(str(wt), NO_ENV) == "main"
    (wt / ".git").write_text("garbage\n")
    assert git_branch(str(wt), NO_ENV) is None


def test_implicit_lookup_errors_are_undeterminable(monkeypatch) -> None:
    from interlock.inventory import implicit

    def boom(source, env):
        raise RuntimeError("broken environment")

    monkeypatch.setitem(implicit.LOOKUPS, "kube_context", boom)
    e = resolve(EXAMPLE.with_default("staging"), Target("kube_context", None))
    assert e.environment == "staging" and "undeterminable" in e.rule


def test_implicit_kind_without_lookup_is_undeterminable() -> None:
    assert tier(EXAMPLE.with_default("staging"), Target("bucket", None)) == "staging"


def test_implicit_targets_are_reread_per_decision(tmp_path: Path) -> None:
    """A long-lived resolver (batch, server) must see a kube context switch."""
    cfg = kubeconfig(tmp_path / "config", "kind-dev")
    resolver = Resolver(EXAMPLE, {"KUBECONFIG": str(cfg), "HOME": str(tmp_path)})
    first = resolver.resolve(Effect(Verb.DELETE, "x", (Target("kube_context", None),)))
    assert first.environment == "sandbox"
    kubeconfig(cfg, "prod-eu")
    resolver.refresh()  # the Decider does this at the start of every decision
    second = resolver.resolve(Effect(Verb.DELETE, "x", (Target("kube_context", None),)))
    assert second.environment == "production"


def test_decider_rereads_implicit_targets(tmp_path: Path, monkeypatch) -> None:
    from interlock import analysis
    from interlock.pipeline import Decider

    cfg = kubeconfig(tmp_path / "config", "kind-dev")
    monkeypatch.setattr(analysis, "analyze", lambda action, environ=None: [
        Effect(Verb.DELETE, "k8s/pod/x", (Target("kube_context", None),))])
    d = Decider(inventory=EXAMPLE, environ={"KUBECONFIG": str(cfg), "HOME": str(tmp_path)})
    action = {"tool": "sql", "input": {"statement": "DELETE FROM t WHERE id = 1"}}
    assert d.decide(action).decision == "allow"
    kubeconfig(cfg, "prod-eu")
    got = d.decide(action)
    assert (got.decision, got.environment) == ("require_approval", "production")


def test_any_match_is_the_first_matching_pattern_of_a_table() -> None:
    # any_match runs a whole table as one regex; it must name the pattern a loop would.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    parts = st.sampled_from(["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", ".", "x/**"])
    pattern = st.lists(parts, min_size=1, max_size=6).map("".join)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pattern, min_size=1, max_size=8),
           st.text(alphabet="ab/.x", max_size=10))
    def check(patterns: list[str], value: str) -> None:
        loop = next((p for p in patterns if glob_match(p, value)), None)
        assert any_match(tuple(patterns), value) == loop

    check()
