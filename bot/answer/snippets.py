"""Picking the sentences of a chunk that answer the question.

Without a language model the answer *is* the quoted runbook text, so which sentences get quoted
matters: the window of consecutive sentences that shares the most (rarer) words with the
question, kept short enough to read in a chat thread.
"""

from __future__ import annotations

import math
import re

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d{1,3}[.)]\s|#{1,6}\s|>|\||```|~~~)")
_WORD = re.compile(r"[a-z0-9]+")
_MARKDOWN = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#{1,6}|>)\s+|\*\*|__|`")
_FENCE = re.compile(r"^\s*(```|~~~)")
_STEP_NUMBER = re.compile(r"^\d{1,3}[.)]$")
_FIRST_STEP = re.compile(r"^1[.)] ")
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


FOLLOWING_BONUS = 0.1
"""How much a following sentence is preferred over an equally relevant preceding one when a quote
grows: runbooks tend to announce a step and then give it ("If you lose your laptop, do this:")."""


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


def sentences_of(text: str) -> list[str]:
    """A chunk's sentences (and list items, table rows), markup removed.

    The splitter also cuts after a step number ("1. Open the app" → "1." | "Open the app"); the
    number goes back onto its step, so a quote never ends on a stray "3." nor loses the numbering.
    """
    return [sentence for sentence, _ in _sentences_in_steps(text)]


def _sentences_in_steps(text: str) -> list[tuple[str, int | None]]:
    """Each sentence with the index of the first sentence of its numbered step (None: not in one)."""
    sentences: list[tuple[str, int | None]] = []
    for line in table_rows(unwrap(text)).splitlines():
        if _FENCE.match(line):
            continue
        number, step = "", None
        for sentence in (clean(part) for part in _SPLIT.split(line)):
            if _STEP_NUMBER.match(sentence):
                number = sentence + " "
            elif sentence:
                if number:
                    step = len(sentences)
                sentences.append((number + sentence, step))
                number = ""
    return sentences


def unwrap(text: str) -> str:
    """Hard-wrapped paragraph lines joined back into one line each.

    Many sources wrap prose at a fixed width ("...and every\\n90 days thereafter."); split at every
    newline, the sentence would be quoted in halves and each half scored alone, so the half with
    the answer ("90 days thereafter.") looks unrelated to the question. A line that opens a list
    item, heading, quote, table row or code fence still starts a new line.
    """
    lines: list[str] = []
    joinable = False  # whether the previous line is prose that a wrapped line may continue
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced, joinable = not fenced, False
            lines.append(line)
        elif joinable and not fenced and line.strip() and not _BLOCK_START.match(line):
            lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
        else:
            lines.append(line)
            joinable = not fenced and bool(line.strip()) and not line.lstrip().startswith(("|", "#"))
    return "\n".join(lines)


def table_rows(text: str) -> str:
    """Markdown table rows as plain lines ("Client meal — $100 per person — list attendees;"), the
    |---| rule dropped: quoted in a chat message, pipes and dashes are noise around the answer."""
    lines = []
    for line in text.splitlines():
        if _TABLE_RULE.match(line) and "-" in line:
            continue
        if line.lstrip().startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            line = " — ".join(cell for cell in cells if cell)
            line += "" if not line or line[-1] in ".;:!?" else ";"  # rows quoted together stay apart
        lines.append(line)
    return "\n".join(lines)


def lexical_scores(question: str, sentences: list[str]) -> list[float]:
    """How many of the question's words each sentence shares, rarer words (within the chunk) counting more."""
    wanted = set(terms(question))
    counts: dict[str, int] = {}
    bags = [set(terms(sentence)) for sentence in sentences]
    for bag in bags:
        for term in bag:
            counts[term] = counts.get(term, 0) + 1
    weight = {term: math.log(1 + len(sentences) / count) for term, count in counts.items()}
    return [sum(weight[term] for term in bag & wanted) for bag in bags]


def best_snippet(question: str, text: str, max_chars: int = 450, semantic: list[float] | None = None) -> str:
    """The sentence that best answers the question, with its neighbours while they fit in ~max_chars.

    A sentence is scored by shared words and, when given, its embedding similarity to the question
    (`semantic`, one value per `sentences_of(text)`): words catch names and numbers, the embedding
    catches paraphrase. The quote then grows one neighbour at a time, the more relevant of the two
    first (a following one wins ties), so a rule's own sentence is not crowded out by the
    sentences after it.
    """
    in_steps = _sentences_in_steps(text)
    sentences = [sentence for sentence, _ in in_steps]
    if not sentences:
        return ""
    lexical = lexical_scores(question, sentences)
    top = max(lexical) or 1.0
    scores = [value / top for value in lexical]
    if semantic is not None and len(semantic) == len(sentences):
        scores = [0.5 * lex + sem for lex, sem in zip(scores, semantic)]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    start = _list_start(sentences, best, max_chars)
    end, length = best + 1, sum(len(sentence) + 1 for sentence in sentences[start:best + 1]) - 1
    while True:
        fitting = [index for index in (end, start - 1)
                   if 0 <= index < len(sentences) and length + len(sentences[index]) + 1 <= max_chars]
        if not fitting:
            break
        grow = max(fitting, key=lambda index: scores[index] + (FOLLOWING_BONUS if index == end else 0.0))
        length += len(sentences[grow]) + 1
        start, end = min(start, grow), max(end, grow + 1)
    while start < best and in_steps[start][1] not in (None, start):
        start += 1  # grown back into the tail of a numbered step: begin at the next whole sentence
    snippet = " ".join(sentences[start:end])
    if len(snippet) > max_chars + 80:
        snippet = snippet[:max_chars].rsplit(" ", 1)[0] + "…"
    return snippet


def _list_start(sentences: list[str], best: int, max_chars: int) -> int:
    """Where a quote of `sentences[best]` should begin: at step 1 when it is a later step of a
    numbered list and the steps up to it fit, since "3. Click Connect" means little without 1 and 2."""
    for index in range(best, max(-1, best - 8), -1):
        if _FIRST_STEP.match(sentences[index]):
            fits = sum(len(sentence) + 1 for sentence in sentences[index:best + 1]) - 1 <= max_chars
            return index if fits else best
    return best

