"""`kb eval`: retrieval and answer quality on a question set, and BEIR nDCG@10.

The metrics are the ones DESIGN.md names, computed the standard way so figures compare with
published ones: recall@5 and MRR@10 over gold documents, nDCG@10 with graded judgments.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.answer.retrieve import Mode, Retriever, documents_ranked
from bot.answer.service import AnswerService
from bot.index.sentences import clean
from connectors.base import Document, IncompleteListing, Skipped


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ranked_paths(retriever: Retriever, question: str, n: int = 10, mode: Mode = "hybrid") -> list[str]:
    """Document paths in rank order, as many distinct documents as retrieval yields up to n."""
    results = retriever.search(question, k=n * 3, mode=mode, per_doc=None)
    paths = {result.doc_id: result.path for result in results}
    return [paths[doc_id] for doc_id in documents_ranked(results)][:n]


def contains(phrases: list[str], text: str) -> bool:
    haystack = " ".join(clean(text).lower().split())
    return any(" ".join(clean(phrase).lower().split()) in haystack for phrase in phrases)


def evaluate_questions(service: AnswerService, questions: list[dict],
                       progress: Callable[[], None] | None = None) -> dict:
    rows = []
    for item in questions:
        started = time.perf_counter()
        answer = service.answer(item["question"])
        latency = time.perf_counter() - started
        paths = ranked_paths(service.retriever, item["question"])
        gold = set(item.get("gold") or [])
        row = {
            "id": item.get("id"),
            "expect": item.get("expect", "answer"),
            "category": item.get("category"),
            "escalated": answer.escalated,
            "predicted_category": answer.category,
            "no_answer": answer.no_answer,
            "latency_s": round(latency, 4),
            "top5": paths[:5],
        }
        if not answer.escalated and not answer.no_answer:
            row["answer_chars"] = len(answer.text)  # the message text in Slack and Teams: the length budget
        if gold:
            row["recall@5"] = len(gold & set(paths[:5])) / len(gold)
            row["hit@5"] = float(bool(gold & set(paths[:5])))
            rank = next((i for i, path in enumerate(paths[:10], start=1) if path in gold), None)
            row["rr@10"] = 1.0 / rank if rank else 0.0
        if item.get("answer_contains"):
            # What the asker sees: the quotes, and a generated answer's own words too.
            quoted = " ".join([answer.text if answer.generated else "", *(c.snippet for c in answer.citations)])
            row["contains"] = contains(item["answer_contains"], quoted)
            # What Slack and Teams put in front of the asker: the message, and one line of each source
            # it does not quote (the answer's citations hold more than the sources list shows).
            row["shown_contains"] = contains(item["answer_contains"], answer.shown())
            row["generated"] = answer.generated
        rows.append(row)
        if progress:
            progress()
    return {"metrics": summarize(rows), "questions": rows}


def summarize(rows: list[dict]) -> dict:
    answer_rows = [row for row in rows if row["expect"] == "answer"]
    with_gold = [row for row in answer_rows if "recall@5" in row]
    escalate = [row for row in rows if row["expect"] == "escalate"]
    flagged = [row for row in rows if row["escalated"]]
    no_answer = [row for row in rows if row["expect"] == "no_answer"]
    latencies = sorted(row["latency_s"] for row in rows)
    lengths = sorted(row["answer_chars"] for row in rows if "answer_chars" in row)

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 4) if values else None

    return {
        "questions": len(rows),
        "recall@5": mean([row["recall@5"] for row in with_gold]),
        "hit@5": mean([row["hit@5"] for row in with_gold]),
        "mrr@10": mean([row["rr@10"] for row in with_gold]),
        "answer_contains": mean([float(row["contains"]) for row in answer_rows if "contains" in row]),
        "answer_contains_shown": mean([float(row["shown_contains"]) for row in answer_rows if "shown_contains" in row]),
        "answered": mean([float(not row["no_answer"] and not row["escalated"]) for row in answer_rows]),
        "generated": mean([float(row["generated"]) for row in answer_rows if "generated" in row]),
        "escalation_precision": mean([float(row["expect"] == "escalate") for row in flagged]) if flagged else None,
        "escalation_recall": mean([float(row["escalated"]) for row in escalate]),
        "no_answer_rate": mean([float(row["no_answer"]) for row in no_answer]),
        "latency_p50_s": _percentile(latencies, 50),
        "latency_p95_s": _percentile(latencies, 95),
        "answer_chars_p50": _percentile(lengths, 50),
        "answer_chars_p90": _percentile(lengths, 90),
    }


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, math.ceil(pct / 100 * len(values)) - 1))
    return round(values[index], 4)


# -- BEIR ------------------------------------------------------------------------------------------
@dataclass
class BeirCorpus:
    """A BEIR corpus.jsonl as a source, so it is indexed by the same pipeline as runbooks."""

    folder: Path

    @property
    def name(self) -> str:
        return f"beir:{self.folder.resolve()}"

    def _rows(self) -> Iterator[dict]:
        with open(self.folder / "corpus.jsonl", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        for row in self._rows():
            text = (row.get("text") or "").strip()
            if not text:
                yield Skipped(id=str(row["_id"]), path=str(row["_id"]), reason="empty text")
                continue
            yield Document(id=str(row["_id"]), source="beir", title=(row.get("title") or "").strip(),
                           url=f"beir:{row['_id']}", path=str(row["_id"]), text=text)

    def list_ids(self) -> set[str]:
        try:
            return {str(row["_id"]) for row in self._rows()}
        except (OSError, ValueError, KeyError) as error:
            raise IncompleteListing(str(error)) from error


def load_qrels(folder: Path, split: str = "test") -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels" / f"{split}.tsv", encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[2].lstrip("-").isdigit():
                continue  # the header
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(gain / math.log2(i + 2) for i, gain in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate_beir(retriever: Retriever, folder: Path, modes: tuple[Mode, ...] = ("hybrid", "text", "vector"),
                  progress: Callable[[], None] | None = None) -> dict:
    qrels = load_qrels(folder)
    queries = {str(row["_id"]): row["text"] for row in load_jsonl(folder / "queries.jsonl")}
    scores: dict[str, list[float]] = {mode: [] for mode in modes}
    for query_id, relevant in qrels.items():
        for mode in modes:
            ranked = ranked_paths(retriever, queries[query_id], 10, mode)
            scores[mode].append(ndcg_at_10(ranked, relevant))
        if progress:
            progress()
    return {"queries": len(qrels), **{f"ndcg@10_{mode}": round(statistics.fmean(values), 4)
                                       for mode, values in scores.items()}}
