"""The rules: patterns from the policy file that escalate clear cases outright.

A rule match is final: the classifier and the LLM check may add escalations but never undo one a
rule made, so whoever edits the policy file can rely on a pattern doing what it says. The crisis
patterns come first, because a person in crisis must get the emergency contacts before anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.policy.policy_file import CategoryConfig, PolicyFile
from bot.policy.signals import Signals, signals


@dataclass(frozen=True)
class RuleMatch:
    category: str
    crisis: bool = False
    urgent: bool = False


def crisis_match(text: str, policy: PolicyFile) -> bool:
    """Whether a normalised question matches a crisis pattern (self-harm, suicide)."""
    return any(pattern.search(text) for pattern in policy.crisis.patterns)


def match_rules(text: str, policy: PolicyFile, stance: Signals | None = None) -> RuleMatch | None:
    """The first rule a normalised question matches: crisis first, then emergencies, then categories in file order.

    A plain process question (a process signal and no judgement signal: "where do I send my work
    permit renewal?") is never a clear case, so category rules leave it to the classifier; crisis
    patterns, a category's `urgent` ones (a medical emergency) and its `grave` ones (violence, assault)
    apply to everything.
    """
    if crisis_match(text, policy):
        crisis_category = next((c.name for c in policy.categories.values() if c.crisis), "mental_health")
        return RuleMatch(crisis_category, crisis=True)
    if (urgent := _first_matching(text, policy, lambda category: category.urgent)) is not None:
        return RuleMatch(urgent, urgent=True)
    if (grave := _first_matching(text, policy, lambda category: category.grave)) is not None:
        return RuleMatch(grave)
    stance = stance or signals(text, policy.signals)
    if stance.process and not stance.judgement:
        return None
    ruled = _first_matching(text, policy, lambda category: category.patterns)
    return RuleMatch(ruled) if ruled is not None else None


def _first_matching(text: str, policy: PolicyFile,
                    patterns: Callable[[CategoryConfig], tuple[re.Pattern[str], ...]]) -> str | None:
    """The first category, in file order, one of whose `patterns` (urgent, grave or plain) matches `text`."""
    return next((category.name for category in policy.categories.values()
                 if any(pattern.search(text) for pattern in patterns(category))), None)
