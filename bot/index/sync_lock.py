"""One sync at a time per index: the nightly schedule, a chat-triggered reindex and `kb sync` share it.

Two syncs of the same index would embed the same changed documents twice and race on the
bookkeeping tables, so the second one is refused at once (never queued: the first is doing the
work it would do). Inside a process a thread lock decides; for a local index a `flock` on a file
in the data dir extends that to other processes on the host (`kb sync` run by hand next to
`kb serve`). An object-store index shared by several replicas relies on only one replica running
the scheduler (KB_SCHEDULER_ENABLED), see docs/deployment.md.

Usage::

    try:
        with sync_lock(settings.data_dir).hold("slack:U123"):
            engine.sync_all(connectors)
    except SyncInProgress as busy:
        reply(f"a sync is already running ({busy.holder})")
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)

LOCK_FILE = ".sync.lock"


class SyncInProgress(RuntimeError):
    """Another sync of this index is running; `holder` and `since` say which and from when."""

    def __init__(self, holder: str, since: float | None) -> None:
        self.holder = holder
        self.since = since
        running = f" for {time.time() - since:.0f}s" if since else ""
        super().__init__(f"a sync of this index is already running ({holder}{running})")


@dataclass
class _Holder:
    name: str
    since: float


class SyncLock:
    """The lock for one index location; get it with `sync_lock(data_dir)`, never construct it twice."""

    def __init__(self, data_dir: str) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._holder: _Holder | None = None

    @property
    def holder(self) -> str | None:
        """Who holds the lock in this process now (None: nobody here)."""
        current = self._holder
        return current.name if current else None

    def locked(self) -> bool:
        return self._lock.locked()

    @contextmanager
    def hold(self, holder: str) -> Iterator[None]:
        """Hold the lock for the block, or raise SyncInProgress at once if someone else has it."""
        if not self._lock.acquire(blocking=False):
            current = self._holder
            raise SyncInProgress(current.name if current else "unknown", current.since if current else None)
        handle = None
        try:
            handle = self._lock_file(holder)
            self._holder = _Holder(holder, time.time())
            log.info("sync_lock.acquired", holder=holder, data_dir=self.data_dir)
            yield
        finally:
            self._holder = None
            if handle is not None:
                handle.close()  # closing the descriptor releases the flock
            self._lock.release()

    def _lock_file(self, holder: str):  # noqa: ANN202 - an open file object, or None for object stores
        if "://" in self.data_dir:
            return None
        import fcntl

        folder = os.path.expanduser(self.data_dir)
        os.makedirs(folder, exist_ok=True)
        handle = open(os.path.join(folder, LOCK_FILE), "a+")  # noqa: SIM115 - held open on purpose
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "another process"
            handle.close()
            raise SyncInProgress(other, None) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{holder} (pid {os.getpid()})")
        handle.flush()
        return handle


_locks: dict[str, SyncLock] = {}
_locks_guard = threading.Lock()


def sync_lock(data_dir: str) -> SyncLock:
    """The one lock object for `data_dir` in this process."""
    key = data_dir if "://" in data_dir else os.path.abspath(os.path.expanduser(data_dir))
    with _locks_guard:
        if key not in _locks:
            _locks[key] = SyncLock(data_dir)
        return _locks[key]
