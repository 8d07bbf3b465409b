"""Who a runbook sentence is for, and whether that is the asker.

Handbooks often give one procedure twice, once per region: "**US teammates:** start your leave in
Tilt" and "**Non-US teammates:** fill out this Google Form". Both share the question's words, so a
quote chosen by meaning alone picks either; the one for the asker's region is the answer, the
other is wrong for them. When a question says where the asker is ("US based", "im in germany"), a
sentence labelled for that region gains `AUDIENCE_BONUS` and one labelled for somewhere else loses
it. A label holds from the sentence that carries it to the next label (or the next FAQ question), as
in "- **US teammates:** … - IMPORTANT: notify Tilt …". A question that names no region changes
nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

AUDIENCE_BONUS = 0.15
"""What a sentence for the asker's region gains, and one for another region loses: what a sentence
holding the kind of fact asked for gains (`bot.answer.snippets.FACT_BONUS`). On the Sourcegraph
development set, 0.1 and 0.15 gained the same two questions and lost none (0.3 lost one); nothing
moved on 18F or the examples (README)."""

US = "us"
ABROAD = "abroad"
"""Outside the US, where no one country is named ("Non-US teammates", "international teammates")."""

_COUNTRIES = (
    "canada|mexico|brazil|argentina|chile|colombia|peru|uk|united kingdom|england|scotland|wales|ireland|germany"
    "|france|spain|portugal|italy|netherlands|belgium|switzerland|austria|sweden|norway|denmark|finland|poland"
    "|czechia|czech republic|romania|hungary|greece|turkey|israel|egypt|nigeria|kenya|south africa|india|pakistan"
    "|bangladesh|china|japan|korea|singapore|philippines|indonesia|vietnam|thailand|malaysia|australia|new zealand"
)
_US = r"u\.s\.a?\.?|usa|united states|stateside|america"
_ASKER_US = re.compile(
    rf"\b(?:{_US})(?![\w.])|\b(?:in|from) the us\b|\bus[- ](?:based|person|teammate|employee|citizen|resident|only)\b"
    r"|\(\s*us\s*[),]|^\W*us\s*[-,:(]",
    re.IGNORECASE,
)
_ASKER_US_CAPITALS = re.compile(r"\bUS\b|\bU\.S\b")
"""The bare word: in capitals only, "us" being the pronoun."""
_ASKER_ABROAD = re.compile(r"\b(?:non[- ]?us|outside (?:of )?the (?:us|u\.s\.|states)|international)\b", re.IGNORECASE)
_ASKER_COUNTRY = re.compile(rf"\b({_COUNTRIES})\b", re.IGNORECASE)

_WHO = r"(?:teammates?|employees?|team members?|staff|people|folks|residents|persons?)"
_PLACE = rf"(?-i:US|U\.S\.)|united states|international|{_COUNTRIES}"
"""Where a label says its sentence is for: "US" in capitals only ("contact us only…" is no label)."""
_LABEL = re.compile(
    rf"\b(?P<non>non[- ]?|outside (?:of )?(?:the )?)?(?P<place>{_PLACE})(?:[- ]based)?[- ]{_WHO}\b"
    rf"|\b(?P<non2>non[- ]?)?(?P<place2>{_PLACE})[- ]only\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"^\W*q\s*:", re.IGNORECASE)


@lru_cache(maxsize=4096)
def asker_region(question: str) -> str | None:
    """Where the question says its asker is: `US`, a country's name (lower case), `ABROAD`, or None."""
    if _ASKER_ABROAD.search(question):
        return ABROAD
    country = _ASKER_COUNTRY.search(question)
    if country:
        return _country(country.group(1))
    if _ASKER_US.search(question) or _ASKER_US_CAPITALS.search(question):
        return US
    return None


_ONE_COUNTRY = {"united kingdom": "uk", "england": "uk", "scotland": "uk", "wales": "uk", "czech republic": "czechia"}
"""Names that mean the same country, so that an asker "in england" reads a label for "UK teammates"."""


def _country(name: str) -> str:
    name = name.lower()
    return _ONE_COUNTRY.get(name, name)


def _labelled(sentence: str) -> tuple[bool, str] | None:
    """The region a sentence is labelled for, as (negated, place), or None when it carries no label."""
    found = _LABEL.search(sentence)
    if found is None:
        return None
    place = (found.group("place") or found.group("place2")).lower()
    negated = bool(found.group("non") or found.group("non2"))
    if place in ("us", "u.s.", "united states"):
        place = US
    elif place == "international":
        place, negated = US, True
    else:
        place = _country(place)
    return negated, place


def _fits(label: tuple[bool, str], region: str) -> int:
    """1 when a sentence labelled `label` is for an asker in `region`, -1 when it is for someone else,
    0 when that cannot be told (an asker "abroad" reading a label for one named country)."""
    negated, place = label
    if region == ABROAD:
        return (1 if negated else -1) if place == US else 0
    return 1 if (place == region) != negated else -1


def audience_bonuses(region: str | None, sentences: list[str]) -> list[float]:
    """+/- `AUDIENCE_BONUS` for each of a chunk's sentences labelled (or under a label) for the asker's
    `region` or for another; 0 for the rest, and for every sentence when the region is unknown."""
    if region is None:
        return [0.0] * len(sentences)
    bonuses, current = [], None
    for sentence in sentences:
        label = _labelled(sentence)
        if label is not None:
            current = label
        elif _QUESTION.match(sentence):
            current = None  # a new FAQ question: the last one's label is not this one's
        bonuses.append(0.0 if current is None else AUDIENCE_BONUS * _fits(current, region))
    return bonuses
