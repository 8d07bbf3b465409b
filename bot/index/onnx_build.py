"""Building the ONNX model from whatever sentence-transformers model KB_EMBED_MODEL names.

Built at first use, offline, on the machine that runs it: the export traces the model with
torch.onnx (its TorchScript exporter, which needs no extra package). By default the graph stays
fp32. When KB_EMBED_INT8 asks for int8 matrix products, the quantizer is onnxruntime's own dynamic
int8 one, and the settings follow the CPU's integer instructions:

- VNNI (avx512_vnni, avx_vnni) and arm64 multiply unsigned 8-bit activations by signed 8-bit
  weights natively: int8 weights, per output channel.
- AVX2 without VNNI computes that product with an instruction that can saturate, which costs
  accuracy; unsigned 8-bit weights avoid it (mean cosine to fp32 0.993 against 0.992 for signed on
  the 18F passages, measured on this project's AVX2 machine).

Which matrix products become int8 is a setting (KB_EMBED_INT8, `INT8_SETS`), because it decides
the trade between speed and answer quality. The FFN down-projections read the GELU output, whose
few large channels make one activation scale per text coarse: they cost the most cosine (0.9946
mean to fp32 with every product int8, 0.9985 with the up-projections only). Yet even 0.9985 moves
enough 18F rankings to fail the quality guard, so none is int8 unless asked (README, "Embedding on
a CPU").

The result lives in a folder named by a key of the model's files, the quantization, the int8 set and
the versions of the tools that made it, so it is built once per machine and rebuilt only when one of
those changes. A model that cannot be exported (not a transformer, a slow-only tokenizer, a graph
the tracer cannot follow) is recorded beside the cache with the reason, so later starts fall back
to torch at once instead of trying again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import structlog

from bot.index.onnx_model import META_FILE, MODEL_FILE, TOKENIZER_FILE, OnnxMeta

log = structlog.get_logger(__name__)

FORMAT = 2
"""Bump when the folder's layout or the export itself changes: every cached model is then rebuilt."""

SUPPORTED_MODULES = {"Transformer", "Pooling", "Normalize", "Dense"}
"""sentence-transformers modules the exporter knows how to trace; anything else falls back to torch."""

CHECK_TEXTS = [
    "How do I set up the VPN on a new laptop?",
    "Approve the push notification on your phone, then click Connect.",
    "Employees accrue four hours of annual leave per pay period during their first three years.",
    "Expense reports need itemised receipts for any purchase over seventy-five dollars.",
    "ok",
]
"""Sentences the exported (and quantized) model must embed like the original (cosine) before it is trusted."""
MIN_CHECK_COSINE = 0.95

INT8_SETS = ("none", "ffn-up", "all-but-ffn-down", "all")
"""Which weight matrix products KB_EMBED_INT8 quantizes, told apart by their weights' shape (so any
transformer's graph, whatever its node names): "none" keeps the exported graph in fp32 (ONNX Runtime
still fuses it when it loads); "ffn-up" the feed-forward up-projections (hidden -> wider) only;
"all-but-ffn-down" those and the square attention projections; "all" every one."""


class OnnxUnavailable(RuntimeError):
    """The model cannot run on ONNX Runtime here; the message says why, and torch is used instead."""


def cpu_quantization() -> str:
    """The integer instructions the int8 kernels of this CPU use: avx512_vnni, avx2 or arm64."""
    machine = platform.machine().lower()
    if machine in {"arm64", "aarch64"}:
        return "arm64"
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        flags = ""
    return "avx512_vnni" if ("avx512_vnni" in flags or "avx_vnni" in flags) else "avx2"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kb" / "onnx"


def cache_dir_of(configured: str) -> Path:
    """The folder for what kb builds from the model (KB_EMBED_CACHE_DIR, or the default)."""
    return Path(configured).expanduser() if configured else default_cache_dir()


