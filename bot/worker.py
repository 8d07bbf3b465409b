"""`kb worker`: the embedding model behind HTTP, speaking text-embeddings-inference's /embed.

Why a worker: embedding is the slow part of every sync, and a GPU does it fifty times faster than
the bot's CPU; one GPU pod can serve every bot replica. Why TEI's shapes: Hugging Face's
text-embeddings-inference server can then stand in for this one without a line changed.

The model is loaded once and called by one task at a time (a second concurrent forward pass only
fights the first for the same cores or GPU). Requests that arrive while it runs wait in a bounded
queue and are coalesced into the next call, sorted by length so that each batch pads little: many
small concurrent requests cost about what one large one does. A full queue answers 503 with
Retry-After at once rather than letting callers time out; oversized requests get TEI's 413.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import structlog
from aiohttp import web

from bot import metrics
from bot.index.embedding import backend_of, model_precision
from bot.index.remote_embedding import MODEL_HEADER

log = structlog.get_logger(__name__)

VERSION = "0.1.0"


# -- the model -------------------------------------------------------------------------------------
class WorkerModel:
    """A loaded sentence-transformers model and the facts /info reports about it."""

    def __init__(self, model: Any, *, model_id: str, device: str, batch_size: int = 32) -> None:
        self.model = model
        self.model_id = model_id
        self.device = device
        self.batch_size = batch_size
        self.backend = backend_of(model, device)
        self.dimension = int(model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension")
                             else model.get_sentence_embedding_dimension())
        self.max_input_length = int(model.max_seq_length)
        self.dtype = model_precision(model)
        self.pooling = _pooling(model)

    @classmethod
    def from_embedder(cls, embedder: Any) -> WorkerModel:
        """Serve the model of a LocalEmbedder: torch (fp16 on CUDA) or the int8 ONNX copy, as KB_EMBED_BACKEND chose."""
        return cls(embedder.sentence_model, model_id=embedder.model_name, device=embedder.device,
                   batch_size=embedder.batch_size)

    def token_counts(self, texts: list[str]) -> list[int]:
        if hasattr(self.model, "token_counts"):  # the ONNX model counts with its own tokenizer
            return self.model.token_counts(texts)
        encoded = self.model.tokenizer(texts, add_special_tokens=True, truncation=False, return_attention_mask=False,
                                       return_token_type_ids=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Raw (unnormalised) vectors in float32; longer inputs are cut at the model's length."""
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=False,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def _pooling(model: Any) -> str:
    meta = getattr(model, "meta", None)  # the ONNX model recorded its pooling when it was built
    if meta is not None:
        return str(meta.pooling)
    for module in getattr(model, "_modules", {}).values():
        if hasattr(module, "get_pooling_mode_str"):
            return str(module.get_pooling_mode_str())
    return "mean"


