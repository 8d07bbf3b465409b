"""kb eval computes the standard metrics, on question files and on BEIR folders."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answer.model import SNIPPET_CHARS, Answer, Citation
from bot.cli import app
from bot.evaluation import evaluate_questions, ndcg_at_10, summarize
from bot.index.embedding import Embedder
from bot.index.sources import local_folder
from bot.runtime import Runtime


def test_ndcg_matches_a_hand_computation() -> None:
    relevant = {"a": 1, "b": 2}
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_10(["b", "a"], relevant) == pytest.approx(1.0)
    assert ndcg_at_10(["x", "a", "b"], relevant) == pytest.approx((1 / math.log2(3) + 2 / math.log2(4)) / ideal)
    assert ndcg_at_10(["x"] * 10 + ["a"], relevant) == 0.0


def test_summary_counts_escalations_and_not_found() -> None:
    rows = [
        {"expect": "answer", "escalated": False, "no_answer": False, "latency_s": 0.1, "recall@5": 0.5, "hit@5": 1.0,
         "rr@10": 0.5, "contains": True, "answer_chars": 1200},
        {"expect": "answer", "escalated": False, "no_answer": False, "latency_s": 0.1, "contains": False,
         "answer_chars": 1800},
        {"expect": "escalate", "escalated": True, "no_answer": False, "latency_s": 0.2},
        {"expect": "escalate", "escalated": False, "no_answer": False, "latency_s": 0.3},
        {"expect": "no_answer", "escalated": True, "no_answer": False, "latency_s": 0.4},
    ]
    rows[0]["shown_contains"], rows[1]["shown_contains"] = False, False  # in a citation, not in what chat shows
    metrics = summarize(rows)
    assert metrics["recall@5"] == 0.5 and metrics["mrr@10"] == 0.5 and metrics["answer_contains"] == 0.5
    assert metrics["answer_contains_shown"] == 0.0
    assert metrics["escalation_recall"] == 0.5 and metrics["escalation_precision"] == 0.5
    assert metrics["no_answer_rate"] == 0.0 and metrics["latency_p50_s"] == 0.2
    assert (metrics["answer_chars_p50"], metrics["answer_chars_p90"]) == (1200, 1800)  # answered questions only


def test_question_set_metrics_on_the_small_corpus(runtime: Runtime, corpus: Path) -> None:
    runtime.sync_engine.sync(local_folder(str(corpus), runtime.settings))
    questions = [
        {"question": "how long do I have to file expense reports?", "gold": ["hr/expenses.txt"],
         "answer_contains": ["within 60 days"], "expect": "answer"},
        {"question": "how do I add the floor 3 printer", "gold": ["it/printers.html"], "answer_contains": ["QP-Floor-3"],
         "expect": "answer"},
    ]
    report = evaluate_questions(runtime.answers, questions)
    assert report["metrics"]["recall@5"] == 1.0 and report["metrics"]["mrr@10"] == 1.0
    assert report["metrics"]["answer_contains"] == 1.0 and report["metrics"]["answer_contains_shown"] == 1.0
    lengths = [row["answer_chars"] for row in report["questions"]]
    assert report["metrics"]["answer_chars_p90"] == max(lengths) and all(length > 20 for length in lengths)


def test_beir_eval_reports_all_three_modes(embedder: Embedder, tmp_path: Path) -> None:
    beir = tmp_path / "tiny"
    (beir / "qrels").mkdir(parents=True)
    corpus = [("d1", "Vitamin D", "Vitamin D deficiency is linked to bone fractures in older adults."),
              ("d2", "Sleep", "Short sleep duration raises the risk of obesity in children."),
              ("d3", "Exercise", "Aerobic exercise lowers resting blood pressure.")]
    (beir / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in corpus))
    (beir / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "kids who sleep less get fat"}) + "\n"
                                        + json.dumps({"_id": "q2", "text": "vitamin D and broken bones"}))
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td1\t1\n")

    result = CliRunner().invoke(app, ["eval", "--beir", str(beir), "--json", "--data-dir", str(tmp_path / "idx")],
                                catch_exceptions=False)

    report = json.loads(result.stdout)
    assert report["queries"] == 2
    assert report["ndcg@10_hybrid"] == pytest.approx(1.0) and report["ndcg@10_vector"] == pytest.approx(1.0)
    assert 0 < report["ndcg@10_text"] <= 1.0


def test_what_chat_shows_of_a_source_is_one_line_from_its_best_sentence_on() -> None:
    """The sources list under an answer shows a hint of each source the text does not quote."""
    quoted = Citation(title="Expenses", url="u1", path="hr/expenses.md", section="", doc_id="d1",
                      snippet="Reports are filed in Ledger.")
    unquoted = Citation(title="Travel", url="u2", path="hr/travel.md", section="", doc_id="d2",
                        snippet="Bookings: every trip is booked in Navigo. " + "Hotels are capped at $200 a night. " * 9,
                        gist="Hotels are capped at $200 a night.")
    bare = replace(unquoted, gist="", doc_id="d3")
    answer = Answer(question="q", text="From Expenses: > Reports are filed in Ledger.", citations=[quoted, unquoted, bare])

    hints = answer.source_snippets()

    assert hints[0] == "" and hints[1].startswith("Hotels are capped at $200 a night.") and "Navigo" not in hints[1]
    assert hints[2].startswith("Bookings: every trip") and hints[2].endswith("…") and len(hints[2]) <= SNIPPET_CHARS + 1
    assert " ".join(hints[2][:-1].split()) == hints[2][:-1] and not hints[2][:-1].endswith(" ")  # cut at a word boundary
    assert "$200 a night" in answer.shown() and "Navigo" in answer.shown()


def test_a_hint_whose_best_sentence_announces_a_list_goes_on_to_the_first_item() -> None:
    """A lead-in is often a quote's best sentence; the step it announces is what the reader needs."""
    steps = Citation(title="Leaving", url="u", path="hr/leaving.md", section="Resignations", doc_id="d",
                     snippet="Managers own the handover. When a teammate resigns, please follow these steps: "
                             "1. Tell your People Partner the same day. 2. Agree the last day.",
                     gist="When a teammate resigns, please follow these steps:")
    answer = Answer(question="my report just resigned, what do i do first?", text="From Other: > Something else.",
                    citations=[steps])

    hint = answer.source_snippets()[0]

    assert hint.startswith("When a teammate resigns") and "Tell your People Partner the same day" in hint
    assert "Managers own the handover" not in hint and len(hint) <= SNIPPET_CHARS + 1
