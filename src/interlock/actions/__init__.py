from .canonical import action_hash, canonical_json
from .envelope import TOOLS, Action, parse_action

__all__ = ["TOOLS", "Action", "action_hash", "canonical_json", "parse_action"]
