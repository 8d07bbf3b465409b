"""A bounded cache of text → vector in front of one embedding function.

Answering a question embeds the same short texts again and again: the question itself (by the
policy, retrieval and the quote scorer) and the sentences of the chunks that popular questions
retrieve. A vector depends only on its text (the ONNX backend runs a text alone or with others of
its exact length, never padded; see bot/index/onnx_model.py), so a cached one is the vector the model
would give, to float rounding, and what is chosen from it does not change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


class VectorCache:
    """Least recently used vectors of `embed`, at most `capacity` of them (384 floats: 1.5 KB each)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], capacity: int) -> None:
        self.embed = embed
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def __call__(self, texts: list[str]) -> np.ndarray:
        """The vectors of `texts` in order; only texts not cached are embedded, each once, in one call."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vectors = np.asarray(self.embed(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    found[text] = vector
                    self._vectors[text] = vector
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[text] for text in texts])
