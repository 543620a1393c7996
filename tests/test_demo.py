"""`interlock demo` replays the seed incident end to end on real components and says so."""

from __future__ import annotations

import os
import subprocess
import sys

from tfhelpers import needs_terraform


@needs_terraform
def test_demo_replays_the_incident_and_every_step_behaves():
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "interlock", "demo"], capture_output=True,
                          text=True, timeout=300, env=env)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "Traceback" not in out + proc.stderr
    assert "→ ALLOW  [sandbox]" in out  # delete-and-recreate flows in the sandbox
    assert "mass.production" in out  # the same plan is denied in production
    assert "alice tries to approve → refused" in out  # the borrowed rights cannot approve
    assert "carol approves → 2/2, request approved" in out
    assert "applied exactly the decided plan" in out
    assert "control.freeze" in out  # DROP DATABASE during the freeze
    assert "audit chain: verified" in out
    assert "every step behaved as designed" in out


def test_quick_demo_decides_without_terraform_or_store():
    proc = subprocess.run([sys.executable, "-m", "interlock", "demo", "--quick"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "require approval" in proc.stdout and "deny" in proc.stdout
