"""The regulated-topic policy kb runs: rules, then the example classifier, then the LLM check.

Order and authority: a crisis pattern answers at once with the emergency and EAP contacts; any
other rule match escalates and is final; otherwise the example classifier may escalate; otherwise,
when an Anthropic key is set and the question is near a regulated topic at all, the LLM may add
an escalation. Nothing later removes what an earlier step decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from bot.index.embedding import Embedder
from bot.index.onnx_build import cache_dir_of
from bot.policy import Decision
from bot.policy.classifier import ExampleClassifier, Verdict
from bot.policy.llm_check import EscalationCheck
from bot.policy.policy_file import PolicyFile
from bot.policy.rules import match_rules
from bot.policy.signals import normalize

log = structlog.get_logger(__name__)


def vector_cache(embed_cache_dir: str) -> Path:
    """Where the policy's vectors are kept: under the folder of what kb builds from the model (KB_EMBED_CACHE_DIR)."""
    return cache_dir_of(embed_cache_dir) / "policy"


@dataclass(frozen=True)
class Judgement:
    """Why a question was or was not escalated: for reports, tests and debugging (no question text)."""

    decision: Decision | None
    source: str
    """rules, crisis, classifier, llm, or none."""
    verdict: Verdict | None = None


class RegulatedTopicPolicy:
    def __init__(self, policy: PolicyFile, embedder: Embedder, *, llm: EscalationCheck | None = None,
                 emergency: str = "", eap: str = "", llm_min_similarity: float | None = None,
                 cache_dir: Path | None = None) -> None:
        self.policy = policy
        self.classifier = ExampleClassifier(policy, embedder, cache_dir)
        self.llm = llm
        self.emergency = emergency or policy.crisis.emergency
        self.eap = eap or policy.crisis.eap
        self.llm_min_similarity = (policy.thresholds.min_similarity - 0.1 if llm_min_similarity is None
                                   else llm_min_similarity)

    def classify(self, question: str, earlier: Sequence[str] = ()) -> Decision | None:
        """A follow-up with no stance of its own ("and what if I lose it?") is near whatever advice shares
        its few words; its topic is the thread's. When the classifier alone sent it to a person on
        similarity, with no judgement, situation or own-case words, it is judged again after the
        message it follows, and goes to a person only if it still reads as advice. A follow-up that
        asks for a judgement in its own words, a rule's match and a crisis stand as they are."""
        judgement = self.judge(question)
        verdict = judgement.verdict
        in_thread = bool(earlier and judgement.source == "classifier" and verdict is not None
                         and not (verdict.signals.judgement or verdict.signals.situation or verdict.signals.own_case))
        if in_thread:
            judgement = self.judge(f"{earlier[-1]} {question}")
        if judgement.decision is not None:
            log.info("policy.escalate", category=judgement.decision.category, queue=judgement.decision.queue,
                     source=judgement.source, crisis=judgement.decision.crisis, in_thread=in_thread)
        return judgement.decision

    def judge(self, question: str) -> Judgement:
        """The decision on `question` alone, with why (reports and tests read it; `classify` logs what it decides)."""
        text = normalize(question)
        if not text.strip():
            return Judgement(None, "none")
        rule = match_rules(text, self.policy)
        if rule is not None:
            source = "crisis" if rule.crisis else "rules"
            judgement = Judgement(self.decision(rule.category, crisis=rule.crisis, urgent=rule.urgent), source)
        else:
            verdict = self.classifier.classify(text)
            if not verdict.escalate:  # "where's the form? also do you think i need surgery": the second ask alone
                verdict = self.classifier.second_ask(text) or verdict
            if verdict.escalate:
                judgement = Judgement(self.decision(verdict.category), "classifier", verdict)
            elif self.llm is not None and verdict.advice_similarity >= self.llm_min_similarity:
                category = self.llm.category(question)
                judgement = (Judgement(self.decision(category), "llm", verdict)
                             if category in self.policy.categories else Judgement(None, "none", verdict))
            else:
                judgement = Judgement(None, "none", verdict)
        return judgement

    def decision(self, category: str, *, crisis: bool = False, urgent: bool = False) -> Decision:
        """The decision for `category`; `queue` is the queue's key (stable, what metrics and tickets use).

        A crisis reply leads with the emergency and EAP contacts; other replies of a category marked
        `crisis` (mental health) still end with the EAP contact, which helps whoever reads it. An
        emergency happening now (`urgent`) leads with the category's emergency line: a queue answers in
        hours, an ambulance in minutes.
        """
        config = self.policy.categories[category]
        reply = config.reply
        if urgent and config.urgent_contact:
            reply = f"{config.urgent_contact}\n\n{reply}"
        if crisis:
            contacts = "\n".join(part for part in (self.emergency, self.eap) if part)
            reply = f"{contacts}\n\n{reply}" if contacts else reply
        elif config.crisis and self.eap:
            reply = f"{reply}\n\n{self.eap}"
        return Decision(category=category, queue=config.queue, reply=reply, crisis=crisis)
