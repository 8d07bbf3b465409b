"""Embedding on one or more workers (`kb worker`, or Hugging Face text-embeddings-inference).

A sync hands the embedder a few thousand chunks at a time; they go out as several requests in
flight at once (so a GPU worker always has the next batch queued, and a Kubernetes Service can
spread them over pods), each retried on another worker when one is down, restarting or
overloaded. When none answers, the call raises with every worker's error, and the sync that
called it fails for that source and keeps the index as it was.

The index is bound to one model (Store.check_model), so the model name and dimension come from
the workers themselves (/info), never from local configuration, and every response is checked
again: a worker that was redeployed with another model mid-sync fails the sync instead of
mixing its vectors into the index.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

import httpx
import numpy as np
import structlog

from bot.index.store import ModelMismatch
from connectors.retry import parse_retry_after

log = structlog.get_logger(__name__)

MODEL_HEADER = "x-model-id"
"""`kb worker` names its model on every /embed response; TEI does not, so its absence is fine."""

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


class EmbeddingUnavailable(RuntimeError):
    """No embedding worker answered (all down, unreachable or overloaded after every retry)."""


class EmbeddingRejected(RuntimeError):
    """A worker refused the request itself (413, 422, ...): retrying would get the same answer."""


class RemoteEmbedder:
    """The Embedder protocol over HTTP, with TEI's request and response shapes."""

    def __init__(
        self,
        url: str,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        concurrency: int = 4,
        request_texts: int = 64,
        timeout: float = 120.0,
        retries: int = 4,
        backoff: float = 0.5,
        info_ttl: float = 30.0,
    ) -> None:
        self.urls = [part.strip().rstrip("/") for part in url.split(",") if part.strip()]
        if not self.urls:
            raise ValueError("KB_EMBED_URL names no worker")
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.concurrency = concurrency
        self.request_texts = request_texts
        self.retries = retries
        self.backoff = backoff
        self.info_ttl = info_ttl
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=concurrency * len(self.urls) + 2),
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="kb-embed")
        self._info: dict[str, Any] | None = None
        self._info_at = 0.0
        self._info_lock = threading.Lock()
        self._next = 0  # round-robin start, so concurrent requests begin on different workers

    # -- what the index checks ----------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return str(self.info()["model_id"])

    @property
    def dimension(self) -> int:
        return int(self.info()["dimension"])

    def info(self, refresh: bool = False) -> dict[str, Any]:
        """What the workers serve; asked again when older than `info_ttl` so each sync sees today's model."""
        with self._info_lock:
            if refresh or self._info is None or time.monotonic() - self._info_at > self.info_ttl:
                self._info = self._fetch_info()
                self._info_at = time.monotonic()
            return self._info

    def _fetch_info(self) -> dict[str, Any]:
        answers: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for url in self.urls:
            try:
                response = self._client.get(f"{url}/info", timeout=10.0)
                response.raise_for_status()
                info = response.json()
                if "dimension" not in info:  # text-embeddings-inference's /info has no dimension: measure it
                    info["dimension"] = len(self._post(url, ["dimension probe"], expected=None)[0])
                answers[url] = info
            except (httpx.HTTPError, ValueError, _Retry) as error:
                errors[url] = _describe(error)
        if not answers:
            raise EmbeddingUnavailable(_none_answered("/info", errors))
        models = {(str(info["model_id"]), int(info["dimension"])) for info in answers.values()}
        if len(models) > 1:
            described = ", ".join(f"{url}: {info['model_id']} ({info['dimension']})" for url, info in answers.items())
            raise ModelMismatch(f"the embedding workers serve different models ({described}); "
                                "point KB_EMBED_URL at workers of one model")
        info = next(iter(answers.values()))
        log.info("remote_embedder.info", model=info["model_id"], dimension=info["dimension"],
                 device=info.get("device"), workers=len(answers), unreachable=sorted(errors))
        return info

    # -- the Embedder protocol ----------------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.passage_prefix + text for text in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.query_prefix + text for text in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        info = self.info()
        expected = (str(info["model_id"]), int(info["dimension"]))
        if not texts:
            return np.zeros((0, expected[1]), dtype=np.float32)
        size = max(1, min(self.request_texts, int(info.get("max_client_batch_size") or self.request_texts)))
        slices = [texts[start : start + size] for start in range(0, len(texts), size)]
        if len(slices) == 1:
            return np.asarray(self._send(slices[0], expected), dtype=np.float32)
        futures: list[Future] = [self._pool.submit(self._send, part, expected) for part in slices]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((future for future in futures if future in done and future.exception()), None)
        if failed is not None:
            for future in futures:
                future.cancel()  # those not started yet; the sync is failing anyway
            raise failed.exception()  # type: ignore[misc]
        return np.asarray([vector for future in futures for vector in future.result()], dtype=np.float32)

    def _send(self, texts: list[str], expected: tuple[str, int]) -> list[list[float]]:
        """One slice, retried on the other workers, then again after a pause, until `retries` run out."""
        with self._info_lock:
            start = self._next
            self._next += 1
        errors: dict[str, str] = {}
        for attempt in range(self.retries + 1):
            url = self.urls[(start + attempt) % len(self.urls)]
            try:
                return self._post(url, texts, expected)
            except _Retry as retry:
                errors[url] = retry.reason
                log.warning("remote_embedder.retry", url=url, attempt=attempt + 1, reason=retry.reason)
                if attempt < self.retries:
                    time.sleep(retry.after if retry.after is not None else min(self.backoff * 2 ** attempt, 10.0))
        raise EmbeddingUnavailable(_none_answered("/embed", errors, self.retries + 1))

    def _post(self, url: str, texts: list[str], expected: tuple[str, int] | None) -> list[list[float]]:
        try:
            response = self._client.post(f"{url}/embed", json={"inputs": texts, "normalize": True, "truncate": True})
        except httpx.HTTPError as error:
            raise _Retry(_describe(error)) from error
        if response.status_code in RETRYABLE_STATUS:
            raise _Retry(f"HTTP {response.status_code}: {_error_text(response)}", _retry_after(response))
        if response.status_code >= 400:
            raise EmbeddingRejected(f"embedding worker {url} refused the request: HTTP {response.status_code}: "
                                    f"{_error_text(response)}")
        vectors = response.json()
        if expected is not None:
            model = response.headers.get(MODEL_HEADER)
            if model is not None and model != expected[0]:
                raise ModelMismatch(f"embedding worker {url} now serves {model}, but this sync embeds with "
                                    f"{expected[0]}; nothing from it was written. Run the sync again (or "
                                    "`kb sync --rebuild` if the model change is intended)")
            if len(vectors) != len(texts) or any(len(vector) != expected[1] for vector in vectors):
                raise ModelMismatch(f"embedding worker {url} returned {len(vectors)} vectors of "
                                    f"{len(vectors[0]) if vectors else 0} dimensions for {len(texts)} texts; "
                                    f"expected {expected[1]} dimensions ({expected[0]})")
        return vectors

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


def _retry_after(response: httpx.Response) -> float | None:
    wait = parse_retry_after(response.headers.get("retry-after"))
    return None if wait is None else min(wait, 30.0)


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and "error" in body:
            return str(body["error"])
    except ValueError:
        pass
    return response.text[:200]


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _none_answered(endpoint: str, errors: dict[str, str], attempts: int | None = None) -> str:
    tried = f" after {attempts} attempts" if attempts else ""
    details = "; ".join(f"{url}: {reason}" for url, reason in errors.items())
    return f"no embedding worker answered {endpoint}{tried} ({details}). Check KB_EMBED_URL and that `kb worker` is running"
