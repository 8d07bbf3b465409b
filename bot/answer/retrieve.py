"""Hybrid retrieval: vector and full-text candidates fused by reciprocal rank.

Dense vectors catch questions worded away from the runbooks ("baby leave" for parental leave);
BM25 catches exact names the model has never seen (form numbers, system names). Reciprocal-rank
fusion needs no score calibration between the two, which keeps it robust on corpora we never saw.
Every candidate also gets its cosine similarity to the question, the one calibrated signal we have,
which decides whether anything relevant was found at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from bot.index.embedding import Embedder
from bot.index.store import Hit, Store

Mode = Literal["hybrid", "vector", "text"]
RRF_K = 60
"""The constant of Cormack et al. (2009); larger values flatten the head of each list."""
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Result:
    """One chunk, ranked."""

    id: str
    doc_id: str
    source: str
    title: str
    url: str
    path: str
    section: str
    anchor: str
    text: str
    updated_at: datetime | None
    score: float = 0.0
    similarity: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def link(self) -> str:
        """The source link, pointing at the chunk's section when it has one."""
        return f"{self.url}#{self.anchor}" if self.anchor and "#" not in self.url else self.url

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "url": self.link, "path": self.path,
                "section": self.section, "score": round(self.score, 6), "text": self.text}


def fts_query(text: str) -> str:
    """Plain words only: the full-text parser treats quotes, colons and dashes as operators."""
    return " ".join(_WORD.findall(text))[:2000]


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, *, depth: int = 50, vector_weight: float = 1.0,
                 text_weight: float = 1.0) -> None:
        self.store = store
        self.embedder = embedder
        self.depth = depth
        self.weights = {"vector": vector_weight, "text": text_weight}

    def search(self, query: str, k: int = 10, *, mode: Mode = "hybrid", per_doc: int | None = 2,
               where: str | None = None) -> list[Result]:
        """The best `k` chunks, at most `per_doc` from one document (None: no cap)."""
        vector = self.embedder.embed_queries([query])[0]
        candidates: dict[str, Result] = {}
        lists: dict[str, list[Hit]] = {}
        if mode in ("hybrid", "vector"):
            lists["vector"] = self.store.search_vector(vector, self.depth, where)
        if mode in ("hybrid", "text"):
            lists["text"] = self.store.search_text(fts_query(query), self.depth, where)
        for name, hits in lists.items():
            for rank, hit in enumerate(hits, start=1):
                result = candidates.get(hit.row["id"])
                if result is None:
                    row = {key: value for key, value in hit.row.items() if key != "vector"}
                    result = candidates[hit.row["id"]] = Result(**row)
                    result.similarity = _cosine(vector, hit.row.get("vector"), hit.score if name == "vector" else None)
                result.ranks[name] = rank
                result.score += self.weights[name] / (RRF_K + rank)
        ranked = sorted(candidates.values(), key=lambda r: (-r.score, -r.similarity))
        if per_doc is None:
            return ranked[:k]
        taken: dict[str, int] = {}
        results = []
        for result in ranked:
            if taken.get(result.doc_id, 0) < per_doc:
                taken[result.doc_id] = taken.get(result.doc_id, 0) + 1
                results.append(result)
                if len(results) == k:
                    break
        return results


def _cosine(query: np.ndarray, vector: object, known: float | None) -> float:
    if known is not None:
        return known
    if vector is None:
        return 0.0
    return float(np.dot(query, np.asarray(vector, dtype=np.float32)))


def documents_ranked(results: list[Result]) -> list[str]:
    """Document ids in the order of their best chunk."""
    seen: dict[str, None] = {}
    for result in results:
        seen.setdefault(result.doc_id, None)
    return list(seen)
