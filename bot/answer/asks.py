"""What a question asks for, and whether a sentence holds that kind of fact.

A quote that is on the topic but leaves out the fact is the commonest way a snippets answer
fails: "how long do I have to file?" answered with the sentence before the deadline, "who do I
tell?" with the sentence before the email address. Word overlap and embeddings see the topic; the
kind of fact asked for is in the question's shape ("how long", "who", "how do I"), and whether a
sentence holds one is in its surface (a number with a unit, an address, a channel). Both are
plain patterns, so they carry over to wording nobody wrote examples for.
"""

from __future__ import annotations

import re
from enum import Enum


class Ask(str, Enum):
    """A kind of fact a question asks for."""

    PROCEDURE = "procedure"
    """Steps: "how do I set up…", "what do I do now"."""
    QUANTITY = "quantity"
    """A number, amount, duration, deadline or frequency: "how long", "how much", "how often"."""
    CONTACT = "contact"
    """A person, team, channel or address: "who do I tell", "which channel"."""
    PLACE = "place"
    """A tool, form, link or place: "where do I find", "which app"."""


_QUESTION = {
    Ask.PROCEDURE: re.compile(
        r"\bhow (do|can|should|would|will|did) (i|we|you|one|people|someone|folks)\b(?! (know|tell|find out) (if|whether))"
        r"|\bhow to\b|\bsteps?\b|\bwhat (do|should|would) (i|we) (do|need to do|have to do)\b|\bwhat now\b"
        r"|\bwhat (am|are) (i|we) supposed to do\b|\bwhat'?s the (process|procedure)\b|\b(process|procedure) (for|to)\b"
        r"|\bset ?up\b|\bwalk me through\b|\banything (i|we) (need|have|should) to do\b|\bwhat (do|should) i do\b"
        r"|\b(can|could) (i|we)\b.{0,40}\b(myself|ourselves|on (my|our) own|by (myself|ourselves))\b"
    ),
    Ask.QUANTITY: re.compile(
        r"\bhow (long|much|many|often|soon|fast|early|late|far in advance|quickly|far)\b|^when\b"
        r"|\bwhen('s| is| does| do| are| will| should| can| must| did)\b|\bwhat time\b"
        r"|\b(deadline|limit|max|maximum|minimum|cutoff|cut-off|cap|percent|percentage|rate|amount|budget|stipend"
        r"|allowance|hours|per (day|week|month|year)|dollar|expire|expires|expiry|notice|length|long enough)\b|[$%]"
    ),
    Ask.CONTACT: re.compile(
        r"\bwho\b|\bwhom\b|\bwhich (team|channel|person|people|group|slack|department|email)\b"
        r"|\b(contact|reach|email|e-mail|phone|call|ping|notify|tell|talk to|speak to|report (it|this|that)? ?to)\b"
        r"|\bwhere (do|should|can|would) (i|we) (ask|report|send|go|post|reach|turn)\b|\bchannel\b|\bphone\b|#"
    ),
    Ask.PLACE: re.compile(
        r"\bwhere\b|\b(which|what) (app|apps|tool|tools|software|system|portal|form|site|website|page|program|service"
        r"|platform|account)\b|\b(link|url|form|portal|app|tool)\b"
    ),
}

TAG = re.compile(r"(?:[,\s]+(?:right|correct|yeah|yea|yep|yes|no|true|isn'?t (?:it|that so)|don'?t (?:we|they)"
                 r"|i (?:think|assume|believe|guess)))+\s*[?!.]*\s*$", re.IGNORECASE)
"""The tag that puts a belief up to be confirmed: "…, right?", "…, correct?", "…, i think?"."""
_FIGURE = re.compile(r"(?<![\w-])(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|ten|twelve|twenty|thirty)"
                     r"(?: or (?:\d+|two|three|four|five|six))?[\s-](?:business |working |calendar )?"
                     r"(?:days?|weeks?|wks?|months?|years?|hours?|hrs?)\b"
                     r"|\b(?:once|twice)[\s-]a[\s-](?:day|week|month|quarter|year)|\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
"""A figure said in a belief ("that clears in *a day or two*, yeah?", "due by *the 5th*, right?", "a *once a year*
thing, right?"): the asker wants the true figure, which may differ."""
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
                 r"|sixty|ninety|hundred|thousand|half|twice|once|a dozen|daily|weekly|biweekly|monthly|quarterly"
                 r"|annually|yearly|every (day|week|month|year|quarter)|immediately|same day|next day")
