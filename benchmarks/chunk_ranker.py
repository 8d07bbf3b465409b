"""Fit a ranker of a page's chunks (which one holds the fact asked for) and print how well it and kb's rule
find the chunk holding the fact, each set judged by weights fitted without it. Measured, not taken (README,
session 25): quoting the lead page's three best-ranked chunks showed the fact in 6 more answers of 1,768 on
20 sets and in none more on a blind one, for answers 3% longer.

    .venv/bin/python benchmarks/chunk_ranker.py 18f=../shared/eval/18f/questions.jsonl:.kb-eval \\
        ex=examples/questions.jsonl:.kb-data sg=benchmarks/data/sourcegraph_dev.jsonl:.kb-sourcegraph ...

Each argument is NAME=QUESTIONS:DATA_DIR (an index `kb sync` built for those questions). The population:
every answer question with a key phrase whose gold page retrieval returns and one of whose chunks holds
the phrase. Every chunk of that page is a row (`features`), labelled by whether it holds the phrase. A
logistic regression (NumPy, standardised features, L2) is fitted on all rows; then once per set without
that set's rows, and the held-out set's pages ranked by it. Printed: the raw weights, and per set how often
the holder is among the ranker's first three against kb's rule (the two retrieved chunks with the best
sentence plus similarity, and the page's best other chunk when it beats one of them).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import evaluation  # noqa: E402
from bot.answer import compose  # noqa: E402
from bot.answer.asks import asks  # noqa: E402
from bot.answer.retrieve import Result  # noqa: E402
from bot.answer.snippets import bonuses, lexical_scores, terms  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.index import sentence_vectors  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

NAMES = ["best", "closest", "closest3", "words", "fact", "chunk", "retrieved", "retrieval", "heading_share",
         "heading_words", "section_words"]
LEAD_CHUNKS = 3


def features(question: str, result: Result, sentences: list[str], semantic: list[float] | None,
             wants: frozenset, retrieved: bool) -> dict[str, float]:
    """What the ranker weighs for one chunk: its sentences as the quote scores them (`compose._chunk_score`),
    the closest sentence and the mean of the closest three in meaning, words shared, the kind of fact asked
    for, the chunk's own similarity, its retrieval score, and the question's words in its heading and path."""
    if not sentences:
        return {}
    sem = np.asarray(semantic if semantic is not None else [0.0] * len(sentences), dtype=float)
    lex = np.asarray(lexical_scores(question, sentences), dtype=float)
    bon = np.asarray(bonuses(question, sentences, wants), dtype=float)
    asked = set(terms(question))
    heading = set(terms(result.section.split(" › ")[-1] if result.section else result.title))
    path = set(terms(result.section or ""))
    return {"best": compose._chunk_score(question, sentences, semantic, wants), "closest": float(sem.max()),
            "closest3": float(np.sort(sem)[::-1][:3].mean()), "words": float(lex.max()), "fact": float(bon.max()),
            "chunk": result.similarity, "retrieved": float(retrieved), "retrieval": result.score if retrieved else 0.0,
            "heading_share": len(heading & asked) / max(1, len(heading)), "heading_words": min(len(heading & asked), 3),
            "section_words": min(len(path & asked), 4)}


def pages(name: str, questions: str, data_dir: str, runtimes: dict[str, Runtime]) -> list[dict]:
    """For each usable question: its gold page's chunks as (features, old-rule score, retrieved, holds)."""
    runtime = runtimes.setdefault(data_dir, Runtime(Settings(data_dir=data_dir)))
    service, retriever = runtime.answers, runtime.answers.retriever
    out = []
    for item in evaluation.load_jsonl(Path(questions)):
        phrases, gold = item.get("answer_contains") or [], set(item.get("gold") or [])
        if item.get("expect", "answer") != "answer" or not phrases or not gold:
            continue
        question = retriever.corrected(item["question"])
        results = service._search(question, None)
        doc = next((result.doc_id for result in results if result.path in gold), None)
        if doc is None:
            continue
        page = retriever.documents([doc], question)[doc]
        found = {result.id: result for result in results if result.doc_id == doc}
        wants = asks(question)
        known = sentence_vectors.known(pair for chunk in page for pair in chunk.stored)
        scored = compose._scored(question, page, service.sentence_scorer, known)
        rows = []
        for chunk in page:
            retrieved = chunk.id in found
            ranked = found.get(chunk.id, chunk)
            sentences, semantic = scored[chunk.id]
            row = features(question, ranked, sentences, semantic, wants, retrieved)
            if not row:
                continue
            old = row["best"] + compose.PLACE_WEIGHT * chunk.similarity  # kb's rule: best sentence plus similarity
            rows.append((row, old, retrieved, evaluation.contains(phrases, chunk.text)))
        if any(holds for *_, holds in rows):
            out.append({"set": name, "rows": rows})
    print(f"{name}: {len(out)} questions", file=sys.stderr, flush=True)
    return out


def fit(items: list[dict], rounds: int = 3000, l2: float = 1.0) -> dict[str, float]:
    """Raw weights of a logistic regression over standardised features (their intercept drops out of a ranking)."""
    x = np.array([[row[name] for name in NAMES] for item in items for row, *_ in item["rows"]], dtype=float)
    y = np.array([holds for item in items for *_, holds in item["rows"]], dtype=float)
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    w, b = np.zeros(len(NAMES)), 0.0
    for _ in range(rounds):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= z.T @ (p - y) / len(y) + l2 / len(y) * w
        b -= float((p - y).mean())
    return dict(zip(NAMES, (w / scale).round(3).tolist()))


def old_rule(rows: list) -> list:
    retrieved = sorted((row for row in rows if row[2]), key=lambda row: -row[1])[:2]
    others = [row for row in rows if not row[2]]
    top = max(others, key=lambda row: row[1], default=None)
    if top is not None and (not retrieved or top[1] > min(row[1] for row in retrieved)):
        retrieved.append(top)
    return retrieved


def ranker(rows: list, weights: dict[str, float]) -> list:
    return sorted(rows, key=lambda row: -sum(weights[name] * row[0][name] for name in NAMES))[:LEAD_CHUNKS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", help="NAME=QUESTIONS:DATA_DIR")
    args = parser.parse_args()
    runtimes: dict[str, Runtime] = {}
    items = []
    for spec in args.sets:
        name, rest = spec.split("=", 1)
        questions, data_dir = rest.rsplit(":", 1)
        items += pages(name, questions, data_dir, runtimes)
    print("weights fitted on every set:", fit(items))
    names = list(dict.fromkeys(item["set"] for item in items))
    print(f"{'set':28} {'questions':>9} {'old rule':>9} {'ranker':>7}")
    totals = [0, 0, 0]
    for name in names:
        held = [item for item in items if item["set"] == name]
        weights = fit([item for item in items if item["set"] != name])
        old = sum(any(row[3] for row in old_rule(item["rows"])) for item in held)
        new = sum(any(row[3] for row in ranker(item["rows"], weights)) for item in held)
        totals = [totals[0] + len(held), totals[1] + old, totals[2] + new]
        print(f"{name:28} {len(held):9} {old:9} {new:7}")
    print(f"{'all (each set held out)':28} {totals[0]:9} {totals[1]:9} {totals[2]:7}")


if __name__ == "__main__":
    main()
