"""Commands that run a script on another machine (SSM, ECS exec, az run-command, gcloud ssh,
kubectl exec/run/debug): the literal script is analysed as shell with that machine as the
target, like `ssh HOST 'cmd'`; a script that cannot be read here is opaque."""

from __future__ import annotations

import pytest
from shellcases import HOME, PROD, SANDBOX, decide, ids

from interlock.pipeline import Decider

CWD = "/home/u/p"


def _decide(decider: Decider, command: str) -> dict:
    return decide(decider, command, CWD)


def _ids(cases: list[str]) -> list[str]:
    return ids(cases, 70)


SSM = "aws ssm send-command --document-name AWS-RunShellScript --instance-ids i-1 "

# (command with SCRIPT standing for the remote script, the host the script lands on)
REMOTE = [
    (SSM + "--parameters commands=['SCRIPT']", "i-1"),
    ("aws ssm send-command --document-name AWS-RunShellScript "
     "--targets Key=InstanceIds,Values=i-1 --parameters 'commands=[\"ls\",\"SCRIPT\"]'", "i-1"),
    (SSM + "--parameters '{\"commands\":[\"SCRIPT\"]}'", "i-1"),
    ("aws ssm start-session --target i-1 --document-name AWS-StartInteractiveCommand "
     "--parameters command='SCRIPT'", "i-1"),
    ("aws ecs execute-command --cluster c --task t --command 'SCRIPT' --interactive", "c"),
    ("az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'SCRIPT'", "vm"),
    ("az vm run-command create -g rg --vm-name vm -n rc --script 'SCRIPT'", "vm"),
    ("gcloud compute ssh vm --zone z --command 'SCRIPT'", "vm"),
    ("gcloud compute ssh me@vm --zone z -- SCRIPT", "vm"),
    ("kubectl debug node/n -it --image=busybox -- chroot /host SCRIPT", "n"),
]


def _hosts(result: dict) -> set[str]:
    return {t.removeprefix("host:") for e in result["effects"] for t in _targets(e)
            if t.startswith("host:")}


def _targets(effect: dict) -> list[str]:
    t = effect["target"]
    return t if isinstance(t, list) else [x.strip() for x in str(t).split(",")]


@pytest.mark.parametrize("template,host", REMOTE, ids=_ids([c for c, _ in REMOTE]))
def test_remote_wipe_is_denied_everywhere(template: str, host: str) -> None:
    command = template.replace("SCRIPT", "rm -rf /")
    for decider in (PROD, SANDBOX):
        r = _decide(decider, command)
        assert r["decision"] == "deny", (command, r)
    wipe = [e for e in r["effects"] if e["verb"] == "delete" and e["resource"] == "path /"]
    assert wipe and f"host:{host}" in _targets(wipe[0])


@pytest.mark.parametrize("template,host", REMOTE, ids=_ids([c for c, _ in REMOTE]))
def test_harmless_remote_script_is_an_execute_on_that_host(template: str, host: str) -> None:
    command = template.replace("SCRIPT", "uptime")
    r = _decide(PROD, command)
    assert r["decision"] == "require_approval", r
    assert any(e["verb"] == "execute" and f"host:{host}" in _targets(e) for e in r["effects"])
    if "debug node" not in command:  # a node debug pod is host security in every tier
        assert _decide(SANDBOX, command)["decision"] == "allow"


def test_sandbox_host_from_inventory_flows(tmp_path) -> None:
    inv = tmp_path / "inv.toml"
    inv.write_text('default = "production"\n[[rule]]\ntier = "sandbox"\nhost = ["i-sbx*"]\n'
                   'aws_profile = ["sbx"]\n')
    d = Decider(None, str(inv), None, environ={"HOME": HOME})
    ok = ("aws --profile sbx ssm send-command --document-name AWS-RunShellScript "
          "--instance-ids i-sbx1 --parameters commands=uptime")
    assert _decide(d, ok)["decision"] == "allow"
    # the profile is sandbox but the instance is not named by the inventory: production
    assert _decide(d, ok.replace("i-sbx1", "i-0abc"))["decision"] == "require_approval"


UNREADABLE = [
    SSM + "--parameters file://params.json",
    SSM + "--parameters \"commands=$CMD\"",
    "aws ssm send-command --document-name AWS-RunPowerShellScript --instance-ids i-1 "
    "--parameters commands=dir",
    "aws ssm send-command --document-name My-Custom-Doc --instance-ids i-1",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts @deploy.sh",
    "az vm run-command create -g rg --vm-name vm -n rc --script-uri https://x/s.sh",
    "aws ssm start-session --target i-1",
    "gcloud compute ssh vm --zone z",
]


@pytest.mark.parametrize("command", UNREADABLE, ids=_ids(UNREADABLE))
def test_unseen_remote_scripts_need_approval_in_production(command: str) -> None:
    r = _decide(PROD, command)
    assert r["decision"] == "require_approval", r
    assert any(e["verb"] in ("opaque", "execute") for e in r["effects"])
    assert any("host:i-1" in _targets(e) or "host:vm" in _targets(e) for e in r["effects"])


def test_dynamic_remote_script_keeps_the_visible_part() -> None:
    r = _decide(SANDBOX, "gcloud compute ssh vm --command \"rm -rf $DIR/\"")
    assert r["decision"] != "allow"


HOST_POD = [
    "kubectl run x --rm -it --image=alpine --overrides='{\"spec\":{\"hostPID\":true,"
    "\"containers\":[{\"name\":\"x\",\"image\":\"alpine\",\"securityContext\":"
    "{\"privileged\":true}}]}}' -- nsenter -t 1 -m -u -i -n sh",
    "kubectl run x --image=alpine --overrides='{\"spec\":{\"hostNetwork\":true}}'",
    "kubectl run x --image=alpine --overrides='{\"spec\":{\"volumes\":[{\"name\":\"h\","
    "\"hostPath\":{\"path\":\"/\"}}]}}'",
    "kubectl debug node/n -it --image=busybox",
    "kubectl debug mypod -it --image=busybox --profile=sysadmin -- sh",
]


@pytest.mark.parametrize("command", HOST_POD, ids=_ids(HOST_POD))
def test_pods_that_own_the_node_need_approval_everywhere(command: str) -> None:
    assert _decide(PROD, command)["decision"] == "require_approval"
    assert _decide(SANDBOX, command)["decision"] == "require_approval"


def test_kubectl_run_and_exec_analyse_their_command() -> None:
    assert _decide(SANDBOX, "kubectl run x --image=alpine -- rm -rf /")["decision"] == "deny"
    assert _decide(SANDBOX, "kubectl exec -it pod -- sh -c 'rm -rf /'")["decision"] == "deny"
    r = _decide(SANDBOX, "kubectl run x --image=alpine -- echo hi")
    assert r["decision"] == "allow"
    assert any(e["resource"] == "k8s/pod/x" and e["verb"] == "create" for e in r["effects"])


@pytest.mark.parametrize("command", ["helm get values rel", "helm get all rel -n prod",
                                     "helm get manifest rel"])
def test_helm_release_values_are_secret_reads(command: str) -> None:
    r = _decide(SANDBOX, command)
    assert r["decision"] == "require_approval"
    assert [e["verb"] for e in r["effects"]] == ["read_secret"]


@pytest.mark.parametrize("command", ["helm get notes rel", "helm get metadata rel",
                                     "aws ssm describe-instance-information",
                                     "az vm run-command list -g rg --vm-name vm"])
def test_nearby_reads_stay_reads(command: str) -> None:
    assert _decide(PROD, command)["decision"] == "allow"