def resolve_model_path(model: str) -> Path:
    """A local folder for `model`: the path itself, or its snapshot in the Hugging Face cache (no download)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception as error:  # noqa: BLE001 - any failure means: not here, offline
        raise OnnxUnavailable(f"{model!r} is neither a folder nor a model in the Hugging Face cache ({error})") from error


def cache_key(model_path: Path, quantization: str, int8: str) -> str:
    """What the built model depends on: the model's files (names, sizes, times), the quantization, the int8 set
    and the tools."""
    import onnxruntime
    import tokenizers

    files = sorted(
        (str(file.relative_to(model_path)), file.stat().st_size, file.stat().st_mtime_ns)
        for file in model_path.rglob("*") if file.is_file() and ".git" not in file.parts
    )
    facts = {"format": FORMAT, "model": str(model_path), "files": files, "quantization": quantization,
             "int8": int8, "onnxruntime": onnxruntime.__version__, "tokenizers": tokenizers.__version__}
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]


def model_folder(model: str, quantization: str, int8: str, cache_dir: Path, name: str = "") -> Path:
    """Where the built model for `model` (shown as `name`) lives, whether built yet or not."""
    if int8 not in INT8_SETS:
        raise ValueError(f"unknown int8 set {int8!r}; one of {', '.join(INT8_SETS)}")
    path = resolve_model_path(model)
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in (name or model))[-60:].strip("-.")
    return cache_dir / f"{slug}-{quantization}-{int8}-{cache_key(path, quantization, int8)}"


def failure_file(folder: Path) -> Path:
    return folder.with_name(folder.name + ".failed.json")


def ensure_built(model: str, quantization: str, int8: str, cache_dir: Path, name: str = "") -> tuple[Path, bool]:
    """The built model folder for `model`, and whether this call built it (False: found in the cache).

    Raises OnnxUnavailable when the model cannot be exported, now or at an earlier attempt.
    """
    folder = model_folder(model, quantization, int8, cache_dir, name)
    if (folder / META_FILE).exists():
        return folder, False
    failed = failure_file(folder)
    if failed.exists():
        raise OnnxUnavailable(json.loads(failed.read_text(encoding="utf-8"))["error"])
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log.info("embedder.onnx_building", model=model, quantization=quantization, int8=int8, folder=str(folder))
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".building-") as scratch:
        work = Path(scratch) / "model"
        work.mkdir()
        try:
            _export(resolve_model_path(model), model, quantization, int8, work)
        except OnnxUnavailable as error:  # the model itself: remembered, so later starts skip the attempt
            failed.write_text(json.dumps({"error": str(error)}), encoding="utf-8")
            raise
        except Exception as error:  # noqa: BLE001 - e.g. the model does not load at all: torch will say why
            raise OnnxUnavailable(f"{model}: could not build the ONNX model: {type(error).__name__}: {error}") from error
        try:
            work.rename(folder)  # atomic: another process building the same model at once wins or loses whole
        except OSError:
            if not (folder / META_FILE).exists():
                raise
    log.info("embedder.onnx_built", model=model, folder=str(folder), seconds=round(time.perf_counter() - started, 1))
    return folder, True


def _export(path: Path, model: str, quantization: str, int8: str, out: Path) -> None:
    import numpy as np
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    from bot.index.onnx_model import OnnxSentenceModel

    st = SentenceTransformer(str(path), device="cpu")
    kinds = [type(module).__name__ for module in st]
    unsupported = [kind for kind in kinds if kind not in SUPPORTED_MODULES]
    if not kinds or kinds[0] != "Transformer" or unsupported:
        raise OnnxUnavailable(f"{model or path}: only transformer models (modules {sorted(SUPPORTED_MODULES)}) "
                              f"can be exported to ONNX; this one has {kinds}")
    tokenizer = st.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise OnnxUnavailable(f"{model or path}: its tokenizer has no fast (Rust) version to run without transformers")
    sample = {name: value for name, value in st.tokenize(CHECK_TEXTS[:2]).items() if isinstance(value, torch.Tensor)}
    inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
    if set(sample) - set(inputs):
        raise OnnxUnavailable(f"{model or path}: the model takes inputs {sorted(sample)} the exporter does not know")

    class Graph(torch.nn.Module):
        """The whole sentence-transformers pipeline (encoder, pooling, dense, normalise) as one graph."""

        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.st(dict(zip(inputs, tensors)))["sentence_embedding"]

    fp32 = out / "model.fp32.onnx"
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs} | {"sentence_embedding": {0: "batch"}}
    try:
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Graph().eval(), tuple(sample[name] for name in inputs), str(fp32), input_names=inputs,
                              output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)
        if int8 == "none":
            fp32.rename(out / MODEL_FILE)
        else:
            weights = QuantType.QUInt8 if quantization == "avx2" else QuantType.QInt8
            quantize_dynamic(str(fp32), str(out / MODEL_FILE), weight_type=weights, per_channel=True,
                             reduce_range=False, op_types_to_quantize=["MatMul", "Gemm"],
                             nodes_to_exclude=kept_in_fp32(fp32, int8))
            fp32.unlink()
    except Exception as error:  # noqa: BLE001 - the tracer and quantizer fail in many ways; all mean "not here"
        raise OnnxUnavailable(f"{model or path}: ONNX export failed: {type(error).__name__}: {error}") from error
    tokenizer.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    pooling = next((str(module.get_pooling_mode_str()) for module in st if hasattr(module, "get_pooling_mode_str")),
                   "mean")
    meta = OnnxMeta(model=model or str(path), quantization=quantization, int8=int8,
                    dimension=int(st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension")
                                  else st.get_sentence_embedding_dimension()),
                    max_seq_length=int(st.max_seq_length), inputs=inputs,
                    do_lower_case=bool(getattr(st[0], "do_lower_case", False)),
                    pooling=pooling)
    (out / META_FILE).write_text(json.dumps(asdict(meta), indent=1), encoding="utf-8")

    expected = st.encode(CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxSentenceModel(out).encode(CHECK_TEXTS, normalize_embeddings=True)
    cosine = float(np.min(np.sum(np.asarray(expected) * got, axis=1)))
    if cosine < MIN_CHECK_COSINE:
        raise OnnxUnavailable(f"{model or path}: the ONNX model's vectors differ from the original's "
                              f"(cosine {cosine:.3f} < {MIN_CHECK_COSINE})")


def kept_in_fp32(graph: Path, int8: str) -> list[str]:
    """The weight matrix products of `graph` that the int8 set leaves in fp32 (names for nodes_to_exclude).

    A product's role shows in its weight's shape [inputs, outputs]: wider out than in is an FFN
    up-projection, narrower a down-projection, square an attention projection (or a Dense head).
    """
    import onnx

    model = onnx.load(str(graph), load_external_data=False)
    shapes = {weight.name: tuple(weight.dims) for weight in model.graph.initializer}
    kept = []
    for node in model.graph.node:
        shape = shapes.get(node.input[1]) if node.op_type in {"MatMul", "Gemm"} and len(node.input) > 1 else None
        if shape is None or len(shape) != 2:
            continue  # activation x activation (attention scores): the dynamic quantizer leaves these alone anyway
        if node.op_type == "Gemm":
            transposed = any(a.name == "transB" and a.i for a in node.attribute)
            shape = shape[::-1] if transposed else shape
        rows, columns = shape
        quantized = int8 == "all" or (rows < columns) or (int8 == "all-but-ffn-down" and rows == columns)
        if not quantized:
            kept.append(node.name)
    return kept
