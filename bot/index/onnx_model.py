"""A sentence-transformers model run by ONNX Runtime: the exported graph (fp32, or partly int8) and its tokenizer.

Why not torch on a CPU: ONNX Runtime runs the same fp32 graph faster, and much faster on cores it
shares (its idle threads sleep instead of spinning), with the same vectors; int8 copies are faster
still but move answers (README, "Embedding on a CPU"). Running the graph needs only
onnxruntime, the Rust `tokenizers` and numpy, so a process that finds the model already built never
imports torch or transformers at all (seconds saved at every start).

The class speaks the part of SentenceTransformer's interface kb uses (`encode`, `tokenizer`,
`max_seq_length`, `get_embedding_dimension`), so the embedder, the worker and typo repair treat
both backends alike.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"


def precision_label(int8: str) -> str:
    """"float32" (named as torch names its dtypes), "int8" (every weight product) or "int8 ffn-up" (that set only)."""
    return {"none": "float32", "all": "int8"}.get(int8, f"int8 {int8}")


def backend_label(int8: str, quantization: str) -> str:
    """What `kb status` and the worker's /info say runs: "onnx float32 cpu", or "onnx int8 avx2" with the
    integer instructions the int8 kernels use."""
    return f"onnx {precision_label(int8)} {'cpu' if int8 == 'none' else quantization}"


@dataclass(frozen=True)
class OnnxMeta:
    """What the export learnt about the model and the runtime must repeat (written as meta.json)."""

    model: str
    quantization: str
    int8: str
    dimension: int
    max_seq_length: int
    inputs: list[str]
    do_lower_case: bool
    pooling: str

    @classmethod
    def read(cls, folder: Path) -> OnnxMeta:
        data = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


class OnnxSentenceModel:
    """One built model folder (model.onnx, tokenizer.json, meta.json), loaded for inference."""

    def __init__(self, folder: Path, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = folder
        self.meta = OnnxMeta.read(folder)
        self.max_seq_length = self.meta.max_seq_length
        self._counting = Tokenizer.from_file(str(folder / TOKENIZER_FILE))  # no padding, no truncation
        self._counting.no_padding()
        self._counting.no_truncation()
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.meta.max_seq_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads sleep instead of spinning: kb shares its cores (the bot, a sync, other services),
        # and spinning threads there halved throughput and doubled CPU time (measured on 2 busy cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])

    @property
    def precision(self) -> str:
        return precision_label(self.meta.int8)

    def get_embedding_dimension(self) -> int:
        return self.meta.dimension

    def _prepared(self, texts: list[str]) -> list[str]:
        return [text.lower() for text in texts] if self.meta.do_lower_case else list(texts)

    def token_counts(self, texts: list[str]) -> list[int]:
        """Word pieces per text before truncation (special tokens included), as the worker's limit counts them."""
        return [len(encoding.ids) for encoding in self._counting.encode_batch(self._prepared(texts))]

    def encode(self, texts: list[str], batch_size: int = 1, normalize_embeddings: bool = False,
               **_ignored: object) -> np.ndarray:
        """Vectors in the order given; a text's vector never depends on the texts it is encoded with.

        fp32: texts of the same length in word pieces run together, up to `batch_size` a pass, so no
        padding is computed and a vector is what the text gives alone to float rounding (1e-7,
        measured). That is what a sync's thousands of short sentences gain from: on 2 cores the 1,462
        distinct sentences of 300 18F chunks took a third less time than one pass each, while padded
        length-sorted batches of whole chunks ran slower than one at a time (README, "Embedding on a
        CPU"). int8: one text a pass, since dynamic quantization scales each call's activations as a
        whole, so in a batch a text's vector would depend on its batch-mates.
        """
        encodings = self.tokenizer.encode_batch(self._prepared(texts))
        out = np.zeros((len(encodings), self.meta.dimension), dtype=np.float32)
        group = max(1, batch_size) if self.meta.int8 == "none" else 1
        by_length: dict[int, list[int]] = {}
        for index, encoding in enumerate(encodings):
            by_length.setdefault(len(encoding.ids), []).append(index)
        for indexes in by_length.values():
            for start in range(0, len(indexes), group):
                together = indexes[start : start + group]
                ids = np.array([encodings[index].ids for index in together], dtype=np.int64)
                feeds = {
                    "input_ids": ids,
                    "attention_mask": np.array([encodings[index].attention_mask for index in together], dtype=np.int64),
                    "token_type_ids": np.array([encodings[index].type_ids for index in together], dtype=np.int64),
                }
                out[together] = self.session.run(None, {name: feeds[name] for name in self.meta.inputs})[0]
        if normalize_embeddings and len(out):
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
