"""Text normalisation and the "advice about me" versus "how does the process work" signals.

Embeddings know the topic (leave, visas, stock) very well and the asker's stance poorly: "how
do I request FMLA" and "can they fire me for taking FMLA" sit close together. These signals
carry the stance: a judgement question (should I, can they, is it legal), a situation of the
asker's own (my manager, I was, I'm being), or a process question (how do I request, where is
the form). Each is 0 or 1 so its weight in the score is easy to reason about and to tune.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_CHARS = 2000
"""Longer questions are judged on their start: patterns are bounded and the model reads 256 tokens anyway."""

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def normalize(text: str) -> str:
    """Lower case, unicode-folded, quotes straightened, whitespace collapsed, length bounded.

    Lone surrogates (JSON allows "\\ud800") become "?": the tokenizer rejects them outright.
    """
    valid = (text or "").encode("utf-8", "replace").decode("utf-8")
    folded = unicodedata.normalize("NFKC", valid).translate(_QUOTES).lower()
    return " ".join(folded.split())[:MAX_CHARS]


@dataclass(frozen=True)
class Signals:
    judgement: int = 0
    situation: int = 0
    process: int = 0

    def score(self, weights: Mapping[str, float]) -> float:
        return (weights.get("judgement", 0.0) * self.judgement + weights.get("situation", 0.0) * self.situation
                - weights.get("process", 0.0) * self.process)


def signals(text: str, patterns: Mapping[str, Sequence[re.Pattern[str]]]) -> Signals:
    """The three stance signals of an already normalised question."""

    def hit(kind: str) -> int:
        return int(any(pattern.search(text) for pattern in patterns.get(kind, ())))

    return Signals(judgement=hit("judgement"), situation=hit("situation"), process=hit("process"))
