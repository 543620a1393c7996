"""Alembic migrations shipped inside the package; `open_store` upgrades to HEAD."""

# The newest revision. `open_store` compares the database's version with it and skips Alembic
# entirely when they match (Alembic costs ~100 ms to import; `check` cannot pay that per call).
HEAD = "0003"
