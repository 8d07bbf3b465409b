"""The example classifier: nearest labelled examples in the sentence-embedding space.

Every example in the policy file is embedded once, with the model the index already loaded. A
question's score for a category is the mean similarity to its k nearest advice examples of that
category, minus the mean similarity to its k nearest logistics or ordinary examples (of any
category): a margin, so a question is judged by which side of the advice/process line it sits
nearer, not by how "regulated" its topic sounds. The stance signals then move the margin. Averaging
the k nearest (not the single nearest) keeps one odd example from deciding alone; using margins
(not raw similarity) keeps the threshold meaningful across embedding models.

The nearest examples are a local view: a question on a topic with few examples near it is judged
by whichever examples happen to be closest. A second, global view is a logistic regression fitted
on all the examples at once (advice against everything else), which learns what separates advice
from process across every category; its probability, centred on 0.5 and weighted by the policy
file's `linear` threshold, moves the score too. On the development sets it removed wrong
escalations without losing a real one (docs/escalation.md has the table).

The policy's labelled questions (`PolicyFile.labelled`: thousands of questions written in chat's many
registers, each labelled advice of a category or not) join the examples as neighbours, not the global
view: a new question then finds neighbours in its own words, where the examples are a few hundred in
ours. Judged on each question set by a classifier without that set's own questions, they removed a third
of the false alarms and added escalations (docs/escalation.md, "Labelled questions").

Embeddings read what a question is about more than how it is asked: "could my salary go down if I
switch teams?" sits near advice on pay. A third view reads the words themselves (`WordingView`: a
logistic regression over word n-grams, fitted on the examples and the labelled questions together),
where "am i in trouble", "would you", "what's the process" and "is there a" carry the stance across
topics (`bot.policy.wording`). Its probability, centred on 0.5 and weighted by the policy file's
`wording`, moves the score like the global view's. Judged set by set by a classifier fitted without
that set, it removed two fifths of the false alarms and lost no real escalation (docs/escalation.md,
"The wording view").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog

from bot.index.embedding import Embedder
from bot.policy.cache_file import write_atomically
from bot.policy.clauses import CLAUSE_MARGIN, later_clauses
from bot.policy.policy_file import PolicyFile, Thresholds
from bot.policy.signals import Signals, normalize, signals
from bot.policy.wording import wording_view

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Verdict:
    """The classifier's view of one question, kept whole so reports can show why."""

    category: str
    advice_similarity: float
    logistics_similarity: float
    signals: Signals
    score: float
    escalate: bool
    linear: float = 0.5
    """The global view's probability that the question asks for advice."""
    wording: float = 0.5
    """The wording view's probability that the question asks for advice (0.5 when the policy gives it no weight)."""

    @property
    def margin(self) -> float:
        return self.advice_similarity - self.logistics_similarity


