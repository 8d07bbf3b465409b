"""Generated answers: the model writes from the retrieved snippets, and every citation is checked.

`GroundedWriter.write` returns an `Answer` only when it is safe to show: at least one citation
that points at a snippet the model was given, and no disclosed rules. Anything else (API down,
late, uncited, a reply that followed an instruction planted in a document) returns None and the
answer core quotes the snippets instead, so a configured LLM can only make answers better.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from bot import metrics
from bot.answer.citations import check, without_markers
from bot.answer.compose import citation_of
from bot.llm.client import LLMClient, LLMUnavailable
from bot.answer.model import Answer
from bot.llm.prompt import NO_ANSWER, Snippet, build, leaks_rules
from bot.answer.retrieve import Result
from bot.answer.snippets import best_quote

log = structlog.get_logger(__name__)

Partial = Callable[[str], None]
"""Receives the answer so far while it is written: first "" (writing has started), then growing text."""


class GroundedWriter:
    def __init__(self, llm: LLMClient, voice: str, not_found: str) -> None:
        self.llm = llm
        self.voice = voice
        self.not_found = not_found
        """The reply when the model finds no answer in the snippets (`bot.answer.compose.not_found`)."""

    def write(self, question: str, results: Sequence[Result], history: Sequence[str] = (),
              on_text: Partial | None = None) -> Answer | None:
        """A checked, cited answer from `results` (numbered in order), or None to fall back to snippets."""
        snippets = [Snippet(number, result.title, result.section, result.text)
                    for number, result in enumerate(results, start=1)]
        prompt = build(question, snippets, history, self.voice)
        preview = None
        if on_text is not None:
            if self.llm.available:  # an open breaker falls back at once: no placeholder to replace
                on_text("")

            def preview(text: str) -> None:
                shown = without_markers(text).strip()
                if shown and not NO_ANSWER.startswith(shown) and NO_ANSWER not in shown:
                    on_text(shown)

        try:
            generation = self.llm.generate(prompt.system, prompt.user, preview)
        except LLMUnavailable:
            return None  # logged and counted where it happened
        text = generation.text.strip()
        if leaks_rules(text):
            return _fallback("leaked", "the reply repeats the rules; a document or question asked for them")
        checked = check(text.replace(NO_ANSWER, ""), [result.link for result in results])
        if NO_ANSWER in text and not checked.grounded:
            log.info("answer.generated_not_found")
            return Answer(question=question, text=self.not_found, no_answer=True, generated=True)
        if checked.dropped:
            metrics.LLM_DROPPED_CITATIONS.inc(len(checked.dropped))
            log.warning("answer.citations_dropped", numbers=checked.dropped, snippets=len(results))
        if not checked.grounded:
            return _fallback("uncited", "no sentence cites a snippet it was given")
        if checked.uncited:
            metrics.LLM_UNCITED_SENTENCES.inc(len(checked.uncited))
            log.warning("answer.uncited_sentences", count=len(checked.uncited))
        citations = [citation_of(results[number - 1], *best_quote(question, results[number - 1].text))
                     for number in checked.cited]
        return Answer(question=question, text=checked.text, citations=citations, generated=True,
                      uncited=checked.uncited)


def _fallback(reason: str, why: str) -> None:
    metrics.LLM_FALLBACKS.labels(reason).inc()
    log.warning("answer.generated_rejected", reason=reason, why=why)
    return None
