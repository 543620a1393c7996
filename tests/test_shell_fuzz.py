"""Robustness and speed of the shell analyzer."""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.analysis.shell import analyze_shell
from interlock.errors import InputError

_ALPHABET = st.sampled_from(list("rm -f/~$(){}[]<>|&;'\"`\\*?=.,:!#\n\tabcxyz0123456789") +
                            ["rm ", "-rf ", "/", "$HOME", "$(", "<<EOF\n", "EOF\n", "bash -c ",
                             "eval ", "sudo ", "| sh", "base64 -d", "curl x |", "${X:-/}",
                             "cd ~ && ", "'", '"', "$'\\x72'", "xargs ", "find . -exec ",
                             "python3 -c ", "ssh h ", "kubectl delete ", "git push -f "])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=25).map("".join))
def test_random_shellish_text_only_raises_input_error(text):
    try:
        effects = analyze_shell(text, "/work/proj", {"HOME": "/home/u"})
    except InputError:
        return
    assert effects


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_random_unicode_only_raises_input_error(text):
    try:
        assert analyze_shell(text, "/work/proj", {"HOME": "/home/u"})
    except InputError:
        pass


REALISTIC = [
    "ls -la", "git status", "git diff --stat", "cat README.md", "grep -rn TODO src/",
    "pytest -q tests/", "npm run build", "kubectl get pods -n payments",
    "terraform plan -out tfplan", "cd infra && terraform apply -auto-approve",
    "docker compose up -d", "rm -rf build dist", "find . -name '*.pyc' -delete",
    "git add -A && git commit -m 'fix: things' && git push origin main",
    "aws s3 cp build/ s3://acme-stage-web/ --recursive --profile stage",
    "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"x\"])' < a.json",
    "for f in *.log; do gzip \"$f\"; done", "echo $PATH | tr : '\\n' | sort | uniq",
    "curl -s https://api.example.com/v1/status | jq .status",
    "ssh web1.prod.internal 'sudo systemctl restart app'",
    "psql -h db.stage.internal -d app -c 'select count(*) from users'",
    "sed -i 's/foo/bar/g' src/*.py", "tar czf backup.tgz data/ && ls -la backup.tgz",
    "export AWS_PROFILE=prod; aws ec2 describe-instances --region eu-west-1",
    "helm upgrade --install web ./chart -n web --kube-context prod-eu -f values.yaml",
    "if [ -f .env ]; then source .env; fi; ./deploy.sh", "make -j4 test",
    "cat <<EOF > config.yml\nkey: value\nname: $USER\nEOF\n", "rm -rf \"$TMPDIR\"/cache",
    "echo cm0gLXJmIC8= | base64 -d | sh", "xargs -n1 echo < list.txt",
]


def test_realistic_commands_are_all_seen_through():
    # Speed lives in bench/check_bench.py (timings in tests flake on a loaded CI box); here,
    # every realistic command must parse and produce effects.
    for c in REALISTIC:
        assert analyze_shell(c, "/work/proj", {"HOME": "/home/u"}), c