class ExampleClassifier:
    def __init__(self, policy: PolicyFile, embedder: Embedder, cache_dir: Path | None = None) -> None:
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
        normalized = [normalize(text) for text in texts]
        vectors, self.linear = _example_views(embedder, tuple(normalized), np.array(labels) != "", cache_dir)
        self.examples = len(texts)
        """The policy file's own examples come first in `texts`, `labels` and `vectors`; labelled questions follow."""
        used = [index for index, item in enumerate(policy.labelled) if policy.uses(item)]
        if used:
            # The labelled questions join the neighbours only: the global view stays fitted on the
            # examples, whose balance across categories someone chose. All of them are embedded (and
            # cached) whichever are left out, so leaving a set out costs no embedding.
            labelled = [normalize(item.text) for item in policy.labelled]
            every = _stored_vectors(embedder, tuple(labelled), cache_dir)
            vectors = np.vstack([vectors, every[used]])
            texts.extend(policy.labelled[index].text for index in used)
            normalized.extend(labelled[index] for index in used)
            labels.extend(policy.labelled[index].category for index in used)
        self.texts = texts
        self.labels = np.array(labels)
        self.vectors = vectors
        self.categories = [name for name in policy.categories]
        self.wording = (wording_view(tuple(normalized), self.labels != "", cache_dir)
                        if policy.thresholds.wording else None)
        """Fitted on the same questions as the neighbours (left-out sources stay out); None without weight."""

    def views(self, questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each normalised question's cosine similarity to every example (rows: questions) and the
        global view's advice probability."""
        vectors = np.asarray(self.embedder.embed_queries(questions), dtype=np.float32)
        return vectors @ self.vectors.T, self.linear.probability(vectors)

    def wording_of(self, questions: list[str]) -> np.ndarray:
        """The wording view's advice probability of each normalised question (0.5 each without the view)."""
        return self.wording.probability(questions) if self.wording is not None else np.full(len(questions), 0.5)

    def judge(self, text: str, sims: np.ndarray, linear: float, exclude: int | None = None,
              wording: float = 0.5) -> Verdict:
        """Score one normalised question from its similarity row and the two views' advice probabilities;
        `exclude` leaves one example out (tuning, with a probability from a fit that did not see it)."""
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
        score = (best_similarity - logistics - t.margin + stance.score(t.weights) + t.linear * (linear - 0.5)
                 + t.wording * (wording - 0.5))
        escalate = bool(escalates(t, score, best_similarity, best_similarity - logistics, stance.own_case, wording))
        return Verdict(best_category, float(best_similarity), float(logistics), stance, float(score), bool(escalate),
                       float(linear), float(wording))

    def classify(self, question: str) -> Verdict:
        return self.judged([normalize(question)])[0]

    def judged(self, texts: list[str]) -> list[Verdict]:
        """The verdict on each normalised text, from one embedding call and one call of each view for them all."""
        sims, linear = self.views(texts)
        wording = self.wording_of(texts)
        return [self.judge(text, sims[i], float(linear[i]), wording=float(wording[i])) for i, text in enumerate(texts)]

    def second_ask(self, question: str) -> Verdict | None:
        """The verdict of a later clause that asks for advice on its own, clearly (`bot.policy.clauses`), else None."""
        parts = later_clauses(normalize(question))
        if not parts:
            return None
        verdicts = self.judged(parts)
        bar = self.policy.thresholds.escalate_at + CLAUSE_MARGIN
        return max((verdict for verdict in verdicts if verdict.escalate and verdict.score >= bar),
                   key=lambda verdict: verdict.score, default=None)


def escalates(t: Thresholds, score, advice, margin, own_case, wording=0.5):  # noqa: ANN001, ANN201 - numbers or arrays
    """The decision on a question's parts, written once for the classifier and the benchmarks that
    tune or replay it over arrays: the score reaches the threshold, the question is near some advice
    example at all, and its advice side is not below its logistics side by more than `min_margin`,
    unless it asks for a judgement on the asker's own case in so many words ("given my prognosis,
    which leave?" reads like the leave process examples, yet a person must answer) or the wording view
    is sure it asks for advice (`wording_floor`: "i already sent the gift card, am i in legal trouble?"
    reads like the gift-policy questions)."""
    return (score >= t.escalate_at) & (advice >= t.min_similarity) & (
        (margin >= t.min_margin) | (own_case > 0) | (wording >= t.wording_floor))


LINEAR_C = 0.3
"""The global view's inverse regularisation (scikit-learn's C): strong, because some 500 examples in
384 dimensions separate perfectly, and a loosely regularised fit is certain about every question
(C 0.3, 1 and 3 gave the same development figures within one question)."""


@dataclass(frozen=True)
class LinearView:
    """A logistic regression over example vectors: advice against logistics and ordinary questions."""

    weights: np.ndarray
    bias: float

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(np.asarray(vectors, dtype=np.float64) @ self.weights + self.bias)))


