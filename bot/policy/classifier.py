"""The example classifier: nearest labelled examples in the sentence-embedding space.

Every example in the policy file is embedded once, with the model the index already loaded. A
question's score for a category is the mean similarity to its k nearest advice examples of that
category, minus the mean similarity to its k nearest logistics or ordinary examples (of any
category): a margin, so a question is judged by which side of the advice/process line it sits
nearer, not by how "regulated" its topic sounds. The stance signals then move the margin. Averaging
the k nearest (not the single nearest) keeps one odd example from deciding alone; using margins
(not raw similarity) keeps the threshold meaningful across embedding models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.index.embedding import Embedder
from bot.policy.policy_file import PolicyFile, Thresholds
from bot.policy.signals import Signals, normalize, signals


@dataclass(frozen=True)
class Verdict:
    """The classifier's view of one question, kept whole so reports can show why."""

    category: str
    advice_similarity: float
    logistics_similarity: float
    signals: Signals
    score: float
    escalate: bool

    @property
    def margin(self) -> float:
        return self.advice_similarity - self.logistics_similarity


class ExampleClassifier:
    def __init__(self, policy: PolicyFile, embedder: Embedder) -> None:
        self.policy = policy
        self.embedder = embedder
        texts: list[str] = []
        labels: list[str] = []
        for category in policy.categories.values():
            texts.extend(category.advice)
            labels.extend([category.name] * len(category.advice))
        for category in policy.categories.values():
            texts.extend(category.logistics)
            labels.extend([""] * len(category.logistics))
        texts.extend(policy.none)
        labels.extend([""] * len(policy.none))
        self.texts = texts
        self.labels = np.array(labels)
        self.vectors = _example_vectors(embedder, tuple(normalize(text) for text in texts))
        self.categories = [name for name in policy.categories]

    def similarities(self, questions: list[str]) -> np.ndarray:
        """Cosine similarity of each normalised question to every example (rows: questions)."""
        vectors = np.asarray(self.embedder.embed_queries(questions), dtype=np.float32)
        return vectors @ self.vectors.T

    def judge(self, text: str, sims: np.ndarray, exclude: int | None = None) -> Verdict:
        """Score one normalised question from its similarity row; `exclude` leaves one example out (tuning)."""
        t = self.policy.thresholds
        k = max(1, t.neighbours)
        row = sims.copy()
        if exclude is not None:
            row[exclude] = -np.inf
        best_category, best_similarity = self.categories[0], -1.0
        for category in self.categories:
            top = _top_mean(row[self.labels == category], k)
            if top > best_similarity:
                best_category, best_similarity = category, top
        logistics = _top_mean(row[self.labels == ""], k)
        stance = signals(text, self.policy.signals)
        score = best_similarity - logistics - t.margin + stance.score(t.weights)
        escalate = bool(escalates(t, score, best_similarity, best_similarity - logistics, stance.own_case))
        return Verdict(best_category, float(best_similarity), float(logistics), stance, float(score), bool(escalate))

    def classify(self, question: str) -> Verdict:
        text = normalize(question)
        return self.judge(text, self.similarities([text])[0])


def escalates(t: Thresholds, score, advice, margin, own_case):  # noqa: ANN001, ANN201 - numbers or numpy arrays
    """The decision on a question's parts, written once for the classifier and the benchmarks that
    tune or replay it over arrays: the score reaches the threshold, the question is near some advice
    example at all, and its advice side is not below its logistics side by more than `min_margin`,
    unless it asks for a judgement on the asker's own case in so many words ("given my prognosis,
    which leave?" reads like the leave process examples, yet a person must answer)."""
    return (score >= t.escalate_at) & (advice >= t.min_similarity) & ((margin >= t.min_margin) | (own_case > 0))


_VECTORS: dict[tuple[int, str, int], np.ndarray] = {}


def _example_vectors(embedder: Embedder, texts: tuple[str, ...]) -> np.ndarray:
    """The examples' vectors, embedded once per model and policy per process (rebuilding a runtime is free)."""
    key = (id(embedder), embedder.model_name, hash(texts))
    if key not in _VECTORS:
        if len(_VECTORS) > 8:
            _VECTORS.clear()
        _VECTORS[key] = np.asarray(embedder.embed_queries(list(texts)), dtype=np.float32)
    return _VECTORS[key]


def _top_mean(values: np.ndarray, k: int) -> float:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return -1.0
    if values.size <= k:
        return float(values.mean())
    return float(np.partition(values, -k)[-k:].mean())
