"""A real `kb worker` app on a local port, serving the session's real model in this process."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp import web

from bot.worker import BATCHER, Limits, WorkerModel, create_app


class CountingModel:
    """The real SentenceTransformer, recording each encode call; `gate` can hold calls until released."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.gate: threading.Event | None = None

    def encode(self, texts: list[str], **kwargs: Any) -> Any:
        self.calls.append(list(texts))
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(timeout=60), "test never released the model"
        return self.inner.encode(texts, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class RunningWorker:
    """The aiohttp app on 127.0.0.1 in a background event loop thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
        self.port = self._call(self._start())
        self.url = f"http://127.0.0.1:{self.port}"
        self.stopped = False

    async def _start(self) -> int:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return int(self.runner.addresses[0][1])

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    @property
    def batcher(self) -> Any:
        return self.app[BATCHER]

    def stop(self) -> None:
        """The worker goes away: its port closes and every later connection is refused."""
        if self.stopped:
            return
        self.stopped = True
        self._call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@contextmanager
def running_worker(model: WorkerModel, limits: Limits = Limits()) -> Iterator[RunningWorker]:
    worker = RunningWorker(create_app(model, limits))
    try:
        yield worker
    finally:
        worker.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Block until `condition()` holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


@pytest.fixture()
def counting_model(embedder: Any) -> Iterator[CountingModel]:
    model = CountingModel(embedder.sentence_model)
    yield model
    if model.gate is not None:
        model.gate.set()  # never leave the worker's model thread blocked after a failed test


@pytest.fixture()
def worker_model(embedder: Any, counting_model: CountingModel) -> WorkerModel:
    return WorkerModel(counting_model, model_id=embedder.model_name, device=embedder.device, batch_size=32)


@pytest.fixture()
def worker(worker_model: WorkerModel) -> Iterator[RunningWorker]:
    with running_worker(worker_model, Limits(max_client_batch=8, max_batch=64, max_queue=64, payload_limit=20_000)) as running:
        yield running
