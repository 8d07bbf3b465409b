"""Checking a generated answer's [n] markers against the snippets the model was actually given.

A model can cite a number it was never shown ([9] of five snippets), cite nothing, or write a
sentence from its own knowledge. The user trusts a citation as "this is in the runbook", so the
rules are strict and mechanical: a marker that points at no snippet is removed; a sentence with no
valid marker is kept but flagged; an answer with no valid marker at all is not shown (the caller
falls back to quoting the snippets). Valid markers are renumbered 1..m in order of first use, so
the sources block lists exactly the cited snippets and [n] in the text is the n-th source shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
"""[3], and the lists models sometimes write instead of [1][3]: [1, 3] or [1; 3]."""
_RENUMBERED = re.compile(r"\[(\d+)\]")
_REPEATED = re.compile(r"(\[\d+\])(?:\s*\1)+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([.,;:!?])")
_SPACES = re.compile(r"[ \t]{2,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b\d\.)(?<!\b\d\d\.)\s+")
"""After . ! or ?, except the number of a list item ("1. Open…")."""
_LEADING_MARKERS = re.compile(r"^((?:\[\d+\]\s*)+)")
_UNFINISHED_MARKER = re.compile(r"\[[\d\s,;]*$")


@dataclass
class Checked:
    """A generated answer after checking: its text renumbered, and what was wrong with it."""

    text: str
    cited: list[int] = field(default_factory=list)
    """The snippet numbers cited, in the order of their new numbers: new [k] is cited[k-1]."""
    dropped: list[int] = field(default_factory=list)
    """Marker numbers that pointed at no snippet, removed from the text."""
    uncited: list[str] = field(default_factory=list)
    """Sentences left without any valid citation."""

    @property
    def grounded(self) -> bool:
        """At least one valid citation: the answer may be shown."""
        return bool(self.cited)


def check(text: str, sources: Sequence[str]) -> Checked:
    """Check `text` against the snippets numbered 1..len(sources).

    `sources[i]` identifies snippet i+1's destination (its section link): two snippets of the same
    section get one number, so the sources block never lists the same link twice.
    """
    cited: list[int] = []
    number_of: dict[str, int] = {}
    dropped: list[int] = []

    def renumber(match: re.Match[str]) -> str:
        out: list[int] = []
        for number in (int(part) for part in re.split(r"[,;]", match.group(1))):
            if not 1 <= number <= len(sources):
                dropped.append(number)
                continue
            key = sources[number - 1]
            if key not in number_of:
                cited.append(number)
                number_of[key] = len(cited)
            if number_of[key] not in out:
                out.append(number_of[key])
        return "".join(f"[{new}]" for new in out)

    renumbered = MARKER.sub(renumber, text)
    renumbered = _REPEATED.sub(r"\1", renumbered)
    tidy = "\n".join(_SPACES.sub(" ", _SPACE_BEFORE_PUNCTUATION.sub(r"\1", line)).rstrip()
                     for line in renumbered.strip().split("\n"))
    return Checked(tidy, cited, dropped, [s for s in sentences(tidy) if not _RENUMBERED.search(s) and not s.endswith(":")])


def sentences(text: str) -> list[str]:
    """Sentences and list items of an answer, each with the markers that follow its full stop.

    Models write both "Do X [1]." and "Do X. [1]"; in the second the marker opens the next piece
    after splitting, so it is moved back to the sentence it belongs to.
    """
    out: list[str] = []
    for line in text.split("\n"):
        for piece in _SENTENCE_END.split(line.strip()):
            markers = _LEADING_MARKERS.match(piece)
            if markers and out:
                out[-1] = f"{out[-1]} {markers.group(1).strip()}"
                piece = piece[markers.end():]
            if piece.strip():
                out.append(piece.strip())
    return out


def without_markers(text: str) -> str:
    """Partial text for a streamed preview: numbers are only final after checking, so none are shown."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _UNFINISHED_MARKER.sub("", MARKER.sub("", text)))


def link_markers(text: str, urls: Sequence[str], render: Callable[[int, str], str]) -> str:
    """Each [n] with a source shown (n ≤ len(urls), a URL) rendered as a link by the surface's `render(n, url)`.

    The sources block links every source; this makes the marker in the sentence a link too, so a
    reader goes from a claim to its section in one click.
    """
    def linked(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return render(number, urls[number - 1]) if 1 <= number <= len(urls) and urls[number - 1] else match.group(0)

    return _RENUMBERED.sub(linked, text)