# -- errors in TEI's shape -------------------------------------------------------------------------
class TeiError(Exception):
    """An error answered as TEI does: {"error": message, "error_type": kind} with its status code."""

    def __init__(self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.headers = headers or {}

    def response(self) -> web.Response:
        return web.json_response({"error": self.message, "error_type": self.error_type}, status=self.status,
                                 headers=self.headers)


def validation(message: str, status: int = 413) -> TeiError:
    return TeiError(status, "Validation", message)


# -- coalescing queue ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """How much the worker accepts; the defaults mirror the KB_WORKER_* settings."""

    max_client_batch: int = 256
    max_batch: int = 512
    max_queue: int = 4096
    payload_limit: int = 2_000_000

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(max_client_batch=settings.worker_max_client_batch, max_batch=settings.worker_max_batch,
                   max_queue=settings.worker_max_queue, payload_limit=settings.worker_payload_limit)


@dataclass
class _Job:
    texts: list[str]
    normalize: bool
    future: asyncio.Future


class Batcher:
    """Feeds queued requests to the model, many requests per call, one call at a time."""

    def __init__(self, model: WorkerModel, limits: Limits) -> None:
        self.model = model
        self.limits = limits
        self.backlog = 0  # texts accepted and not yet answered (queued or in the model)
        self.calls = 0
        self._pending: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-model")
        self._rate = 20.0  # texts per second, smoothed; only used to suggest a Retry-After
        self.task: asyncio.Task | None = None

    @property
    def queued_requests(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name="kb-worker-batcher")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        for job in self._pending:
            if not job.future.done():
                job.future.set_exception(TeiError(503, "Unhealthy", "the worker is shutting down"))
        self._pending.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def submit(self, texts: list[str], normalize: bool) -> asyncio.Future:
        if self.backlog + len(texts) > self.limits.max_queue:
            wait = max(1, min(30, round(self.backlog / max(self._rate, 1.0))))
            raise TeiError(503, "Overloaded", f"Model is overloaded: {self.backlog} texts queued "
                           f"(limit {self.limits.max_queue})", {"Retry-After": str(wait)})
        job = _Job(texts, normalize, asyncio.get_running_loop().create_future())
        self._pending.append(job)
        self.backlog += len(texts)
        metrics.WORKER_QUEUE.set(self.backlog)
        self._wake.set()
        return job.future

    def _take(self) -> list[_Job]:
        """The oldest request, and as many after it as fit in one model call."""
        jobs = [self._pending.popleft()]
        size = len(jobs[0].texts)
        while self._pending and size + len(self._pending[0].texts) <= self.limits.max_batch:
            size += len(self._pending[0].texts)
            jobs.append(self._pending.popleft())
        return jobs

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._pending:
                self._wake.clear()
                await self._wake.wait()
            jobs = self._take()
            texts = [text for job in jobs for text in job.texts]
            order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
            started = time.perf_counter()
            try:
                raw = await loop.run_in_executor(self._executor, self.model.encode, [texts[i] for i in order])
            except asyncio.CancelledError:  # shutting down mid-call: answer now so clients retry elsewhere
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(TeiError(503, "Unhealthy", "the worker is shutting down"))
                raise
            except Exception as error:  # a broken input or a CUDA error fails this batch, not the worker
                log.error("worker.model_failed", error=str(error), error_type=type(error).__name__, texts=len(texts))
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(TeiError(424, "Backend", f"Model backend error: {error}"))
            else:
                elapsed = time.perf_counter() - started
                self.calls += 1
                self._rate = 0.8 * self._rate + 0.2 * (len(texts) / max(elapsed, 1e-6))
                metrics.WORKER_BATCH.observe(len(texts))
                metrics.WORKER_INFERENCE.observe(elapsed)
                metrics.WORKER_TEXTS.inc(len(texts))
                vectors = np.empty_like(raw)
                vectors[order] = raw
                offset = 0
                for job in jobs:
                    part = vectors[offset : offset + len(job.texts)]
                    offset += len(job.texts)
                    if job.normalize:
                        part = part / np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12)
                    if not job.future.done():  # the client may have gone away
                        job.future.set_result(part)
            finally:
                self.backlog -= len(texts)
                metrics.WORKER_QUEUE.set(self.backlog)


# -- HTTP ------------------------------------------------------------------------------------------
BATCHER = web.AppKey("batcher", Batcher)
MODEL = web.AppKey("model", WorkerModel)
LIMITS = web.AppKey("limits", Limits)


def parse_embed_request(body: bytes, model: WorkerModel, limits: Limits) -> tuple[list[str], bool]:
    """Validate an /embed body as TEI does; raise TeiError with TEI's status and message."""
    try:
        request = json.loads(body)
    except ValueError as error:
        raise validation(f"Failed to parse the request body as JSON: {error}", 422) from None
    if not isinstance(request, dict) or "inputs" not in request:
        raise validation("Failed to deserialize the JSON body into the target type: missing field `inputs`", 422)
    inputs = request["inputs"]
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise validation("Failed to deserialize the JSON body into the target type: `inputs` must be a string "
                         "or a list of strings", 422)
    normalize, truncate = request.get("normalize", True), request.get("truncate", False)
    if truncate is None:
        truncate = False
    if not isinstance(normalize, bool) or not isinstance(truncate, bool):
        raise validation("Failed to deserialize the JSON body into the target type: `normalize` and `truncate` "
                         "must be booleans", 422)
    if not texts:
        raise TeiError(400, "Empty", "`inputs` cannot be empty")
    if len(texts) > limits.max_client_batch:
        raise validation(f"batch size {len(texts)} > maximum allowed batch size {limits.max_client_batch}")
    if not truncate:
        longest = max(model.token_counts(texts))
        if longest > model.max_input_length:
            raise validation(f"Input validation error: `inputs` must have less than {model.max_input_length} tokens. "
                             f"Given: {longest}")
    return texts, normalize


