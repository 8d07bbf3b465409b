"""The quality guard of the embedding backends: the same evaluations with torch fp32 and ONNX variants, in one run.

    .venv/bin/python benchmarks/backend_quality.py [--backends torch onnx:ffn-up onnx:all onnx:none ...]
        [--skip-beir] [--skip-18f] [--encode-sample N] [--speed-rounds R] [--speed-only]
        [--data-dir DIR [--reuse]]

A backend is `torch` or `onnx:SET`, SET being a KB_EMBED_INT8 value (which matrix products are
int8; `onnx` alone: the default set). For each backend: the 18F handbook indexed from scratch
(sync seconds), the raw encode of the same chunks by the same model (texts/s, measured in this run
for every backend, and the sync's own overhead), the mean and lowest cosine of those vectors to
the first backend's (torch fp32 when it comes first), `kb eval` on its questions
(recall@5, MRR@10, answer_contains, escalation, latency p50/p95), BEIR SciFact nDCG@10 (hybrid,
dense), and the escalation classifier's decision on every question of the policy sets
(benchmarks/data/policy_*.jsonl and the eval questions): the decisions that differ from the first
backend's are listed. A variant passes when each figure is within 0.01 of torch fp32's.

`--speed-rounds R` then times every backend again, the backends taking turns R times on the same
texts (the best round each): the texts/s to compare on a shared machine. `--speed-only` does only
that and the cosines; `--skip-18f` leaves out the 18F sync and evaluation (e.g. SciFact alone).
`--encode-sample N` times the raw encode on N of the chunks (the same N for every backend) instead
of all, when the sync overhead is not wanted. `--data-dir` keeps the indexes (one folder per
backend) so a rerun with `--reuse` evaluates the indexes it finds instead of building them again.
Figures are wall-clock on whatever else shares the machine: compare backends within a run, not
across runs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


def backend_settings(backend: str, folder: Path) -> Settings:
    """Settings for `torch` or `onnx[:SET]` (SET: a KB_EMBED_INT8 value), indexing into `folder`."""
    kind, _, int8 = backend.partition(":")
    options = {"embed_int8": int8} if int8 else {}
    return Settings(data_dir=str(folder / "18f"), embed_backend=kind, embed_device="cpu", **options)


def run_backend(backend: str, args: argparse.Namespace, root: Path, reference: np.ndarray | None) -> dict:
    folder = root / backend.replace(":", "-")
    settings = backend_settings(backend, folder)
    rt = Runtime(settings)
    rt.embedder.embed_queries(["warm-up"])  # loading (and building the ONNX model) is not indexing time
    report: dict = {"backend": rt.embedder.backend, "setting": backend}
    source = local_folder(str(args.corpus), settings)
    texts = [chunk.search_text(document) for document in source.documents() if isinstance(document, Document)
             for chunk in chunk_document(document, settings.chunk_tokens)]
    if not (args.speed_only or args.skip_18f) and not (args.reuse and (folder / "18f").exists()):
        started = time.perf_counter()
        summary = rt.sync_engine.sync(source)
        report["sync_s"] = time.perf_counter() - started
        report["chunks"] = summary.chunks_embedded
    if args.encode_sample:
        texts = random.Random(17).sample(texts, min(args.encode_sample, len(texts)))
    started = time.perf_counter()
    vectors = rt.embedder.sentence_model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                                                show_progress_bar=False)
    report["raw_encode_s"] = time.perf_counter() - started
    report["texts_per_s"] = len(texts) / report["raw_encode_s"]
    report["vectors"], report["model"] = np.asarray(vectors, dtype=np.float32), rt.embedder.sentence_model
    report["texts"] = texts
    if reference is not None:
        cosines = np.sum(report["vectors"] * reference, axis=1)
        report["cosine_mean"], report["cosine_min"] = float(cosines.mean()), float(cosines.min())
    if "sync_s" in report and not args.encode_sample:
        report["overhead"] = report["sync_s"] / report["raw_encode_s"]
    if args.speed_only:
        return report
    if not args.skip_18f:
        questions = evaluation.load_jsonl(args.questions)
        report["18f"] = evaluation.evaluate_questions(rt.answers, questions)["metrics"]
        report["decisions"] = {question: (decision.category if decision else None)
                               for question in policy_questions(args.questions)
                               for decision in [rt.policy.classify(question)]}
    if not args.skip_beir:
        beir_rt = Runtime(settings.model_copy(update={"data_dir": str(folder / "scifact")}))
        beir_rt.embedder = rt.embedder
        if not (args.reuse and (folder / "scifact").exists()):
            beir_rt.sync_engine.sync(evaluation.BeirCorpus(args.beir))
        report["scifact"] = evaluation.evaluate_beir(beir_rt.retriever, args.beir, modes=("hybrid", "vector"))
    (folder / "report.json").write_text(json.dumps(public(report), default=str), encoding="utf-8")
    return report


def interleaved_speed(reports: list[dict], rounds: int) -> None:
    """Each model's best texts/s over `rounds` rounds that take turns on the same texts.

    On a machine others share, load changes by the minute; taking turns exposes every backend to
    the same load, and the best round is the least disturbed one.
    """
    for report in reports:
        report["texts_per_s_best"] = 0.0
    for _ in range(rounds):
        for report in reports:
            started = time.perf_counter()
            report["model"].encode(report["texts"], batch_size=32, normalize_embeddings=True, show_progress_bar=False)
            speed = len(report["texts"]) / (time.perf_counter() - started)
            report["texts_per_s_best"] = max(report["texts_per_s_best"], speed)


def public(report: dict) -> dict:
    """The report without its vectors, model and per-question decisions: what is printed and saved."""
    return {key: value for key, value in report.items() if key not in {"vectors", "model", "texts", "decisions"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx:ffn-up", "onnx:all-but-ffn-down", "onnx:all",
                                                            "onnx:none"])
    parser.add_argument("--corpus", type=Path, default=SHARED / "eval" / "18f" / "corpus")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "18f" / "questions.jsonl")
    parser.add_argument("--beir", type=Path, default=SHARED / "bench" / "scifact")
    parser.add_argument("--skip-beir", action="store_true")
    parser.add_argument("--skip-18f", action="store_true", help="no 18F sync or evaluation (SciFact, speed, cosine)")
    parser.add_argument("--encode-sample", type=int, default=0, help="time the raw encode on this many chunks")
    parser.add_argument("--speed-rounds", type=int, default=0,
                        help="then time every backend again in this many rounds that take turns (best round kept)")
    parser.add_argument("--speed-only", action="store_true", help="no sync and no evaluations: speed and cosine")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="evaluate the indexes already in --data-dir")
    args = parser.parse_args()
    logs.configure("WARNING")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data_dir or Path(scratch)
        reports: list[dict] = []
        for backend in args.backends:
            reports.append(run_backend(backend, args, root, reports[0]["vectors"] if reports else None))
        interleaved_speed(reports, args.speed_rounds)
    first = reports[0]
    for report in reports:
        line = [f"{report['backend']} ({report['setting']}): {report['texts_per_s']:.1f} texts/s"]
        if args.speed_rounds:
            line.append(f"(best of {args.speed_rounds} rounds taking turns: {report['texts_per_s_best']:.1f})")
        line[-1] += ";"
        if "cosine_mean" in report:
            line.append(f"cosine to {first['backend']} mean {report['cosine_mean']:.4f}, "
                        f"min {report['cosine_min']:.4f};")
        if "overhead" in report:
            line.append(f"18F sync {report['sync_s']:.1f} s for {report['chunks']} chunks, raw encode "
                        f"{report['raw_encode_s']:.1f} s, overhead {report['overhead']:.2f}x;")
        if "18f" in report:
            quality = report["18f"]
            line.append(f"recall@5 {quality['recall@5']:.3f}, MRR@10 {quality['mrr@10']:.3f}, answer_contains "
                        f"{quality['answer_contains']:.3f}, escalation P/R {quality['escalation_precision']:.2f}/"
                        f"{quality['escalation_recall']:.2f}, latency p50 {quality['latency_p50_s']:.3f} s "
                        f"p95 {quality['latency_p95_s']:.3f} s;")
        if "scifact" in report:
            line.append(f"SciFact nDCG@10 hybrid {report['scifact']['ndcg@10_hybrid']:.3f}, "
                        f"dense {report['scifact']['ndcg@10_vector']:.3f};")
        print(" ".join(line))
        if "decisions" not in report:
            continue
        changed = {q: (first["decisions"][q], d) for q, d in report["decisions"].items() if d != first["decisions"][q]}
        print(f"    escalation decisions differing from {first['backend']}: {len(changed)} of "
              f"{len(report['decisions'])}")
        for question, (before, after) in changed.items():
            print(f"    {question!r}: {before} -> {after}")
    print(json.dumps([public(report) for report in reports], default=str))


if __name__ == "__main__":
    main()