def fit_linear(vectors: np.ndarray, advice: np.ndarray, c: float = LINEAR_C) -> LinearView:
    """L2-regularised logistic regression by Newton's method (the bias unpenalised, as scikit-learn's
    lbfgs fits it): a few hundred rows in a few hundred dimensions converge in about ten steps, with
    no solver dependency and the same result on every machine."""
    x = np.hstack([np.asarray(vectors, dtype=np.float64), np.ones((len(vectors), 1))])
    y = np.asarray(advice, dtype=np.float64)
    if not 0 < y.sum() < len(y):  # one side only (a policy file without advice or without logistics)
        return LinearView(np.zeros(x.shape[1] - 1), 0.0)  # 0.5 for every question: the view says nothing
    penalty = np.eye(x.shape[1]) / c
    penalty[-1, -1] = 0.0
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (p - y) + penalty @ beta
        hessian = (x * (p * (1.0 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return LinearView(beta[:-1], float(beta[-1]))


def held_out_probabilities(vectors: np.ndarray, advice: np.ndarray, folds: int = 10) -> np.ndarray:
    """Each example's advice probability from a fit that did not see it (k-fold), for tuning and
    reports that judge the examples themselves: the full fit has learned them."""
    out = np.zeros(len(vectors))
    for fold in range(folds):
        held = np.arange(len(vectors)) % folds == fold
        out[held] = fit_linear(vectors[~held], advice[~held]).probability(vectors[held])
    return out


_VIEWS: dict[tuple[int, str, int], tuple[np.ndarray, LinearView]] = {}


def _example_views(embedder: Embedder, texts: tuple[str, ...], advice: np.ndarray,
                   cache_dir: Path | None = None) -> tuple[np.ndarray, LinearView]:
    """The examples' vectors and the global view fitted on them, once per model and policy per process
    (rebuilding a runtime is free)."""
    key = (id(embedder), embedder.model_name, hash((texts, advice.tobytes())))
    if key not in _VIEWS:
        if len(_VIEWS) > 8:
            _VIEWS.clear()
        vectors = _stored_vectors(embedder, texts, cache_dir)
        _VIEWS[key] = vectors, fit_linear(vectors, advice)
    return _VIEWS[key]


def _stored_vectors(embedder: Embedder, texts: tuple[str, ...], cache_dir: Path | None) -> np.ndarray:
    """The vectors of the policy's texts (examples, labelled questions): embedding thousands of them takes
    seconds on a CPU, at every start of `kb ask` or `kb serve`, so they are kept once per process and,
    with `cache_dir`, on disk.

    The file is named for the texts and for the model as it actually embeds (a probe sentence's
    vector), so another model, backend or quantization never reads vectors it did not make.
    """
    probe = np.asarray(embedder.embed_queries([_PROBE]), dtype=np.float32)[0]
    digest = hashlib.sha256("\n".join((embedder.model_name, *texts)).encode())
    digest.update(np.round(probe, 3).tobytes())
    key = digest.hexdigest()[:24]
    if key in _STORED:
        return _STORED[key]
    path = cache_dir / f"vectors-{key}.npy" if cache_dir is not None else None
    vectors = None
    if path is not None and path.is_file():
        try:
            vectors = np.load(path)
        except (OSError, ValueError) as error:  # a torn or foreign file: embed again and replace it
            log.warning("policy.cache_unreadable", path=str(path), error=str(error))
        if vectors is not None and vectors.shape != (len(texts), probe.shape[0]):
            vectors = None
    if vectors is None:
        vectors = np.asarray(embedder.embed_queries(list(texts)), dtype=np.float32) if texts else \
            np.zeros((0, probe.shape[0]), dtype=np.float32)
        if path is not None:
            write_atomically(path, lambda handle: np.save(handle, vectors), ".npy")
    if len(_STORED) > 8:
        _STORED.clear()
    _STORED[key] = vectors
    return vectors


_PROBE = "how do i reset my password"
_STORED: dict[str, np.ndarray] = {}


def _top_mean(values: np.ndarray, k: int) -> float:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return -1.0
    if values.size <= k:
        return float(values.mean())
    return float(np.partition(values, -k)[-k:].mean())
