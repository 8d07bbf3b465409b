"""Picking the sentences of a chunk that answer the question.

Without a language model the answer *is* the quoted runbook text, so which sentences get quoted
matters: the window of consecutive sentences that shares the most (rarer) words with the
question, kept short enough to read in a chat thread.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.answer.asks import Ask, asks, holds

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d{1,3}[.)]\s|#{1,6}\s|>|\||```|~~~)")
_WORD = re.compile(r"[a-z0-9]+")
_MARKDOWN = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#{1,6}|>)\s+|\*\*|__|`")
_FENCE = re.compile(r"^\s*(```|~~~)")
_STEP_NUMBER = re.compile(r"^\d{1,3}[.)]$")
_FIRST_STEP = re.compile(r"^1[.)] ")
_ITEM = re.compile(r"^\s*(\d{1,3}[.)]|[-*+])\s+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HTML_NAMES = r"(?:table|thead|tbody|tr|td|th|ul|ol|li|p|br|div|span|strong|em|b|i|u|a|img|code|pre|sup|sub|details|summary|h[1-6]|hr|center|font|small)"
_HTML_BREAK = re.compile(rf"\s*(?:</(?:li|tr|p|div)>|<br\s*/?>)\s*", re.IGNORECASE)
_HTML_TAG = re.compile(rf"</?{_HTML_NAMES}\b[^<>]*>", re.IGNORECASE)
STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further get got had has have having he her
    here hers him his how i if in into is it its itself just let me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself hi hey hello thanks thank please pls plz anyone know need
    want wanna gonna im ive id dont cant wont whats hows""".split()
)


FACT_BONUS = 0.15
"""How much a sentence holding the kind of fact asked for (a number, an address, a tool) gains
over one that only shares the topic; see `bot.answer.asks`."""

PROCEDURE_CHARS = 900
"""The most a quoted procedure may take; longer lists end with "…" and the link has the rest."""

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
    """Markdown markup (and HTML that markdown pages embed: tables, lists) removed, for quoting in a chat message."""
    text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", _HTML_BREAK.sub("; ", text))
        text = re.sub(r"(?:[ \t]*;[ \t]*)+", "; ", re.sub(r"[ \t]+", " ", text)).strip(" ;")
    return " ".join(_MARKDOWN.sub("", line).strip() for line in text.splitlines() if line.strip())


def sentences_of(text: str) -> list[str]:
    """A chunk's sentences (and list items, table rows), markup removed.

    The splitter also cuts after a step number ("1. Open the app" → "1." | "Open the app"); the
    number goes back onto its step, so a quote never ends on a stray "3." nor loses the numbering.
    """
    return [piece.text for piece in pieces_of(text)]


@dataclass(frozen=True)
class Piece:
    """One sentence of a chunk and where it sits: what a quote must keep together."""

    text: str
    item: int | None = None
    """Index of the first sentence of its list item or table row (None: prose)."""
    block: int | None = None
    """Index of the first sentence of its list or table (consecutive items or rows)."""
    numbered: bool = False
    """In a numbered list: the steps of a procedure."""
    header: bool = False
    """A table's header row: what the other rows' cells mean."""


def pieces_of(text: str) -> list[Piece]:
    """A chunk's sentences with their list and table structure (see `Piece`).

    Consecutive list items form one list (a blank line between items does not end it; sub-items
    stay in their list), consecutive table rows one table; a table row is never split into
    sentences, so a quoted row keeps all its cells.
    """
    pieces: list[Piece] = []
    block: int | None = None
    block_kind, numbered, blank = "", False, False
    lines = unwrap(text).splitlines()
    for index, line in enumerate(lines):
        if _FENCE.match(line) or (_TABLE_RULE.match(line) and "-" in line):
            continue
        if not line.strip():
            blank = True
            continue
        marker = None if line.lstrip().startswith("|") else _ITEM.match(line)
        kind = "table" if line.lstrip().startswith("|") else ("list" if marker else "")
        if kind != block_kind or (blank and kind == "table"):
            block = len(pieces) if kind else None
            numbered = bool(marker) and marker.group(1)[0].isdigit()
        block_kind, blank = kind, False
        item = len(pieces) if kind else None
        if kind == "table":
            parts = [clean(table_rows(line))]
            header = item == block and _is_rule(lines, index + 1)
        else:
            parts = [clean(part) for part in _SPLIT.split(line[marker.end():] if marker else line)]
            header = False
        prefix = marker.group(1) + " " if marker and marker.group(1)[0].isdigit() else ""
        for part in parts:
            if part and not _STEP_NUMBER.match(part):
                pieces.append(Piece(prefix + part, item, block, numbered, header))
                prefix = ""
    return pieces


def _is_rule(lines: list[str], index: int) -> bool:
    return index < len(lines) and bool(_TABLE_RULE.match(lines[index])) and "-" in lines[index]


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


def sentence_scores(question: str, sentences: list[str], semantic: list[float] | None = None,
                    wants: frozenset[Ask] = frozenset()) -> list[float]:
    """How well each sentence answers the question, on one scale within a chunk.

    Shared words (scaled to the chunk's best) catch names and numbers, the embedding similarity
    (`semantic`) catches paraphrase, and a sentence that holds the kind of fact the question asks
    for (`wants`: a number for "how long", an address for "who do I tell") gets `FACT_BONUS`: the
    sentence next to it shares as many words but does not answer.
    """
    lexical = lexical_scores(question, sentences)
    top = max(lexical, default=0.0) or 1.0
    scores = [value / top for value in lexical]
    if semantic is not None and len(semantic) == len(sentences):
        scores = [0.5 * lex + sem for lex, sem in zip(scores, semantic)]
    return [score + bonus for score, bonus in zip(scores, fact_bonuses(sentences, wants))]


