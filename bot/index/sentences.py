"""A chunk's sentences, list items and table rows: the unit a quote is made of and scored by.

The sync embeds each chunk's sentences as it embeds the chunk (`bot.index.sentence_vectors`), and
the answer splits the same text the same way to pick what to quote, so the splitter lives here,
below both: a stored vector belongs to exactly the sentence the answer scores.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from connectors.base import CODE_FENCE

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d{1,3}[.)]\s|#{1,6}\s|>|\||```|~~~)")
_MARKDOWN = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#{1,6}|>)\s+|\*\*|__|`")
_STEP_MARK = r"\d{1,3}[.)]"
"""A numbered list item's marker: "1." or "1)"."""
_STEP_NUMBER = re.compile(rf"^{_STEP_MARK}$")
_ITEM = re.compile(rf"^\s*({_STEP_MARK}|[-*+])\s+")
_NESTED_STEP = re.compile(rf"({_STEP_MARK})\s+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HTML_NAMES = r"(?:table|thead|tbody|tr|td|th|ul|ol|li|p|br|div|span|strong|em|b|i|u|a|img|code|pre|sup|sub|details|summary|h[1-6]|hr|center|font|small)"
_HTML_BREAK = re.compile(rf"\s*(?:</(?:li|tr|p|div)>|<br\s*/?>)\s*", re.IGNORECASE)
_HTML_TAG = re.compile(rf"</?{_HTML_NAMES}\b[^<>]*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\xa0]{2,}")


def clean(text: str) -> str:
    """Markdown markup (and HTML that markdown pages embed: tables, lists) removed, for quoting in a chat message."""
    text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", _HTML_BREAK.sub("; ", text))
        text = re.sub(r"(?:[ \t]*;[ \t]*)+", "; ", re.sub(r"[ \t]+", " ", text)).strip(" ;")
    if "&" in text and _ENTITY.search(text):
        # A page renders "&nbsp;" as a space and "&lt;4 weeks" as "<4 weeks"; quoted raw, one security page's
        # spacer line filled a Slack message with "&nbsp;" sixty times.
        text = _SPACES.sub(" ", html.unescape(text).replace("\xa0", " "))
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


PARSED_CHUNKS = 8192
"""Chunk texts whose split is kept (a few MB): an answer reads every chunk of its cited documents,
and popular questions read the same documents again."""


def pieces_of(text: str) -> list[Piece]:
    """A chunk's sentences with their list and table structure (see `Piece`); parsed once per text."""
    return list(_pieces(text))


@lru_cache(maxsize=PARSED_CHUNKS)
def _pieces(text: str) -> tuple[Piece, ...]:
    """A chunk's sentences with their list and table structure (see `Piece`).

    Consecutive list items form one list (a blank line between items does not end it; sub-items
    stay in their list), consecutive table rows one table; a table row is never split into
    sentences, so a quoted row keeps all its cells.
    """
    pieces: list[Piece] = []
    block: int | None = None
    block_kind, numbered, blank, block_indent = "", False, False, 0
    lines = unwrap(text).splitlines()
    for index, line in enumerate(lines):
        if CODE_FENCE.match(line) or is_table_rule(line):
            continue
        if not line.strip():
            blank = True
            continue
        marker = None if line.lstrip().startswith("|") else _ITEM.match(line)
        kind = "table" if line.lstrip().startswith("|") else ("list" if marker else "")
        body, step = line, None
        if marker:
            body = line[marker.end():]
            step = marker.group(1) if marker.group(1)[0].isdigit() else None
            if step is None and (nested := _NESTED_STEP.match(body)):
                body, step = body[nested.end():], nested.group(1)  # "- 1. Click…": a numbered step as a bullet
        indent = len(line) - len(line.lstrip())
        if kind != block_kind or (blank and kind == "table") or (kind == "list" and (
                (step and not numbered) or (numbered and indent < block_indent))):
            # A numbered list starts its own block inside a bulleted one, and ends where the items
            # come back to a shallower level: its steps are what a procedure quote takes whole.
            block = len(pieces) if kind else None
            numbered, block_indent = bool(step), indent
        block_kind, blank = kind, False
        item = len(pieces) if kind else None
        if kind == "table":
            parts = [clean(table_rows(line))]
            header = item == block and _is_rule(lines, index + 1)
        else:
            parts = [clean(part) for part in _SPLIT.split(body)]
            header = False
        prefix = step + " " if step else ""
        for part in parts:
            if part and not _STEP_NUMBER.match(part):
                pieces.append(Piece(prefix + part, item, block, numbered, header))
                prefix = ""
    return tuple(pieces)


def _is_rule(lines: list[str], index: int) -> bool:
    return index < len(lines) and is_table_rule(lines[index])


def is_table_rule(line: str) -> bool:
    """Whether `line` is a markdown table's rule row ("|---|:---:|")."""
    return bool(_TABLE_RULE.match(line)) and "-" in line


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
        if CODE_FENCE.match(line):
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
        if is_table_rule(line):
            continue
        if line.lstrip().startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            line = " — ".join(cell for cell in cells if cell)
            line += "" if not line or line[-1] in ".;:!?" else ";"  # rows quoted together stay apart
        lines.append(line)
    return "\n".join(lines)
