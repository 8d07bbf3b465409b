"""The answer core counts what it does, once per question, whatever surface asked."""

from __future__ import annotations

from pathlib import Path

from bot import metrics
from bot.index.sources import local_folder
from bot.runtime import Runtime


def _value(name: str) -> float:
    return metrics.REGISTRY.get_sample_value(name) or 0.0


def test_answers_and_no_answers_are_counted_with_latency(runtime: Runtime, corpus: Path) -> None:
    runtime.sync_engine.sync(local_folder(str(corpus), runtime.settings))
    before = {name: _value(name) for name in ("kb_questions_total", "kb_answers_total", "kb_no_answers_total",
                                               "kb_answer_latency_seconds_count")}

    answered = runtime.answers.answer("How do I reset my password?")
    empty = runtime.answers.answer("   ")

    assert answered.citations and not answered.no_answer and empty.no_answer
    assert _value("kb_questions_total") == before["kb_questions_total"] + 2
    assert _value("kb_answers_total") == before["kb_answers_total"] + 1
    assert _value("kb_no_answers_total") == before["kb_no_answers_total"] + 1
    assert _value("kb_answer_latency_seconds_count") == before["kb_answer_latency_seconds_count"] + 2
    page = metrics.render()[0].decode()
    assert "kb_escalations_total" in page and "kb_sync_documents_total" in page
