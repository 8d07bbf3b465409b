"""Text normalisation and the "advice about me" versus "how does the process work" signals.

Embeddings know the topic (leave, visas, stock) very well and the asker's stance poorly: "how
do I request FMLA" and "can they fire me for taking FMLA" sit close together. These signals
carry the stance: a judgement question (should I, can they, is it legal, would you, how worried
should I be), a situation of the asker's own (my manager, I was, I'm being), a process question
whose answer is a fact (how do I request, where is the form, does the plan cover), and who the
question is about: one that names no asker at all ("does equity keep vesting during notice?",
"can we hire in a country without an entity?") asks what the rules are, not what to do about a
case, because advice needs someone to advise. The `personal` patterns name the asker (I, me, my,
"for a friend", chat's dropped subject: "been coughing all week"); a question none of them matches
is `impersonal`. `own_case` is a judgement asked on the asker's own case in so many words ("given my
diagnosis", "what are my options", "what would you do"): the one signal strong enough to escalate a
question whose nearest examples are process (the classifier's `min_margin` floor). Each signal is 0
or 1 so its weight in the score is easy to reason about and to tune.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_CHARS = 2000
"""Longer questions are judged on their start: patterns are bounded and the model reads 256 tokens anyway."""

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def normalize(text: str) -> str:
    """Lower case, unicode-folded, quotes straightened, whitespace collapsed, length bounded.

    Lone surrogates (JSON allows "\\ud800") become "?": the tokenizer rejects them outright.
    """
    valid = (text or "").encode("utf-8", "replace").decode("utf-8")
    folded = unicodedata.normalize("NFKC", valid).translate(_QUOTES).lower()
    folded = _CONTRACTION.sub(lambda match: _CONTRACTIONS[match.group(0)], folded)
    return " ".join(folded.split())[:MAX_CHARS]


_CONTRACTIONS = {"whats": "what's", "dont": "don't", "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've",
                 "isnt": "isn't", "doesnt": "doesn't", "didnt": "didn't", "shouldnt": "shouldn't", "wouldnt": "wouldn't",
                 "couldnt": "couldn't", "theyre": "they're", "youre": "you're", "thats": "that's", "wheres": "where's",
                 "whos": "who's", "hows": "how's", "arent": "aren't", "wasnt": "wasn't", "havent": "haven't",
                 "hasnt": "hasn't", "aint": "ain't", "theres": "there's"}
"""Chat drops apostrophes ("whats the process", "im on opt", "dont want my name on it"); the stance patterns
and the examples are written with them. Words that are also words without one ("its", "ill", "id", "were",
"lets", "well") are left alone."""
_CONTRACTION = re.compile(r"\b(" + "|".join(sorted(_CONTRACTIONS, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class Signals:
    judgement: int = 0
    situation: int = 0
    process: int = 0
    impersonal: int = 0
    own_case: int = 0

    def score(self, weights: Mapping[str, float]) -> float:
        return (weights.get("judgement", 0.0) * self.judgement + weights.get("situation", 0.0) * self.situation
                - weights.get("process", 0.0) * self.process - weights.get("impersonal", 0.0) * self.impersonal
                + weights.get("own_case", 0.0) * self.own_case)


def signals(text: str, patterns: Mapping[str, Sequence[re.Pattern[str]]]) -> Signals:
    """The stance signals of an already normalised question.

    `impersonal` is 1 only when `personal` patterns are configured and none matches: a policy file
    without them keeps the three-signal behaviour.
    """

    def hit(kind: str) -> int:
        return int(any(pattern.search(text) for pattern in patterns.get(kind, ())))

    impersonal = int(bool(patterns.get("personal")) and not hit("personal"))
    return Signals(judgement=hit("judgement"), situation=hit("situation"), process=hit("process"),
                   impersonal=impersonal, own_case=hit("own_case"))
