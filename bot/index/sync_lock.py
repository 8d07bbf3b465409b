"""One sync at a time per index: the nightly schedule, a chat-triggered reindex and `kb sync` share it.

Two syncs of the same index would embed the same changed documents twice and race on the
bookkeeping tables, so the second one is refused at once (never queued: the first is doing the
work it would do). Inside a process a thread lock decides; across processes, a lock in the index
location itself: a `flock` on `<data dir>/.sync.lock` for a local index (`kb sync` run by hand next
to `kb serve`), and for an object-store index (s3://, gs://, az://) a `.sync.lock` object created
with a conditional write (only if absent), which holds across machines: `kb sync` from a laptop,
a CronJob and the writer replica exclude each other. The holder rewrites the object every
HEARTBEAT seconds; one not rewritten for STALE_AFTER seconds belongs to a process that died, and
the next sync takes it over (again conditionally, so only one does).

Usage::

    try:
        with sync_lock(settings.data_dir).hold("slack:U123"):
            engine.sync_all(connectors)
    except SyncInProgress as busy:
        reply(f"a sync is already running ({busy.holder})")
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)

LOCK_FILE = ".sync.lock"
HEARTBEAT = 60.0
"""Seconds between rewrites of an object-store lock while its sync runs."""
STALE_AFTER = 600.0
"""An object-store lock not rewritten for this long was left by a process that died."""


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

    def _lock_file(self, holder: str):  # noqa: ANN202 - an open file or an object-store lease; close() frees it
        if "://" in self.data_dir:
            return _ObjectStoreLease.acquire(self.data_dir, holder)
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


class _ObjectStoreLease:
    """`<index>/.sync.lock` on object storage: created only if absent, rewritten while held, deleted after.

    obstore speaks the same object_store library LanceDB does, so it reads the same variables
    (AWS_ENDPOINT, AWS_ALLOW_HTTP, GOOGLE_*, AZURE_STORAGE_*) and reaches the same bucket.
    """

    def __init__(self, store, etag: str, holder: str, since: float) -> None:  # noqa: ANN001 - an obstore store
        self._store, self._etag, self._holder, self._since = store, etag, holder, since
        self._closed = threading.Event()
        self._lost = False
        self._beat = threading.Thread(target=self._keep_alive, name="sync-lock-heartbeat", daemon=True)
        self._beat.start()

    @staticmethod
    def _record(holder: str, since: float) -> bytes:
        return json.dumps({"holder": holder, "since": since}).encode()

    @classmethod
    def acquire(cls, uri: str, holder: str) -> _ObjectStoreLease | None:
        import obstore
        from obstore.exceptions import AlreadyExistsError, NotSupportedError, PreconditionError
        from obstore.store import from_url

        store = from_url(uri.rstrip("/"))
        since = time.time()
        who = f"{holder} (pid {os.getpid()} on {socket.gethostname()})"
        record = cls._record(who, since)
        try:
            return cls(store, obstore.put(store, LOCK_FILE, record, mode="create")["e_tag"], who, since)
        except NotSupportedError:
            log.warning("sync_lock.no_conditional_writes", data_dir=uri,
                        hint="this store cannot lock across processes: run one writer only (docs/deployment.md)")
            return None
        except AlreadyExistsError:
            pass
        current = obstore.get(store, LOCK_FILE)
        try:
            held = json.loads(bytes(current.bytes()))
        except ValueError:
            held = {}
        idle = time.time() - current.meta["last_modified"].timestamp()
        if idle < STALE_AFTER:
            raise SyncInProgress(str(held.get("holder", "another process")), held.get("since"))
        try:
            etag = obstore.put(store, LOCK_FILE, record, mode={"e_tag": current.meta["e_tag"]})["e_tag"]
        except (PreconditionError, AlreadyExistsError):
            raise SyncInProgress("another process (it took over an abandoned lock first)", None) from None
        log.warning("sync_lock.abandoned_lock_taken_over", data_dir=uri, previous=held.get("holder"),
                    idle_seconds=round(idle))
        return cls(store, etag, who, since)

    def _keep_alive(self) -> None:
        import obstore

        while not self._closed.wait(HEARTBEAT):
            try:
                self._etag = obstore.put(self._store, LOCK_FILE, self._record(self._holder, self._since),
                                         mode={"e_tag": self._etag})["e_tag"]
            except Exception as error:  # noqa: BLE001 - a lost lease is logged; the sync itself goes on
                from obstore.exceptions import PreconditionError

                self._lost = self._lost or isinstance(error, PreconditionError)  # rewritten by a taker-over
                log.error("sync_lock.heartbeat_failed", error=str(error), error_type=type(error).__name__,
                          lost=self._lost)

    def close(self) -> None:
        import obstore

        self._closed.set()
        self._beat.join()
        if not self._lost:  # a lock taken over is the new holder's to delete
            obstore.delete(self._store, LOCK_FILE)


_locks: dict[str, SyncLock] = {}
_locks_guard = threading.Lock()


def sync_lock(data_dir: str) -> SyncLock:
    """The one lock object for `data_dir` in this process."""
    key = data_dir if "://" in data_dir else os.path.abspath(os.path.expanduser(data_dir))
    with _locks_guard:
        if key not in _locks:
            _locks[key] = SyncLock(data_dir)
        return _locks[key]
