"""Indexing and search speed on the 18F handbook: prints figures, asserts nothing.

    .venv/bin/python benchmarks/index_bench.py [--corpus ../shared/eval/18f/corpus] [--queries 200]

Prints: the embedding backend (KB_EMBED_BACKEND: fp32 ONNX on a CPU by default), first sync
(seconds, chunks, chunks embedded per second), the same model's raw `encode` on the very same texts
in the same run: the chunks, and the distinct sentences whose vectors the sync stores for the quotes
(`bot.index.sentence_vectors`), so the ratio is the pipeline's own overhead (reading, chunking,
LanceDB writes, index building), a second sync with nothing changed, and `kb search` latency
(p50/p99) over questions from the eval set, repeated to the count asked.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's kb

from bot import logs  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.index.chunking import chunk_document  # noqa: E402
from bot.index.sentences import sentences_of  # noqa: E402
from bot.index.sources import local_folder  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from connectors.base import Document  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "eval" / "18f" / "corpus"))
    parser.add_argument("--questions", default=str(REPO.parent / "shared" / "eval" / "18f" / "questions.jsonl"))
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    logs.configure("WARNING")

    with tempfile.TemporaryDirectory() as data_dir:
        rt = Runtime(Settings(data_dir=data_dir))
        source = local_folder(args.corpus, rt.settings)
        rt.embedder.embed_queries(["warm-up"])  # model load is not indexing time

        started = time.perf_counter()
        first = rt.sync_engine.sync(source)
        first_seconds = time.perf_counter() - started

        chunks = [(document, chunk) for document in source.documents() if isinstance(document, Document)
                  for chunk in chunk_document(document, rt.settings.chunk_tokens)]
        texts = [chunk.search_text(document) for document, chunk in chunks]
        sentences = list(dict.fromkeys(sentence for _, chunk in chunks for sentence in sentences_of(chunk.text)))
        model = rt.embedder.sentence_model  # type: ignore[attr-defined]  # SentenceTransformer or the ONNX model
        started = time.perf_counter()
        model.encode(texts, batch_size=rt.settings.embed_batch_size, normalize_embeddings=True)
        raw_seconds = time.perf_counter() - started
        started = time.perf_counter()
        model.encode(sentences, batch_size=rt.settings.embed_batch_size, normalize_embeddings=True)
        raw_sentence_seconds = time.perf_counter() - started

        started = time.perf_counter()
        second = rt.sync_engine.sync(source)
        second_seconds = time.perf_counter() - started

        questions = [json.loads(line)["question"] for line in open(args.questions, encoding="utf-8") if line.strip()]
        latencies = []
        for number in range(args.queries):
            started = time.perf_counter()
            rt.retriever.search(questions[number % len(questions)], k=10)
            latencies.append((time.perf_counter() - started) * 1000)

    print(f"corpus: {args.corpus}; embedding backend: {rt.embedder.backend}")
    print(f"first sync: {first_seconds:.1f} s, {first.added} documents, {first.chunks_embedded} chunks and "
          f"{first.sentences_embedded} sentences embedded, {first.chunks_embedded / first_seconds:.1f} chunks/s")
    print(f"raw encode by the same model, same {len(texts)} chunks: {raw_seconds:.1f} s, "
          f"{len(texts) / raw_seconds:.1f} chunks/s; same {len(sentences)} sentences: {raw_sentence_seconds:.1f} s")
    print(f"pipeline overhead: {first_seconds / (raw_seconds + raw_sentence_seconds):.2f}x the raw encode time "
          f"of the same texts (the sentences add {raw_sentence_seconds / raw_seconds:.0%} to the chunks' encode)")
    print(f"second sync (nothing changed): {second_seconds:.2f} s, chunks embedded = {second.chunks_embedded}, "
          f"{second_seconds / first_seconds:.1%} of the first")
    print(f"search latency over {len(latencies)} queries: p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")


if __name__ == "__main__":
    main()
