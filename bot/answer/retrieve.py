"""Hybrid retrieval: vector and full-text candidates fused by a convex combination of their scores.

Dense vectors catch questions worded away from the runbooks ("baby leave" for parental leave);
BM25 catches exact names the model has never seen (form numbers, system names). Each candidate of
either list gets its cosine similarity to the question (computed from its stored vector when only
full text found it), so the fusion adds two scores each scaled by the best of its list instead of
two ranks: a chunk the vector search ranks second but BM25 misses keeps its strength, where
reciprocal-rank fusion sank it below mediocre chunks both lists held (measured on the 18F handbook
and SciFact in the README; Bruch et al. 2023 found the same). The cosine also decides whether
anything relevant was found at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from bot.answer.asks import asks_if_allowed
from bot.answer.chat_terms import BUILT_IN, Table, expanded
from bot.answer.spelling import Speller, model_vocabulary
from bot.index.embedding import Embedder
from bot.index.store import Hit, Store

Mode = Literal["hybrid", "vector", "text"]
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
    stored: tuple[tuple[str, bytes | None], ...] = ()
    """The chunks `text` was read from, each with its stored sentence vectors (`bot.index.sentence_vectors`):
    one chunk, or a section's neighbours joined (`bot.answer.compose.with_neighbours`)."""

    @classmethod
    def of(cls, row: dict) -> Result:
        """A chunk row of the store as a result (its vector left out: results travel, vectors are big)."""
        fields = {key: value for key, value in row.items() if key not in ("vector", "sentences")}
        return cls(**fields, stored=((row["text"], row.get("sentences")),))

    @property
    def link(self) -> str:
        """The source link, pointing at the chunk's section when it has one."""
        return f"{self.url}#{self.anchor}" if self.anchor and "#" not in self.url else self.url

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "url": self.link, "path": self.path,
                "section": self.section, "score": round(self.score, 6), "text": self.text}


POLICY_WORD = "policy"
"""What a question asking whether something is allowed is searched with, beside its own words (`searched`)."""


def searched(question: str) -> str:
    """What retrieval looks for: the question, and for one asking whether something is allowed
    (`bot.answer.asks.asks_if_allowed`) the word "policy" after it, on both legs. The asker names the act ("forward
    work docs to my gmail", "nmap our staging boxes"); the page that settles it is a policy listing acts in its own
    words, while the question's own words find the pages about the tool. On the 58 Sourcegraph development sets,
    of 547 such questions the page that answers came first for 16 more (111 whose gold page is a policy: 43 → 60)
    and in the top five for 18 more, and the 436 others lost one first place. End to end on 61 sets, the gold page
    is in the top five for 18 more questions, 8 answerable ones are no longer turned away, 2 more answers show the
    fact and 2 unanswerable questions are no longer said "not found" (docs/measurements.md, session 44)."""
    return f"{question} {POLICY_WORD}" if asks_if_allowed(question) else question


def fts_query(text: str) -> str:
    """Plain words only: the full-text parser treats quotes, colons and dashes as operators."""
    return " ".join(_WORD.findall(text))[:2000]


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, *, depth: int = 50, vector_weight: float = 0.8,
                 chat_terms: Table | None = BUILT_IN) -> None:
        if not 0.0 <= vector_weight <= 1.0:
            raise ValueError(f"vector_weight must be between 0 and 1, not {vector_weight}")
        self.store = store
        self.embedder = embedder
        self.depth = depth
        self.vector_weight = vector_weight
        self.chat_terms = chat_terms
        """Chat phrasing → runbook words the full-text leg also searches (`bot.answer.chat_terms`); None: off."""
        self._speller: tuple[int | None, Speller] | None = None

    def corrected(self, query: str) -> str:
        """`query` with its typos repaired against the runbooks' words (see bot.answer.spelling).

        Words are looked up in the full-text index, whoever may read the chunks holding them: a
        repaired query is never shown, and what it retrieves is still filtered by the asker's access.
        """
        version = self.store.chunks_version()
        if self._speller is None or self._speller[0] != version:  # a sync may have added the word
            known = self._speller[1].known if self._speller else model_vocabulary(self.embedder)
            self._speller = (version, Speller(self.store.word_counts, known))
        return self._speller[1].correct(query)

    def search(self, query: str, k: int = 10, *, mode: Mode = "hybrid", per_doc: int | None = 2,
               where: str | None = None) -> list[Result]:
        """The best `k` chunks, at most `per_doc` from one document (None: no cap)."""
        query = searched(self.corrected(query))
        vector = self.embedder.embed_queries([query])[0]
        # The runbooks' words for chat phrasing go to the full-text leg only: the vector leg reads meaning,
        # and moving the question's vector toward a formal term cost as many answers as it gained (README).
        text_query = expanded(query, self.chat_terms) if self.chat_terms is not None else query
        candidates: dict[str, Result] = {}
        lists: dict[str, list[Hit]] = {}
        if mode == "hybrid":
            lists["vector"], lists["text"] = self.store.search_both(vector, fts_query(text_query), self.depth, where)
        elif mode == "vector":
            lists["vector"] = self.store.search_vector(vector, self.depth, where)
        else:
            lists["text"] = self.store.search_text(fts_query(text_query), self.depth, where)
        text_scores: dict[str, float] = {}
        for name, hits in lists.items():
            for rank, hit in enumerate(hits, start=1):
                result = candidates.get(hit.row["id"])
                if result is None:
                    result = candidates[hit.row["id"]] = Result.of(hit.row)
                    result.similarity = _cosine(vector, hit.row.get("vector"), hit.score if name == "vector" else None)
                result.ranks[name] = rank
                if name == "text":
                    text_scores[result.id] = hit.score
        weight = {"hybrid": self.vector_weight, "vector": 1.0, "text": 0.0}[mode]
        best_similarity = max((r.similarity for r in candidates.values()), default=0.0)
        best_text = max(text_scores.values(), default=0.0)
        for result in candidates.values():
            dense = result.similarity / best_similarity if best_similarity > 0 else 0.0
            sparse = text_scores.get(result.id, 0.0) / best_text if best_text > 0 else 0.0
            result.score = weight * dense + (1.0 - weight) * sparse
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


    def documents(self, doc_ids: list[str], query: str, where: str | None = None) -> dict[str, list[Result]]:
        """All chunks of each document, each with its cosine similarity to `query` (as `score` too).

        `query` is taken as given (the answer passes the question it already repaired). Its vector
        is cached by the embedder, so this costs one filtered read: no chunk is embedded again.
        """
        vector = self.embedder.embed_queries([query])[0]
        pages: dict[str, list[Result]] = {}
        for doc_id, rows in self.store.document_chunks(doc_ids, where).items():
            for row in rows:
                result = Result.of(row)
                result.similarity = result.score = _cosine(vector, row.get("vector"), None)
                pages.setdefault(doc_id, []).append(result)
        return pages


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
