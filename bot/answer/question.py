"""Checking a question before any work is spent on it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Checked:
    """A question ready to answer, or the reason it cannot be (said to the user as is)."""

    text: str
    problem: str | None = None


def check_question(raw: str, max_chars: int) -> Checked:
    # Lone surrogates (from JSON like "\ud800") crash tokenizers; they carry no meaning, so drop them.
    text = (raw or "").encode("utf-8", "ignore").decode("utf-8")
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not text:
        return Checked("", "Ask me a question about IT or HR, e.g. “how do I reset my password?”")
    if len(text) > max_chars:
        return Checked(
            text[:max_chars],
            f"That message is {len(text):,} characters long; I can take questions of up to {max_chars:,}. "
            "Ask the question on its own and I'll look it up.",
        )
    if not any(char.isalnum() for char in text):
        return Checked(text, "I need a few words to search the runbooks with. What would you like to know?")
    return Checked(text)
