"""Typo repair for questions typed fast in chat ("reciepts", "projcet", "pascode").

One typo can sink the right runbook: the embedding model cuts an unknown word into pieces that
mean little, and full-text search finds nothing for it. A word is repaired only when the runbooks
never use it, the embedding model's vocabulary lacks it too (when the model's vocabulary is at
hand), and restoring one dropped letter or swapping two neighbouring letters, the two commonest
slips on a keyboard, turns it into a word the runbooks do use (the most frequent, if several).
Substituted letters and extra letters are left alone, and so is a known word with a common suffix:
"fixing" those mostly turns a real word into another one ("lender" → "gender", "tanking" →
"taking" or "thanking", "sketchy" → "sketch").
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Container, Iterable

_WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 4
"""Shorter words have too many one-letter neighbours ("wfh", "lol") to repair safely."""
SUFFIXES = ("s", "es", "ed", "er", "ers", "ing", "ly", "y")
"""A known word with one of these is an inflection, not a typo ("tanking" is not "thanking")."""


def vocabulary(texts: Iterable[str]) -> Counter[str]:
    """How often each lower-cased word occurs in `texts`."""
    return Counter(_WORD.findall("\n".join(texts).lower()))


class Speller:
    def __init__(self, counts: Counter[str], known: Container[str] = frozenset()) -> None:
        """`counts`: the runbooks' words; `known`: words to trust as spelled (the model's vocabulary)."""
        self.counts = counts
        self.known = known

    def repair(self, word: str) -> str | None:
        """The runbook word `word` was most likely meant to be, or None to keep it."""
        lower = word.lower()
        if len(lower) < MIN_LENGTH or self._is_word(lower):
            return None
        candidates = {lower[:i] + letter + lower[i:] for i in range(len(lower) + 1) for letter in string.ascii_lowercase}
        candidates |= {lower[:i] + lower[i + 1] + lower[i] + lower[i + 2:] for i in range(len(lower) - 1)}
        found = [candidate for candidate in candidates if self.counts.get(candidate, 0) > 0]
        return max(found, key=lambda candidate: (self.counts[candidate], candidate)) if found else None

    def _is_word(self, lower: str) -> bool:
        if lower in self.counts or lower in self.known:
            return True
        return any(lower.endswith(suffix) and (lower[: -len(suffix)] in self.counts or lower[: -len(suffix)] in self.known)
                   for suffix in SUFFIXES if len(lower) - len(suffix) >= MIN_LENGTH - 1)

    def correct(self, text: str) -> str:
        """`text` with each repairable word replaced; everything else, case included, as it was."""
        return _WORD.sub(lambda match: self.repair(match.group()) or match.group(), text)


def model_vocabulary(embedder: object) -> Container[str]:
    """The whole words the in-process model's tokenizer knows; empty for a remote worker."""
    model = getattr(embedder, "sentence_model", None)
    tokenizer = getattr(model, "tokenizer", None)
    get_vocab: Callable[[], dict[str, int]] | None = getattr(tokenizer, "get_vocab", None)
    return frozenset(get_vocab()) if get_vocab else frozenset()
