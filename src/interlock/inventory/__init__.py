from .model import DEFAULT_TIER, RANK, TIERS, Inventory, load_inventory, parse_inventory, stricter
from .resolve import Resolver

__all__ = ["DEFAULT_TIER", "RANK", "TIERS", "Inventory", "Resolver", "load_inventory",
           "parse_inventory", "stricter"]
