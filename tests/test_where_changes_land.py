"""An identity locator (host, cluster, account, project) must be named by the inventory itself:
a sandbox path, workspace or context name never vouches for the machine or API server a change
actually reaches."""

from __future__ import annotations

import pytest

from interlock.effects import Target
from interlock.inventory import Resolver, load_inventory
from interlock.pipeline import Decider
from interlock.policy import PACK_DIR

EXAMPLE = PACK_DIR / "example-inventory.toml"
_decider = Decider(None, EXAMPLE, None, environ={"HOME": "/home/u", "PATH": "/usr/bin"})


def _decide(command: str) -> dict:
    return _decider.decide({"tool": "shell", "input": {"command": command,
                                                       "cwd": "/srv/sandbox/app"}}).to_json()


@pytest.mark.parametrize("command", [
    "ssh prod-db-7 'rm -rf /tmp/x'",                       # /tmp is sandbox here, not there
    "ssh prod-db-7 'rm -rf /srv/sandbox/x'",
    "ansible prod-db-7 -m shell -a 'rm -rf /tmp/x'",
    "kubectl --context kind-x -s https://10.0.0.1 delete ns a",   # another API server
    "kubectl --context kind-x --server=https://k8s.acme.com delete ns a",
    "kubectl --context kind-x --cluster prod delete ns a",        # another cluster entry
    "helm --kube-context kind-x --kube-apiserver https://10.1.1.1:6443 uninstall web",
    "docker --context prod rm -f web",                            # endpoint not known here
    "docker -H ssh://prod-db-7 rm -f web",
])
def test_a_sandbox_name_does_not_vouch_for_an_unnamed_destination(command: str) -> None:
    r = _decide(command)
    assert r["decision"] != "allow", (command, r["effects"])
    assert any(e["environment"] == "production" for e in r["effects"])


@pytest.mark.parametrize("command", [
    "ssh box.sandbox.internal 'rm -rf /tmp/x'",
    "kubectl --context kind-x delete ns a",
    "kubectl --context kind-x -s https://localhost:6443 delete pod a",
    "DOCKER_HOST=tcp://box.sandbox.internal:2376 docker rm -f web",
    "docker -H ssh://box.sandbox.internal rm -f web",
    "aws --profile sandbox s3 rm s3://scratch/f",      # a bucket is a grain of the profile
    "psql -h localhost -c 'DROP TABLE t'",             # a database is a grain of its host
])
def test_named_destinations_still_flow_in_the_sandbox(command: str) -> None:
    r = _decide(command)
    assert r["decision"] == "allow", (command, r["effects"])


def test_identity_rule_in_the_resolver() -> None:
    resolver = Resolver(load_inventory(EXAMPLE), {})

    def tier(*targets: Target) -> tuple[str, str]:
        from interlock.effects import Effect, Verb

        e = resolver.resolve(Effect(Verb.DELETE, "x", targets))
        return e.environment, e.rule

    got = tier(Target("tf_workspace", "dev"), Target("aws_profile", "payments-admin"))
    assert got[0] == "production" and "aws_profile:payments-admin named by no rule" in got[1]
    assert tier(Target("tf_workspace", "dev"), Target("aws_profile", "sandbox"))[0] == "sandbox"
    assert tier(Target("path", "/tmp/x"), Target("host", "db.acme.com"))[0] == "production"
    # a grain (bucket, database, path) that no rule names is still vouched for by its identity
    assert tier(Target("aws_profile", "sandbox"), Target("bucket", "scratch"))[0] == "sandbox"
