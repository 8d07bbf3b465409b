"""Picking the sentences of a chunk that answer the question.

Without a language model the answer *is* the quoted runbook text, so which sentences get quoted
matters: the window of consecutive sentences that shares the most (rarer) words with the
question, kept short enough to read in a chat thread.
"""

from __future__ import annotations

import math
import re

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+")
_WORD = re.compile(r"[a-z0-9]+")
_MARKDOWN = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#{1,6}|>)\s+|\*\*|__|`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further get got had has have having he her
    here hers him his how i if in into is it its itself just let me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself hi hey hello thanks thank please pls plz anyone know need
    want wanna gonna im ive id dont cant wont whats hows""".split()
)


def terms(text: str) -> list[str]:
    """Lower-cased content words, crudely stemmed so 'requests' meets 'request'."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def clean(text: str) -> str:
    """Markdown markup removed, for quoting inside a chat message."""
    text = _LINK.sub(r"\1", text)
    return " ".join(_MARKDOWN.sub("", line).strip() for line in text.splitlines() if line.strip())


def best_snippet(question: str, text: str, max_chars: int = 320) -> str:
    """The window of consecutive sentences that best matches the question, at most ~max_chars."""
    sentences = [clean(part) for part in _SPLIT.split(text)]
    sentences = [sentence for sentence in sentences if sentence]
    if not sentences:
        return ""
    wanted = set(terms(question))
    # Rarer words (within the chunk) say more about a match than words every sentence shares.
    counts: dict[str, int] = {}
    for sentence in sentences:
        for term in set(terms(sentence)):
            counts[term] = counts.get(term, 0) + 1
    weight = {term: math.log(1 + len(sentences) / counts[term]) for term in counts}
    scores = [sum(weight.get(term, 0.0) for term in set(terms(sentence)) & wanted) for sentence in sentences]
    best_start, best_end, best_score = 0, 1, -1.0
    for start in range(len(sentences)):
        end, length, score = start, 0, 0.0
        while end < len(sentences) and (length == 0 or length + len(sentences[end]) <= max_chars):
            length += len(sentences[end]) + 1
            score += scores[end]
            end += 1
            # Prefer the shortest window reaching a score: ties keep the earlier, shorter one.
            if score > best_score + 1e-9:
                best_start, best_end, best_score = start, end, score
    snippet = " ".join(sentences[best_start:best_end])
    if len(snippet) > max_chars + 80:
        snippet = snippet[:max_chars].rsplit(" ", 1)[0] + "…"
    return snippet
