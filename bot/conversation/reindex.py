"""A chat-triggered reindex: one at a time, in the background, reporting progress as it goes.

A chat command must be acknowledged within seconds while a sync can take an hour, so the sync
runs in a worker thread and the surface hears about it through two async callbacks: progress
every few seconds, then the outcome. "One at a time" is answered before anything starts: a second
request gets `AlreadyRunning` at once, whether the first came from chat, the nightly schedule or
`kb sync` on the same host (all share `bot.index.sync_lock`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import structlog

from bot.metrics import SYNC_RUNS
from bot.index.sources import configured_connectors
from bot.index.sync import SyncSummary
from bot.index.sync_lock import SyncInProgress, sync_lock
from bot.runtime import Runtime
from connectors.base import Connector

log = structlog.get_logger(__name__)

SOURCE_KINDS = ("local", "confluence", "gdrive", "notion")


@dataclass
class ReindexRun:
    """One reindex: who asked, for which sources, and how far it has got."""

    requested_by: str
    source: str | None
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    documents_seen: int = 0
    chunks_embedded: int = 0

    @property
    def seconds(self) -> float:
        return (datetime.now(timezone.utc) - self.started_at).total_seconds()


@dataclass
class ReindexOutcome:
    run: ReindexRun
    summary: SyncSummary | None = None
    error: str | None = None


class AlreadyRunning(RuntimeError):
    def __init__(self, holder: str, since: datetime | None) -> None:
        self.holder = holder
        self.since = since
        super().__init__(f"a reindex is already running ({holder})")


class UnknownSource(ValueError):
    """The source asked for is not a kind kb knows, none of that kind is configured, or its folder is gone."""


ProgressReport = Callable[[ReindexRun], Awaitable[None]]
DoneReport = Callable[[ReindexOutcome], Awaitable[None]]
ConnectorsFor = Callable[[str | None], list[Connector]]
"""The connectors a reindex of one source kind (None: all) covers."""


class Reindexer:
    def __init__(self, runtime: Runtime, *, report_every: float = 10.0, connectors_for: ConnectorsFor | None = None) -> None:
        self.runtime = runtime
        self.report_every = report_every
        self.connectors_for = connectors_for or (lambda source: configured_connectors(runtime.settings, source))
        self.current: ReindexRun | None = None
        self._task: asyncio.Task | None = None

    def start(self, requested_by: str, source: str | None, on_progress: ProgressReport, on_done: DoneReport) -> ReindexRun:
        """Begin a reindex in the background, or raise AlreadyRunning / UnknownSource at once.

        Must be called on the event loop; the callbacks run there too.
        """
        if source is not None and source not in SOURCE_KINDS:
            raise UnknownSource(f"unknown source {source!r}; use one of {', '.join(SOURCE_KINDS)}")
        if self.current is not None:
            raise AlreadyRunning(self.current.requested_by, self.current.started_at)
        lock = sync_lock(self.runtime.settings.data_dir)
        if lock.locked():
            raise AlreadyRunning(lock.holder or "another sync", None)
        try:
            connectors = self.connectors_for(source)
        except FileNotFoundError as error:
            raise UnknownSource(str(error)) from None
        if not connectors:
            raise UnknownSource(f"no {source + ' ' if source else ''}sources are configured")
        run = self.current = ReindexRun(requested_by, source)
        self._task = asyncio.get_running_loop().create_task(self._run(run, connectors, on_progress, on_done))
        log.info("reindex.started", requested_by=requested_by, source=source or "all", connectors=len(connectors))
        return run

    async def wait(self) -> None:
        """Until the running reindex (if any) has reported its outcome; for shutdown and tests."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self, run: ReindexRun, connectors: list[Connector], on_progress: ProgressReport, on_done: DoneReport) -> None:
        def progress(event: str, n: int) -> None:  # called from the sync thread; ints are safe to bump
            if event == "seen":
                run.documents_seen += n
            elif event == "embedded":
                run.chunks_embedded += n

        def sync() -> SyncSummary:
            with sync_lock(self.runtime.settings.data_dir).hold(f"chat reindex by {run.requested_by}"):
                started = time.perf_counter()
                summary = self.runtime.sync_engine.sync_all(connectors, progress)
                summary.seconds = time.perf_counter() - started
                return summary

        work = asyncio.ensure_future(asyncio.to_thread(sync))
        outcome = ReindexOutcome(run)
        try:
            while True:
                done, _ = await asyncio.wait({work}, timeout=self.report_every)
                if done:
                    break
                await self._safely(on_progress(run))
            outcome.summary = work.result()
        except SyncInProgress as busy:
            outcome.error = str(busy)
        except Exception as error:  # the requester hears about every failure; the server keeps running
            log.error("reindex.failed", error=str(error), error_type=type(error).__name__)
            outcome.error = f"{type(error).__name__}: {error}"
        finally:
            self.current = None
        SYNC_RUNS.labels("chat", "ok" if outcome.error is None else "failed").inc()
        log.info("reindex.finished", ok=outcome.error is None, seconds=round(run.seconds, 3))
        await self._safely(on_done(outcome))

    @staticmethod
    async def _safely(report: Awaitable[None]) -> None:
        """A failed chat post must not stop the reindex or hide its outcome."""
        try:
            await report
        except Exception as error:
            log.warning("reindex.report_failed", error=str(error), error_type=type(error).__name__)
