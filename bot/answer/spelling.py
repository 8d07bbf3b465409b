"""Typo repair for questions typed fast in chat ("reciepts", "projcet", "pascode").

One typo can sink the right runbook: the embedding model cuts an unknown word into pieces that
mean little, and full-text search finds nothing for it. A word is repaired only when the runbooks
never use it, the embedding model's vocabulary lacks it too (when the model's vocabulary is at
hand), and restoring one dropped letter or swapping two neighbouring letters, the two commonest
slips on a keyboard, turns it into a word the runbooks do use (the most frequent, if several).
Substituted letters and extra letters are left alone, and so is a known word with a common suffix:
"fixing" those mostly turns a real word into another one ("lender" → "gender", "tanking" →
"taking" or "thanking", "sketchy" → "sketch").

A word in the other of British and American spelling ("colour", "organised", "enrolment") is read as the
runbooks spell it, known to the model or not: the model reads both, but the full-text index stems them apart
("colour" is not "color"), and the "not found" check looks words up there.

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


_SPELLINGS = tuple((re.compile(r"(?<=[a-z]{3})" + pattern), replacement) for pattern, replacement in (
    # British → American
    (r"our(s|ed|ing|able|ite|ites|hood|hoods)?$", r"or\1"),  # colour, behaviours, neighbourhood, favourite
    (r"is(e|es|ed|ing|ation|ations)$", r"iz\1"),  # organise, authorisation
    (r"ys(e|es|ed|ing)$", r"yz\1"),  # analyse
    (r"(?<=[aeiou])ll(ed|ing|er|ers|or|ors)$", r"l\1"),  # travelling, cancelled, counsellor
    (r"tre(s)?$", r"ter\1"),  # centre
    (r"ence(s)?$", r"ense\1"),  # licence, defence
    (r"ogue(s)?$", r"og\1"),  # catalogue
    (r"amme(s)?$", r"am\1"),  # programme
    (r"(?<=[aeiou])l(ment|ments)?$", r"ll\1"),  # enrol, enrolment, fulfil
    # American → British
    (r"(?<!o)or(s|ed|ing|able|ite|ites|hood|hoods)?$", r"our\1"),
    (r"iz(e|es|ed|ing|ation|ations)$", r"is\1"),
    (r"yz(e|es|ed|ing)$", r"ys\1"),
    (r"(?<=[aeiou])l(ed|ing|er|ers|or|ors)$", r"ll\1"),
    (r"ter(s)?$", r"tre\1"),
    (r"ense(s)?$", r"ence\1"),
    (r"og(s)?$", r"ogue\1"),
    (r"(?<!m)am(s)?$", r"amme\1"),
    (r"(?<=[aeiou])ll(ment|ments)?$", r"l\1"),
))
"""Where British and American spellings of a word differ, at its end, read both ways. Runbooks keep one spelling
and a global company's people write either ("enrolment" in one company's runbooks, "enrollment" in chat;
"counseling" in another's, "counselling" in chat): the full-text leg, and the "not found" check that looks a word
up there, missed the other. A spelling counts only when the runbooks use it and never the word as typed, so a
word the runbooks have is never touched, and only after three letters of the word's own ("cours" is a slip for
"course", not a British "cors")."""


def spelled_otherwise(word: str) -> set[str]:
    """`word` in the other of British and American spelling, by each rule that fits (usually none or one)."""
    if len(word) < 5:
        return set()
    return {pattern.sub(replacement, word) for pattern, replacement in _SPELLINGS if pattern.search(word)} - {word}


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
        if len(lower) < MIN_LENGTH:
            return None
        if lower not in self._verdicts:
            otherwise = spelled_otherwise(lower)
            if lower in self.known and not otherwise:
                return None  # most words: not kept, so the verdicts hold the doubtful ones
            if len(self._verdicts) >= REMEMBERED:
                self._verdicts.clear()
            self._verdicts[lower] = self._repair(lower, otherwise)
        return self._verdicts[lower]

    def _repair(self, lower: str, otherwise: set[str]) -> str | None:
        if otherwise:  # "colour" is a word the model knows and the runbooks may spell "color"
            counts = self.lookup([lower, *sorted(otherwise)])
            if counts.get(lower, 0):
                return None  # the runbooks use the word as typed
            found = [spelling for spelling in otherwise if counts.get(spelling, 0) > 0]
            if found:
                return max(found, key=lambda spelling: (counts[spelling], spelling))
            if lower in self.known:
                return None
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
