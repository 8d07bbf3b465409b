"""Typo repair for questions typed fast in chat ("reciepts", "projcet", "pascode").

One typo can sink the right runbook: the embedding model cuts an unknown word into pieces that
mean little, and full-text search finds nothing for it. A word is repaired only when the runbooks
never use it, the embedding model's vocabulary lacks it too (when the model's vocabulary is at
hand), and restoring one dropped letter or swapping two neighbouring letters, the two commonest
slips on a keyboard, turns it into a word the runbooks do use (the most frequent, if several).
Substituted letters and extra letters are left alone, and so is a known word with a common suffix:
"fixing" those mostly turns a real word into another one ("lender" → "gender", "tanking" →
"taking" or "thanking", "sketchy" → "sketch").

The runbooks' words are never loaded: for each doubtful word (one the model does not know, so
rarely more than one or two a question) one full-text query asks the index about the word and its
few hundred one-slip neighbours at once, a few milliseconds on the 18F handbook, and the inverted
index keeps that cost flat as the runbooks grow. Stop words are not in that index, so they are
never repaired; they carry nothing for retrieval anyway.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Container, Mapping

_WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 4
"""Shorter words have too many one-letter neighbours ("wfh", "lol") to repair safely."""
SUFFIXES = ("s", "es", "ed", "er", "ers", "ing", "ly", "y")
"""A known word with one of these is an inflection, not a typo ("tanking" is not "thanking")."""


Lookup = Callable[[list[str]], Mapping[str, int]]
"""Given words, how often each occurs in the runbooks (absent or 0: never)."""


REMEMBERED = 4096
"""Verdicts a speller keeps: a question's doubtful words are looked up once, not again when the
answer's quotes are scored with the repaired question."""


class Speller:
    def __init__(self, lookup: Lookup, known: Container[str] = frozenset()) -> None:
        """`lookup`: asks the runbooks about words (a function, so a big index is asked, never loaded);
        `known`: words to trust as spelled (the model's vocabulary). A speller answers for one version
        of the runbooks: its verdicts are kept."""
        self.lookup = lookup
        self.known = known
        self._verdicts: dict[str, str | None] = {}

    def repair(self, word: str) -> str | None:
        """The runbook word `word` was most likely meant to be, or None to keep it."""
        lower = word.lower()
        if len(lower) < MIN_LENGTH or lower in self.known:
            return None
        if lower not in self._verdicts:
            if len(self._verdicts) >= REMEMBERED:
                self._verdicts.clear()
            self._verdicts[lower] = self._repair(lower)
        return self._verdicts[lower]

    def _repair(self, lower: str) -> str | None:
        stems = [lower[: -len(suffix)] for suffix in SUFFIXES
                 if lower.endswith(suffix) and len(lower) - len(suffix) >= MIN_LENGTH - 1]
        if any(stem in self.known for stem in stems):
            return None
        candidates = {lower[:i] + letter + lower[i:] for i in range(len(lower) + 1) for letter in string.ascii_lowercase}
        candidates |= {lower[:i] + lower[i + 1] + lower[i] + lower[i + 2:] for i in range(len(lower) - 1)}
        counts = self.lookup([lower, *stems, *sorted(candidates)])  # one question to the index per word
        if any(counts.get(known, 0) > 0 for known in (lower, *stems)):
            return None
        found = [candidate for candidate in candidates if counts.get(candidate, 0) > 0]
        return max(found, key=lambda candidate: (counts[candidate], candidate)) if found else None

    def correct(self, text: str) -> str:
        """`text` with each repairable word replaced; everything else, case included, as it was."""
        return _WORD.sub(lambda match: self.repair(match.group()) or match.group(), text)


def model_vocabulary(embedder: object) -> Container[str]:
    """The whole words the in-process model's tokenizer knows; empty for a remote worker."""
    model = getattr(embedder, "sentence_model", None)
    tokenizer = getattr(model, "tokenizer", None)
    get_vocab: Callable[[], dict[str, int]] | None = getattr(tokenizer, "get_vocab", None)
    return frozenset(get_vocab()) if get_vocab else frozenset()
