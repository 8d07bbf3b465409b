"""Sync memory as the corpus grows: peak RSS while a streaming source yields more and more documents.

    .venv/bin/python benchmarks/sync_memory_bench.py [--documents 1000 4000 16000] [--model]

Each size syncs a fresh index in a child process from a source that makes its documents one at a
time (about 3 chunks each, realistic runbook-like text), as every connector does, and prints the
child's peak resident memory, the seconds (wall and CPU) and the chunks written, in two parts: the
streaming (reading, chunking, embedding, writing batch by batch) and the index build the sync ends
with (`Store.optimize`: full text, and IVF_HNSW_SQ past 50k chunks). Bounded memory means the
streaming's peak stays flat while the corpus grows 16-fold: the sync holds one batch of documents
(64) and their vectors at a time, plus a hash and access list per indexed document; linear time
means its time per document stays flat (each batch finds its rows through the key indexes).

Without `--model`, vectors come from a cheap deterministic hash of the text instead of the model
(the model's own memory is a constant, and embedding 100k chunks would take hours on 2 cores);
with it, the configured backend embeds (use small sizes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from connectors.base import Document  # noqa: E402

SECTION = ("Open Self Service and choose the {n} request form. Fill in the cost centre, the manager who "
           "approves it and the date you need it by; approvals usually take two working days. If the form "
           "is missing, ask in #it-help and mention ticket {n}. ")


class HashEmbedder:
    """384-dimensional unit vectors from a hash of each text: the Embedder protocol at no model cost."""

    model_name = "benchmark/hash-384"
    dimension = 384

    def _vectors(self, texts: list[str]) -> np.ndarray:
        seeds = [int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") for text in texts]
        vectors = np.stack([np.random.default_rng(seed).standard_normal(self.dimension) for seed in seeds])
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)


class StreamingSource:
    """`count` documents made one at a time, never held together."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.name = "local:synthetic"

    def documents(self, since: datetime | None = None) -> Iterator[Document]:
        for n in range(self.count):
            body = "\n\n".join(f"## Step {step}\n\n" + SECTION.format(n=n * 10 + step) * 6 for step in range(3))
            yield Document(id=f"doc-{n}", source="local", title=f"Runbook {n}", url=f"file:///runbooks/{n}.md",
                           path=f"runbooks/{n}.md", text=f"# Runbook {n}\n\n{body}",
                           updated_at=datetime(2026, 1, 1, tzinfo=timezone.utc), acl=["*"])

    def list_ids(self) -> set[str]:
        return {f"doc-{n}" for n in range(self.count)}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(documents: int, model: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="kb-sync-memory-") as folder:
        rt = Runtime(Settings(data_dir=folder))
        if not model:
            rt.embedder = HashEmbedder()
        store, indexes = rt.store, {}
        build = store.optimize

        def optimize() -> None:  # the sync's last step, timed apart: index builds, not the streaming
            indexes.update(rss=peak_rss_mb(), cpu=cpu_seconds(), started=time.perf_counter())
            build()
            indexes.update(seconds=time.perf_counter() - indexes["started"], cpu=cpu_seconds() - indexes["cpu"])

        store.optimize = optimize
        writes: list[float] = []  # CPU per batch write: flat when a batch finds its rows without a table scan
        write = store.write_documents

        def write_documents(*args: object) -> None:
            began = cpu_seconds()
            write(*args)
            writes.append(cpu_seconds() - began)

        store.write_documents = write_documents
        started, cpu = time.perf_counter(), cpu_seconds()
        summary = rt.sync_engine.sync(StreamingSource(documents))
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        built = sorted(index.name for index in store.chunks.list_indices())
    return {"documents": documents, "chunks": summary.chunks_embedded, "seconds": seconds, "cpu_s": cpu,
            "write_s": seconds - indexes["seconds"], "write_cpu_s": cpu - indexes["cpu"],
            "index_s": indexes["seconds"], "index_cpu_s": indexes["cpu"], "indexes": built,
            "batch_write_ms": [sum(part) / max(len(part), 1) * 1000 for part in (writes[: len(writes) // 4],
                                                                               writes[-(len(writes) // 4) :])],
            "errors": summary.errors[:3], "write_peak_rss_mb": indexes["rss"], "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument("--model", action="store_true", help="embed with the configured model instead of a hash")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.documents[0], args.model)))
        return
    for count in args.documents:
        command = [sys.executable, __file__, "--child", "--documents", str(count)] + (["--model"] if args.model else [])
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(f"{result['documents']:,} documents, {result['chunks']:,} chunks: {result['seconds']:.0f} s "
              f"({result['cpu_s']:.0f} s CPU), peak RSS {result['peak_rss_mb']:,.0f} MB; streaming and writing "
              f"{result['write_s']:.0f} s ({result['write_cpu_s']:.0f} s CPU, {result['write_cpu_s'] / count * 1000:.1f} ms "
              f"of CPU a document; a batch's write {result['batch_write_ms'][0]:.0f} ms CPU in the first quarter, "
              f"{result['batch_write_ms'][1]:.0f} ms in the last), peak RSS {result['write_peak_rss_mb']:,.0f} MB; index build at the end "
              f"{result['index_s']:.0f} s ({result['index_cpu_s']:.1f} s CPU: {', '.join(result['indexes'])})"
              + (f"; errors {result['errors']}" if result["errors"] else ""), flush=True)


if __name__ == "__main__":
    main()
