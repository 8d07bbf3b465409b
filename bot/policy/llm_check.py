"""A second opinion from the language model, for questions the rules and examples let through.

It can only add an escalation, never remove one (the caller asks it only when nothing escalated
yet), so a model outage or a wrong answer costs at most what kb would have done without it. It is
bounded in time and never retried: the user is waiting, and a late "no" is worth nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.llm.breaker import CircuitBreaker
from bot.llm.client import LLMClient, LLMUnavailable
from bot.llm.prompt import quoted

SYSTEM = (
    "You screen questions employees ask an internal IT/HR help bot. The bot must not give advice on "
    "regulated matters about the asker's own situation; those go to a person. Process questions (how to "
    "request leave, where a form is, what the policy says) are fine for the bot.\n"
    "Categories:\n{categories}\n"
    "Reply with exactly one word: the category name if the question asks for advice or a judgement about "
    "the asker's own situation in that category, otherwise none."
)

DESCRIPTIONS = {
    "medical": "personal medical advice: symptoms, treatment, medication, which plan suits my condition",
    "legal": "legal advice about my situation: liability, contracts I signed, is it legal for them to do X to me",
    "financial": "personal financial or tax advice: what I should invest, withhold, sell, owe",
    "harassment": "harassment, discrimination, retaliation or whistleblowing that I experience or witnessed",
    "immigration": "my own visa, work permit or immigration status",
    "termination": "being fired, disciplined or laid off myself: PIPs, warnings, severance, am I at risk",
    "mental_health": "my own mental health: depression, anxiety, burnout, crisis",
}


class EscalationCheck(Protocol):
    def category(self, question: str) -> str | None:
        """A regulated category the question belongs in, or None (also when the check fails)."""
        ...


class AnthropicCheck:
    """The check over the Anthropic Messages API (ANTHROPIC_BASE_URL reaches a fake one in tests).

    It goes through the same client as generated answers (`bot.llm.client`), with no retries and
    its own short deadline; given the answers' breaker, an API that is down costs no time here either.
    """

    def __init__(self, api_key: str, model: str, *, categories: Mapping[str, str] | None = None,
                 timeout: float = 4.0, base_url: str | None = None, breaker: CircuitBreaker | None = None) -> None:
        self.model = model
        self.categories = dict(categories or DESCRIPTIONS)
        self.client = LLMClient(api_key, model, base_url=base_url, deadline=timeout, retries=0, max_tokens=10,
                                breaker=breaker, purpose="policy")
        listed = "\n".join(f"- {name}: {text}" for name, text in self.categories.items())
        self.system = SYSTEM.format(categories=listed)

    def category(self, question: str) -> str | None:
        try:
            text = self.client.generate(self.system, f"<question>{quoted(question)}</question>").text
        except LLMUnavailable:  # timeouts, outages, bad keys, an open breaker: the rules and examples still stand
            return None
        word = text.strip().strip(".").split()[0].lower() if text.strip() else ""
        return word if word in self.categories else None
