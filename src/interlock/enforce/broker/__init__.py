"""The execution broker: `interlock run` (local mode) and `interlock broker serve` (guarded mode).

Kept free of imports: the guarded-mode thin client (client.py, protocol.py) is stdlib-only.
See docs/broker.md.
"""
