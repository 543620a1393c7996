"""The command side of the Terraform/OpenTofu guard: `interlock terraform apply`, the plan
summary, and computing a real plan for a shell `terraform apply`.

Kept import-free: the CLI parser calls `register` on every start, including `check`'s hot path.
"""

from __future__ import annotations

from .command import register

__all__ = ["register"]
