"""A Store view whose `write()` joins one already-open write transaction.

The approval services each open their own transaction. The API needs a decision's audit entry,
the request it opens and the notification it queues to commit together (a crash after the 200
must lose nothing; a crash before it must leave nothing half-done), so it runs a service inside
its own transaction through this view. Everything else is the real store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.store import Store


class BoundStore:
    def __init__(self, store: Store, session: Session):
        self._store = store
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def write(self) -> Iterator[Session]:
        # No new transaction: the caller's commits or rolls back everything at once.
        yield self._session
