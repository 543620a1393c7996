"""Enforcement points: agent hooks, resident decision process, settings installers.

Kept free of imports: the CLI and the hook client import submodules on their hot paths.
"""
