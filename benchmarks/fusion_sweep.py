"""Print retrieval quality for several vector shares of the hybrid fusion, on an index already built.

    .venv/bin/python benchmarks/fusion_sweep.py ../shared/eval/18f/questions.jsonl --data-dir .kb-eval
    .venv/bin/python benchmarks/fusion_sweep.py --beir ../shared/bench/scifact --data-dir .kb-data/beir/scifact

The share is KB_VECTOR_WEIGHT: 1.0 is dense only, 0.0 full text only. Questions files give recall@5
and MRR@10 of gold documents (as `kb eval`); a BEIR folder gives nDCG@10. Nothing is re-indexed, so
one sync serves every share: the figures differ only by the fusion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import evaluation  # noqa: E402
from bot.answer.retrieve import Retriever  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.runtime import Runtime  # noqa: E402


def questions_row(retriever: Retriever, questions: list[dict]) -> str:
    recalls, reciprocal = [], []
    for item in questions:
        gold = set(item.get("gold") or [])
        if item.get("expect", "answer") != "answer" or not gold:
            continue
        paths = evaluation.ranked_paths(retriever, item["question"])
        recalls.append(len(gold & set(paths[:5])) / len(gold))
        rank = next((i for i, path in enumerate(paths[:10], start=1) if path in gold), None)
        reciprocal.append(1.0 / rank if rank else 0.0)
    return f"recall@5 {statistics.fmean(recalls):.3f}  MRR@10 {statistics.fmean(reciprocal):.3f}"


def beir_row(retriever: Retriever, folder: Path) -> str:
    report = evaluation.evaluate_beir(retriever, folder, modes=("hybrid",))
    return f"nDCG@10 {report['ndcg@10_hybrid']:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path)
    parser.add_argument("--beir", type=Path)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--shares", default="0.5,0.6,0.7,0.8,0.9,1.0")
    args = parser.parse_args()
    if (args.questions is None) == (args.beir is None):
        parser.error("give a questions file or --beir DIR")
    runtime = Runtime(Settings(data_dir=args.data_dir))
    questions = evaluation.load_jsonl(args.questions) if args.questions else []
    for share in (float(value) for value in args.shares.split(",")):
        retriever = Retriever(runtime.store, runtime.embedder, vector_weight=share)
        row = questions_row(retriever, questions) if args.questions else beir_row(retriever, args.beir)
        print(f"vector share {share:.2f}  {row}", flush=True)


if __name__ == "__main__":
    main()
