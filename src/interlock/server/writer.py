"""Serialised writes for one server process, and group commit for audit appends.

`SerialStore` wraps the Store so that every write transaction this process opens queues on one
in-process lock first. SQLite would otherwise make concurrent writers poll its busy handler
(sleeps of 1–100 ms: the p99); PostgreSQL serialises writers anyway (advisory lock).

Group commit: many decisions' audit entries go into one transaction, and each caller resumes
only after the batch holding its entry has COMMITTED, so a 200 is only sent for an entry that is
durable. A batch that fails is retried one item per transaction, so one bad item cannot take
the others down with it. `LoopBatcher` does this on the event loop itself (the API's hot path:
one thread, so no GIL hand-offs between the loop and a writer thread, which cost more than the
work); `GroupWriter` does it on a thread for synchronous callers (the web inbox).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.store import Store

T = TypeVar("T")
log = logging.getLogger("interlock.server")
MAX_BATCH = 256


class SerialStore:
    """The store, with this process's write transactions taken one at a time."""

    def __init__(self, store: Store):
        self._store = store
        self.write_lock = threading.Lock()

    @property
    def inner(self) -> Store:
        return self._store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.write_lock, self._store.write() as session:
            yield session


class GroupWriter:
    def __init__(self, store: SerialStore, max_batch: int = MAX_BATCH):
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Callable[[Session], Any], Future] | None] = \
            queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[[Session], T]) -> T:
        """Run `fn(session)` in a group-committed write transaction; return after COMMIT."""
        return self.submit_future(fn).result()

    def submit_future(self, fn: Callable[[Session], T]) -> Future:
        """As `submit`, without waiting: the future resolves after COMMIT."""
        self._ensure_started()
        fut: Future = Future()
        self._queue.put((fn, fut))
        return fut

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="interlock-writer",
                                                    daemon=True)
                    self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable[[Session], Any], Future]]) -> None:
        commit_batch(self.store, batch)


class LoopBatcher:
    """Group commit on the running event loop: `await submit(fn)` queues `fn`; the batch is
    written by a callback scheduled after the callbacks already due, so requests that are in
    flight together commit together. The write blocks the loop for one short transaction."""

    def __init__(self, store: SerialStore, max_batch: int = MAX_BATCH):
        self.store = store
        self.max_batch = max_batch
        self._pending: list[tuple[Callable[[Session], Any], asyncio.Future]] = []
        self._scheduled = False

    async def submit(self, fn: Callable[[Session], T]) -> T:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._pending.append((fn, fut))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await fut

    def _flush(self) -> None:
        batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
        if self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        else:
            self._scheduled = False
        commit_batch(self.store, batch)


def commit_batch(store: SerialStore, batch: list[tuple[Callable[[Session], Any], Any]]) -> None:
    """Run every item in one write transaction and resolve its future after COMMIT."""
    try:
        with store.write() as s:
            results = [fn(s) for fn, _ in batch]
    except Exception as e:  # noqa: BLE001 - isolate the failing item, keep the rest
        if len(batch) == 1:
            if not batch[0][1].done():
                batch[0][1].set_exception(e)
            return
        log.warning("group commit of %d failed (%s); retrying one by one", len(batch),
                    type(e).__name__)
        for item in batch:
            commit_batch(store, [item])
        return
    for (_, fut), result in zip(batch, results, strict=True):
        if not fut.done():  # an asyncio future may have been cancelled (client gone)
            fut.set_result(result)


class WalCheckpointer:
    """SQLite WAL checkpoints on a thread of their own. By default the connection whose commit
    fills the WAL past 1000 pages checkpoints it inside that commit, with an fsync of the
    database: on the event loop, a stall of 10–25 ms every second under load (the p99). Here a
    PASSIVE checkpoint (it never blocks writers or readers) runs every `interval` seconds with
    the GIL released; the server's own connections keep a large auto-checkpoint as a backstop
    should this thread ever fall behind. Durability is unchanged: a commit is in the WAL."""

    BACKSTOP_PAGES = 20_000

    def __init__(self, store: SerialStore, interval: float = 0.25):
        from sqlalchemy import event

        from ..store.location import sqlite_path

        self.path = sqlite_path(store.url)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.path is None:
            return
        engine = store.engine

        @event.listens_for(engine, "connect")
        def _backstop(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA wal_autocheckpoint={self.BACKSTOP_PAGES}")
            cur.close()

        engine.dispose()  # idle pooled connections reconnect with the backstop set

    def start(self) -> None:
        if self.path is None or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="interlock-wal-checkpoint",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        import sqlite3

        try:
            conn = sqlite3.connect(str(self.path), timeout=1.0, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            log.warning("WAL checkpointer cannot open %s: %s", self.path, e)
            return
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as e:  # busy or the like: the next round retries
                    log.debug("WAL checkpoint skipped: %s", e)
        finally:
            conn.close()
