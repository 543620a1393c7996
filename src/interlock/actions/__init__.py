from .canonical import action_hash, canonical_json
from .envelope import TOOLS, Action, parse_action

__all__ = ["Action", "TOOLS", "action_hash", "canonical_json", "parse_action"]
