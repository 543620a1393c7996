from .engine import ALLOW, APPROVAL, DENY, PACK_DIR, PolicyEngine, Verdict

__all__ = ["ALLOW", "APPROVAL", "DENY", "PACK_DIR", "PolicyEngine", "Verdict"]
