"""A second opinion from the language model, for questions the rules and examples let through.

It can only add an escalation, never remove one (the caller asks it only when nothing escalated
yet), so a model outage or a wrong answer costs at most what kb would have done without it. It is
bounded in time and never retried: the user is waiting, and a late "no" is worth nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

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
    """The check over the Anthropic Messages API (ANTHROPIC_BASE_URL reaches a fake one in tests)."""

    def __init__(self, api_key: str, model: str, *, categories: Mapping[str, str] | None = None,
                 timeout: float = 4.0, base_url: str | None = None) -> None:
        import anthropic

        self.model = model
        self.categories = dict(categories or DESCRIPTIONS)
        self.client = anthropic.Anthropic(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        listed = "\n".join(f"- {name}: {text}" for name, text in self.categories.items())
        self.system = SYSTEM.format(categories=listed)

    def category(self, question: str) -> str | None:
        try:
            message = self.client.messages.create(
                model=self.model, max_tokens=10, system=self.system,
                messages=[{"role": "user", "content": f"<question>{question}</question>"}])
        except Exception as error:  # timeouts, outages, bad keys: the rules and examples still stand
            log.warning("policy.llm_check_failed", error_type=type(error).__name__)
            return None
        text = " ".join(block.text for block in message.content if getattr(block, "type", "") == "text")
        word = text.strip().strip(".").split()[0].lower() if text.strip() else ""
        return word if word in self.categories else None