_HOLDS = {
    # A number standing as a number ("15 characters", "$250", "9am", "24/7"), not a digit inside a name
    # ("1Password", "abc123", "H-1B", "FY25"): those hold no amount.
    Ask.QUANTITY: re.compile(rf"(?<![A-Za-z0-9])\d[\d,.:/]*(?:st|nd|rd|th|am|pm|k|h|hrs?|mins?|secs?|days?|d|wks?|w|mos?|yrs?|y|x)?(?![A-Za-z0-9])"
                             rf"|\b({_NUMBER_WORDS})\b", re.IGNORECASE),
    Ask.CONTACT: re.compile(
        r"[\w.+-]+@[\w-]+\.[\w.]+|(^|[\s(])#[a-z0-9][\w-]*|(^|\s)@[a-z0-9][\w.-]*|\b\d{3}[-.\s]\d{3}[-.\s]\d{4}\b"
        r"|\b(contact|reach out|email|e-mail|call|message|ping|notify|inform|tell|ask|talk to|speak (to|with)|report (it )?to"
        r"|send (it |them |an email |a message )?to|channel|team|desk|department|specialist|officer|coordinator)\b",
        re.IGNORECASE,
    ),
    Ask.PLACE: re.compile(
        r"https?://|www\.|\b[\w-]+\.(com|org|io|net|gov|example)\b|\b(form|portal|page|site|app|application|tool|link"
        r"|folder|drive|wiki|handbook|dashboard|system|account|settings|menu|tab|button)\b"
        r"|(?<=[a-z,;:] )([A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z][a-z]+ [A-Z][a-z]+)",
    ),
}
_STEP = re.compile(r"^\d{1,3}[.)] ")
_EMPHASIS = re.compile(r"[*_`]")
_ACT = (r"(?:fill out|fill in|submit|e-?mail|send|post|contact|reach out|log ?in|login|sign in|sign up|go to|visit"
        r"|open|create|click|use|complete|request|notify|message|slack|ask|file|book|add|initiate|start|select|head to"
        r"|follow|tell|check with|acquire|clone|forward|type|press|install|download|update)")
_INSTRUCTION = re.compile(
    r"^(?:(?:step \d+|[a-z][\w /&'-]{0,30}):\s+)?"  # a label: "US Teammates: To formally request leave, please…"
    rf"(?:(?:to|in order to|if you|when you)\b[^.:;]{{3,160}}?,\s*(?:please\s+)?(?:first\s+)?{_ACT}\b"
    rf"|(?:please\s+)?(?:first\s+)?{_ACT}\b(?! (?:of|is|are|was|were|has|have|can|will)\b))",
    re.IGNORECASE,
)
"""A sentence that tells the reader what to do: "To formally request leave, please login to Tilt…", "If
you'd like to change your email, please fill out this form", "Notify people-ops@… with your request",
after a label or not ("US Teammates: …"). Runbooks often give a procedure in one such sentence instead
of a numbered list."""


_ALLOWED = re.compile(
    r"\b(am i allowed|are we allowed|is it (ok|okay|fine|allowed|cool)|is that (ok|okay|fine|allowed)"
    r"|(?<!how )(?<!where )(?<!who )(?<!what )(?<!when )(?<!which )(?<!why )(can|could|may) i\b|allowed to|permitted"
    r"|against (the )?(rules|policy))"
)


def asks_if_allowed(question: str) -> bool:
    """Whether `question` asks if the asker may do something ("can i forward docs to my gmail?", "is it ok to
    keep a vendor's gift?"), not how or where ("how can i…" asks for steps). Runbooks settle that in their
    policies (acceptable use, gifts, data sharing), whose pages name what they allow in their own words, not
    the asker's: retrieval searches such a question as one about a policy (`bot.answer.retrieve`)."""
    return bool(_ALLOWED.search(_read(question)))


def _read(question: str) -> str:
    """`question` as the ask patterns read it: lower case, its whitespace collapsed (chat wraps and pads lines)."""
    return " ".join(question.lower().split())


def asks(question: str) -> frozenset[Ask]:
    """The kinds of fact `question` asks for (often none: "is X allowed?", "tell me about Y")."""
    text = _read(question)
    kinds = {kind for kind, pattern in _QUESTION.items() if pattern.search(text)}
    if TAG.search(text) and _FIGURE.search(text):  # "that clears in a day or two, yeah?": the true figure
        kinds.add(Ask.QUANTITY)
    return frozenset(kinds)


def holds(sentence: str, kind: Ask) -> bool:
    """Whether `sentence` holds a fact of `kind` (a step holds a procedure's)."""
    if kind is Ask.PROCEDURE:
        return bool(_STEP.match(sentence))
    return bool(_HOLDS[kind].search(sentence))


def instructs(sentence: str) -> bool:
    """Whether `sentence` is a procedure in one sentence (`_INSTRUCTION`), not a numbered step."""
    return bool(_INSTRUCTION.search(_EMPHASIS.sub("", sentence).lstrip("-• ")))
