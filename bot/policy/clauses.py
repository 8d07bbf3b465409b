"""A second question in one message: "where's the 401k form? also do you think 15% is too aggressive for me".

Chat joins a process question and a request for advice in one message, and the whole reads as its first half:
the neighbours and both views see the form. Policy checks 42 and 44, written for this shape, read 50 and 47 of
their 75 joined advice questions at first. The later clauses are judged alone, but only where chat marks a
second ask ("also", "tbh", "btw", "honestly", "side q", "the bigger question", or a second question: "where do i
record my permit in bamboo? and if we separate, can i keep it?"), and a clause escalates the message
only when it clears the threshold by `CLAUSE_MARGIN`: a clause alone loses what made the message ordinary ("my
back is dying" after a desk-budget question), which is why judging every clause at the threshold itself cost
ten false alarms for each real escalation (docs/escalation.md, session 22). A second ask told over several
sentences ("separately, the doctor wants X but my mother-in-law says Y. Should we give it to her?") is advice only
as a whole, so the later clauses are also judged together (docs/escalation.md, session 30). A second question
without a marker was most of what check set 24 (two things at once) missed; over the 69 non-blind sets' items it can
move, 9 more escalations of 376 and no more false alarms of 357, 5 of them outside the two sets that prompted it
(docs/escalation.md, session 31).
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\b(also|and also|but also|side q|tbh|honestly|separately|btw|more importantly|and be honest"
                    r"|be honest|in your opinion|and in your opinion|real question|real talk|unrelated|on another note"
                    r"|one more thing|other question|second question|2nd q|bigger question|main question"
                    r"|more important question|the question is|my question is|two things|2 things|another question)\b")
"""Words with which chat starts a second ask ("…how do i request leave? and real question, should i say it's for
rehab?")."""

_ASKS = r"(?:should|is|are|do|does|can|could|would|will|am|did)\b"
"""How a question starts after ", and": "…, and should i…", "…, and is it smarter…"."""

SPLIT = re.compile(r"(?<=[?.!;])\s+|,\s+and\s+(?=" + _ASKS + r")|\s+(?:also|and also|plus|but also|tbh|honestly|side q"
                   r"|separately|btw|and honestly|and tbh)[,:]?\s+|\s+[-—–]+\s+|\s*\.\.\.\s*")
"""Where a message's clauses part: sentence ends, the markers, ", and" before a question ("…in rippling, and should
i…?"), dashes, an ellipsis."""

TWO_QUESTIONS = re.compile(r"\?\s+\S.*\?|,\s+and\s+" + _ASKS + r".*\?")
"""Two questions in one message: a question mark after another question, or ", and should i…?" after a first ask."""

MIN_WORDS = 3
"""Shorter clauses ("ugh", "thanks!!") say nothing alone: they stay with the clause before them ("…thinking of a
payday loan to bridge it — bad idea?"), and a short first clause ("when's payday?") is still the first."""

CLAUSE_MARGIN = 0.35
"""How far above `escalate_at` a later clause's own score must reach. Measured over the 67 non-blind policy
sets, each judged by a classifier without its own questions, with the message not escalated as a whole:
clauses at +0.25 gained 21 real escalations for 4 false alarms, at +0.35 17 for 1 (12 of them in policy
check 42), at +0.05 31 for 19; clauses without a marker, at +0.35, 24 for 11."""


def later_clauses(text: str) -> list[str]:
    """The clauses of a normalised message after its first, and all of them joined when there are two or more,
    when chat marks a second ask in it, by a word (`MARKER`) or by asking a second question (else none)."""
    if not (MARKER.search(text) or TWO_QUESTIONS.search(text)):
        return []
    parts: list[str] = []
    for part in filter(None, (piece.strip() for piece in SPLIT.split(text))):
        if parts and len(part.split()) < MIN_WORDS:
            parts[-1] = f"{parts[-1]} {part}"
        else:
            parts.append(part)
    later = parts[1:]  # each of them has MIN_WORDS words or more: shorter pieces joined the one before
    return later + [" ".join(later)] if len(later) > 1 else later
