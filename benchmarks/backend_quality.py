"""The quality guard of the embedding backends: the same evaluations with torch fp32 and int8 ONNX, in one run.

    .venv/bin/python benchmarks/backend_quality.py [--backends torch onnx] [--skip-beir] [--data-dir DIR]

For each backend: the 18F handbook indexed from scratch (sync seconds, and the raw encode time of
the same chunks by the same model, so the sync's own overhead shows), `kb eval` on its questions
(recall@5, MRR@10, answer_contains, escalation, latency p50/p95), BEIR SciFact nDCG@10 (hybrid,
dense), and the escalation classifier's decision on every question of the policy sets
(benchmarks/data/policy_*.jsonl and the eval questions): the decisions that differ from the first
backend's are listed. The int8 model passes when each figure is within 0.01 of fp32's.

`--data-dir` keeps the indexes (one folder per backend) so a rerun can skip indexing with
`--reuse`. Figures are wall-clock on whatever else shares the machine: compare backends within a
run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's kb, whichever one the venv has installed

from bot import evaluation, logs  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.index.chunking import chunk_document  # noqa: E402
from bot.index.sources import local_folder  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from connectors.base import Document  # noqa: E402
SHARED = REPO.parent / "shared"


def policy_questions(eval_questions: Path) -> list[str]:
    files = sorted((REPO / "benchmarks" / "data").glob("policy_*.jsonl")) + [eval_questions]
    return [row["question"] for path in files for row in evaluation.load_jsonl(path)]


def run_backend(backend: str, args: argparse.Namespace, root: Path) -> dict:
    settings = Settings(data_dir=str(root / backend / "18f"), embed_backend=backend, embed_device="cpu")
    rt = Runtime(settings)
    rt.embedder.embed_queries(["warm-up"])  # loading (and building the ONNX model) is not indexing time
    report: dict = {"backend": rt.embedder.backend}
    source = local_folder(str(args.corpus), settings)
    if not args.reuse:
        started = time.perf_counter()
        summary = rt.sync_engine.sync(source)
        report["sync_s"] = time.perf_counter() - started
        texts = [chunk.search_text(document) for document in source.documents() if isinstance(document, Document)
                 for chunk in chunk_document(document, settings.chunk_tokens)]
        started = time.perf_counter()
        rt.embedder.sentence_model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
        report["raw_encode_s"] = time.perf_counter() - started
        report["chunks"] = summary.chunks_embedded
        report["overhead"] = report["sync_s"] / report["raw_encode_s"]
    questions = evaluation.load_jsonl(args.questions)
    report["18f"] = evaluation.evaluate_questions(rt.answers, questions)["metrics"]
    report["decisions"] = {question: (decision.category if decision else None)
                           for question in policy_questions(args.questions)
                           for decision in [rt.policy.classify(question)]}
    if not args.skip_beir:
        beir_rt = Runtime(settings.model_copy(update={"data_dir": str(root / backend / "scifact")}))
        beir_rt.embedder = rt.embedder
        if not args.reuse:
            beir_rt.sync_engine.sync(evaluation.BeirCorpus(args.beir))
        report["scifact"] = evaluation.evaluate_beir(beir_rt.retriever, args.beir, modes=("hybrid", "vector"))
    (root / backend / "report.json").write_text(json.dumps(report, default=str), encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx"])
    parser.add_argument("--corpus", type=Path, default=SHARED / "eval" / "18f" / "corpus")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "18f" / "questions.jsonl")
    parser.add_argument("--beir", type=Path, default=SHARED / "bench" / "scifact")
    parser.add_argument("--skip-beir", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="evaluate the indexes already in --data-dir")
    args = parser.parse_args()
    logs.configure("WARNING")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_dir or Path(scratch)
        reports = [run_backend(backend, args, root) for backend in args.backends]
    first = reports[0]
    for report in reports:
        quality = report["18f"]
        line = [f"{report['backend']}:"]
        if "sync_s" in report:
            line.append(f"18F sync {report['sync_s']:.1f} s for {report['chunks']} chunks, raw encode "
                        f"{report['raw_encode_s']:.1f} s, overhead {report['overhead']:.2f}x;")
        line.append(f"recall@5 {quality['recall@5']:.3f}, MRR@10 {quality['mrr@10']:.3f}, answer_contains "
                    f"{quality['answer_contains']:.3f}, escalation P/R {quality['escalation_precision']:.2f}/"
                    f"{quality['escalation_recall']:.2f}, latency p50 {quality['latency_p50_s']:.3f} s "
                    f"p95 {quality['latency_p95_s']:.3f} s;")
        if "scifact" in report:
            line.append(f"SciFact nDCG@10 hybrid {report['scifact']['ndcg@10_hybrid']:.3f}, "
                        f"dense {report['scifact']['ndcg@10_vector']:.3f};")
        changed = {q: (first["decisions"][q], d) for q, d in report["decisions"].items() if d != first["decisions"][q]}
        line.append(f"escalation decisions differing from {first['backend']}: {len(changed)} of "
                    f"{len(report['decisions'])}")
        print(" ".join(line))
        for question, (before, after) in changed.items():
            print(f"    {question!r}: {before} -> {after}")
    print(json.dumps([{k: v for k, v in report.items() if k != "decisions"} for report in reports], default=str))


if __name__ == "__main__":
    main()
