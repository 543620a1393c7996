"""Terraform/OpenTofu plan analysis: `terraform show -json PLANFILE` → Effects with plan facts."""

from .plan import (
    ACTIONS,
    FACT_NAMES,
    MASS_SHARE_PCT,
    PlanAnalysis,
    PlanSummary,
    analyze_plan,
    analyze_terraform,
)
from .resources import STATEFUL_TYPES

__all__ = [
    "ACTIONS",
    "FACT_NAMES",
    "MASS_SHARE_PCT",
    "STATEFUL_TYPES",
    "PlanAnalysis",
    "PlanSummary",
    "analyze_plan",
    "analyze_terraform",
]