async def embed(request: web.Request) -> web.Response:
    model, limits, batcher = request.app[MODEL], request.app[LIMITS], request.app[BATCHER]
    started = time.perf_counter()
    try:
        if request.content_length is not None and request.content_length > limits.payload_limit:
            raise validation(f"request body of {request.content_length} bytes exceeds the limit of "
                             f"{limits.payload_limit} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise validation(f"request body exceeds the limit of {limits.payload_limit} bytes") from None
        texts, normalize = parse_embed_request(body, model, limits)
        vectors = await batcher.submit(texts, normalize)
    except TeiError as error:
        metrics.WORKER_REQUESTS.labels(str(error.status)).inc()
        log.info("worker.rejected", status=error.status, error=error.message)
        return error.response()
    metrics.WORKER_REQUESTS.labels("200").inc()
    return web.Response(
        text=json.dumps(vectors.tolist()),
        content_type="application/json",
        headers={MODEL_HEADER: model.model_id, "x-compute-time": str(round((time.perf_counter() - started) * 1000)),
                 "x-compute-characters": str(sum(len(text) for text in texts))},
    )


async def health(request: web.Request) -> web.Response:
    task = request.app[BATCHER].task
    if task is None or task.done():
        return TeiError(503, "Unhealthy", "the model loop is not running").response()
    return web.Response(status=200)


async def info(request: web.Request) -> web.Response:
    """TEI's /info fields, plus `dimension`, `device` and `backend` (what runs the model), which TEI does not report."""
    model, limits = request.app[MODEL], request.app[LIMITS]
    return web.json_response({
        "model_id": model.model_id,
        "model_sha": None,
        "model_dtype": model.dtype,
        "model_type": {"embedding": {"pooling": model.pooling}},
        "max_concurrent_requests": limits.max_queue,
        "max_input_length": model.max_input_length,
        "max_batch_tokens": limits.max_batch * model.max_input_length,
        "max_batch_requests": None,
        "max_client_batch_size": limits.max_client_batch,
        "auto_truncate": False,
        "tokenization_workers": 1,
        "version": VERSION,
        "sha": None,
        "docker_label": None,
        "dimension": model.dimension,
        "device": model.device,
        "backend": model.backend,
    })


async def prometheus(request: web.Request) -> web.Response:
    body, content_type = metrics.render(metrics.WORKER_REGISTRY)
    return web.Response(body=body, headers={"Content-Type": content_type})


def create_app(model: WorkerModel, limits: Limits = Limits()) -> web.Application:
    # Bodies are read under our own limit check; aiohttp's must not cut in first with a plain-text 413.
    app = web.Application(client_max_size=limits.payload_limit)
    app[MODEL] = model
    app[LIMITS] = limits
    app[BATCHER] = Batcher(model, limits)

    async def lifecycle(app: web.Application):  # noqa: ANN202 - aiohttp cleanup context
        app[BATCHER].start()
        log.info("worker.ready", model=model.model_id, device=model.device, dtype=model.dtype, dimension=model.dimension)
        yield
        await app[BATCHER].stop()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/embed", embed)
    app.router.add_get("/health", health)
    app.router.add_get("/info", info)
    app.router.add_get("/metrics", prometheus)
    return app


def serve(settings: Any, host: str, port: int) -> None:
    """Load the configured model with the backend the bot would use (KB_EMBED_BACKEND) and serve until interrupted."""
    from bot.index.embedding import local_embedder

    embedder = local_embedder(settings)
    app = create_app(WorkerModel.from_embedder(embedder), Limits.from_settings(settings))
    web.run_app(app, host=host, port=port, print=None, access_log=None)
