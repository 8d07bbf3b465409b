"""Gap questions grouped into topics with the embedding model, so a writer sees one line per missing page.

One pass, most frequent phrasing first: a question joins the topic whose centre it is closest to
when that is at least `SIMILARITY` (cosine), else it starts a topic. Comparing each question with
the topics, not with every other question, keeps 100,000 recorded questions to a few matrix
products; exact repeats are folded first, so a question asked fifty times weighs fifty but is
embedded and compared once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIMILARITY = 0.6
"""Cosine a question needs to a topic's centre to join it (all-MiniLM-L6-v2: paraphrases ≈ 0.7–0.9,
the same subject asked differently ≈ 0.6, neighbouring subjects ≈ 0.4)."""
BLOCK = 512
EXAMPLES = 3


@dataclass(frozen=True)
class Topic:
    topic: str
    """The question nearest the topic's centre: its name in the report."""
    count: int
    examples: list[str]
    """The most asked other phrasings, at most EXAMPLES."""
    members: list[int]
    """Indices into the questions given to `group_questions`."""


def fold(text: str) -> str:
    """What makes two questions the same question: case, spacing and trailing punctuation aside."""
    return re.sub(r"[\s?!.]+$", "", " ".join(text.lower().split()))


def group_questions(questions: Sequence[str], vectors: np.ndarray, similarity: float = SIMILARITY,
                    limit: int | None = None) -> list[Topic]:
    """Topics, largest first (the first `limit` of them); `vectors[i]` is the embedding of `questions[i]`."""
    if not len(questions):
        return []
    by_text: dict[str, list[int]] = {}
    for index, text in enumerate(questions):
        by_text.setdefault(fold(text), []).append(index)
    distinct = sorted(by_text.values(), key=len, reverse=True)
    weights = np.array([len(indices) for indices in distinct], dtype=np.float32)
    unit = _normalised(np.asarray(vectors, dtype=np.float32)[[indices[0] for indices in distinct]])
    labels = _leader(unit, weights, similarity)
    sizes = np.bincount(labels, weights=weights)
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(len(sizes)))
    largest = sorted(range(len(sizes)), key=lambda label: -sizes[label])[:limit]
    topics = []
    for label in largest:
        rows = order[starts[label] : starts[label + 1] if label + 1 < len(starts) else len(order)]
        centre = _normalised((unit[rows] * weights[rows, None]).sum(axis=0, keepdims=True))[0]
        name = questions[distinct[rows[int(np.argmax(unit[rows] @ centre))]][0]]
        phrasings = Counter({questions[distinct[row][0]]: len(distinct[row]) for row in rows})
        examples = [text for text, _ in phrasings.most_common(EXAMPLES + 1) if text != name][:EXAMPLES]
        members = sorted(index for row in rows for index in distinct[row])
        topics.append(Topic(name, len(members), examples, members))
    return sorted(topics, key=lambda topic: (-topic.count, topic.topic))


def _normalised(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _leader(unit: np.ndarray, weights: np.ndarray, similarity: float) -> np.ndarray:
    """Each row's topic number. Rows that match an existing topic are assigned a block at a time;
    the rest of a block founds topics one by one (those are few once the common topics exist)."""
    labels = np.full(len(unit), -1, dtype=np.int64)
    sums = np.zeros_like(unit)
    centres = np.zeros_like(unit)
    topics = 0
    for start in range(0, len(unit), BLOCK):
        block = slice(start, min(start + BLOCK, len(unit)))
        if topics:
            scores = unit[block] @ centres[:topics].T
            best = scores.argmax(axis=1)
            matched = scores[np.arange(len(best)), best] >= similarity
            labels[block][matched] = best[matched]
            np.add.at(sums, best[matched], unit[block][matched] * weights[block][matched, None])
            centres[:topics] = _normalised(sums[:topics])
        for row in start + np.flatnonzero(labels[block] < 0):
            label = topics
            if topics:
                scores = centres[:topics] @ unit[row]
                best = int(scores.argmax())
                if scores[best] >= similarity:
                    label = best
            topics = max(topics, label + 1)
            labels[row] = label
            sums[label] += unit[row] * weights[row]
            centres[label] = sums[label] / (np.linalg.norm(sums[label]) or 1)
    return labels