def fact_bonuses(sentences: list[str], wants: frozenset[Ask]) -> list[float]:
    """FACT_BONUS for each sentence holding a kind of fact the question asks for (a procedure's
    steps are handled by quoting the list whole, not by a bonus), else 0."""
    kinds = [kind for kind in wants if kind is not Ask.PROCEDURE]
    return [FACT_BONUS if any(holds(sentence, kind) for kind in kinds) else 0.0 for sentence in sentences]


def best_snippet(question: str, text: str, max_chars: int = 450, semantic: list[float] | None = None,
                 wants: frozenset[Ask] | None = None) -> str:
    """What to quote from `text` for `question`: the fact asked for, with what it depends on.

    `wants` is what the question asks for (`bot.answer.asks`; derived from the question when not
    given). A procedure gets its whole numbered list, from the line that introduces it, within
    `PROCEDURE_CHARS`. Otherwise the best sentence (`sentence_scores`) is quoted with the sentence
    it depends on (a table's header row, a list's lead-in, the sentence "This" or "It" refers to)
    and grows one neighbour at a time, the more relevant of the two first (a following one wins
    ties), while the quote fits in ~max_chars.
    """
    pieces = pieces_of(text)
    sentences = [piece.text for piece in pieces]
    if not sentences:
        return ""
    wants = asks(question) if wants is None else wants
    scores = sentence_scores(question, sentences, semantic, wants)
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if Ask.PROCEDURE in wants:
        steps = _procedure(pieces, scores)
        if steps is not None:
            return _bounded(sentences, *steps, max(max_chars, PROCEDURE_CHARS))
    start = _list_start(sentences, best, max_chars)
    end, length = best + 1, sum(len(sentence) + 1 for sentence in sentences[start:best + 1]) - 1
    context = _depends_on(pieces, best)
    if context is not None and context >= start - 1 and length + len(sentences[context]) < max_chars + 80:
        length += sum(len(sentence) + 1 for sentence in sentences[context:start])
        start, context = context, None
    elif context is not None and length + len(sentences[context]) + 3 < max_chars + 80:
        length += len(sentences[context]) + 3  # quoted ahead of the rest, with " … " between
    else:
        context = None
    while True:
        fitting = [index for index in (end, start - 1)
                   if 0 <= index < len(sentences) and index != context and length + len(sentences[index]) + 1 <= max_chars]
        if not fitting:
            break
        grow = max(fitting, key=lambda index: scores[index] + (FOLLOWING_BONUS if index == end else 0.0))
        length += len(sentences[grow]) + 1
        start, end = min(start, grow), max(end, grow + 1)
    while start < best and pieces[start].item is not None and pieces[start].item not in (start, best) \
            and pieces[start].numbered:
        start += 1  # grown back into the tail of a numbered step: begin at the next whole sentence
    snippet = " ".join(sentences[start:end])
    if context is not None and context < start:
        snippet = f"{sentences[context]} … {snippet}"
    if len(snippet) > max_chars + 160:
        snippet = snippet[:max_chars + 160].rsplit(" ", 1)[0] + "…"
    return snippet


_ANAPHOR = re.compile(r"^(this|that|these|those|it|they|such|its|their|then|otherwise|in that case|if so|if not)\b",
                      re.IGNORECASE)


def _depends_on(pieces: list[Piece], index: int) -> int | None:
    """The sentence `pieces[index]` cannot be read without, if any: a table row's header row, a list
    item's lead-in ("To request leave:"), the sentence a "This…" or "It…" sentence refers to."""
    piece = pieces[index]
    if piece.block is not None and index != piece.block:
        if pieces[piece.block].header and not piece.header:
            return piece.block
        lead = piece.block - 1
        if lead >= 0 and pieces[lead].block is None and pieces[lead].text.rstrip().endswith(":"):
            return lead
    if piece.block is None and index > 0 and _ANAPHOR.match(piece.text):
        return index - 1
    return None


def _procedure(pieces: list[Piece], scores: list[float]) -> tuple[int, int] | None:
    """The numbered list to quote for a how-to question, as (first, end) sentence indexes with its
    lead-in: the list holding (or introduced by) one of the three best sentences; None if none does."""
    for index in sorted(range(len(pieces)), key=lambda i: -scores[i])[:3]:
        piece = pieces[index]
        if piece.block is None and index + 1 < len(pieces) and pieces[index + 1].block == index + 1 \
                and piece.text.rstrip().endswith(":"):
            piece = pieces[index + 1]  # the lead-in of a list
        if piece.block is not None and piece.numbered:
            first, end = piece.block, piece.block
            while end < len(pieces) and pieces[end].block == piece.block:
                end += 1
            if first > 0 and pieces[first - 1].block is None and pieces[first - 1].text.rstrip().endswith(":"):
                first -= 1
            return first, end
    return None


def _bounded(sentences: list[str], first: int, end: int, max_chars: int) -> str:
    """`sentences[first:end]` joined, cut after the last whole sentence that fits: "…" says the link has the rest."""
    quote: list[str] = []
    length = 0
    for sentence in sentences[first:end]:
        if quote and length + len(sentence) + 1 > max_chars:
            return " ".join(quote) + " …"
        quote.append(sentence)
        length += len(sentence) + 1
    return " ".join(quote)


def _list_start(sentences: list[str], best: int, max_chars: int) -> int:
    """Where a quote of `sentences[best]` should begin: at step 1 when it is a later step of a
    numbered list and the steps up to it fit, since "3. Click Connect" means little without 1 and 2."""
    for index in range(best, max(-1, best - 8), -1):
        if _FIRST_STEP.match(sentences[index]):
            fits = sum(len(sentence) + 1 for sentence in sentences[index:best + 1]) - 1 <= max_chars
            return index if fits else best
    return best
