"""Search at scale: synthetic chunk indexes of 100k and 1M rows, searched with the access filter on.

    .venv/bin/python benchmarks/scale_bench.py [--rows 100000 1000000] [--index hnsw_sq] [--queries 200]

Each size runs in a child process of its own, so its peak memory is its own. The index is written
and indexed by kb's own Store (chunk schema, FTS settings, `Store.optimize`), in batches of 20k
rows so the build never holds the corpus; then both legs of a hybrid search run as `kb ask` runs
them (`Store.search_vector`, `Store.search_text`) with an asker's access filter
(`array_has_any(acl, ...)` from bot.access). Prints build time (writing, full-text index, vector
index), peak RSS, size on disk, p50/p99 of each leg and of both together (wall clock, and the CPU
time of the process's threads, which other load on the machine does not inflate as much), and the
vector leg's recall@10 against exact search under the same filter.

The synthetic data: texts of 40 to 240 words (chunks are cut at 200 word pieces) drawn with Zipf
frequencies from the words of examples/runbooks; 384-dimensional unit vectors clustered around
2,048 centres (real embeddings cluster; uniform random vectors would be an unrealistically hard
case for an IVF index); access lists: 70% everyone ("*"), the rest one to three of 200 groups.
Query vectors come from the same clusters, query texts have 3 to 6 words, and each is asked by someone in "*" and four
groups.

`--index` picks the vector index to compare: hnsw_sq (IVF_HNSW_SQ, what `Store.optimize` builds),
pq (IVF_PQ), sq (IVF_SQ), flat (no vector index: exact scan).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.access.model import Access  # noqa: E402
from bot.index.store import Store, chunk_schema  # noqa: E402

DIMENSION = 384
BATCH = 20_000
CENTRES = 2_048
GROUPS = 200


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def vocabulary() -> list[str]:
    words: dict[str, int] = {}
    for path in (REPO / "examples" / "runbooks").rglob("*.md"):
        for word in re.findall(r"[A-Za-z][a-z]{2,}", path.read_text(encoding="utf-8")):
            words[word.lower()] = words.get(word.lower(), 0) + 1
    return sorted(words, key=lambda word: -words[word])


class Synthetic:
    """Deterministic synthetic chunks, made a batch at a time."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = np.array(vocabulary())
        ranks = np.arange(1, len(self.words) + 1)
        self.word_p = (1 / ranks) / (1 / ranks).sum()
        self.centres = self.rng.normal(size=(CENTRES, DIMENSION)).astype(np.float32)

    def vectors(self, n: int) -> np.ndarray:
        centre = self.centres[self.rng.integers(0, CENTRES, n)]
        vectors = centre + 0.8 * self.rng.normal(size=(n, DIMENSION)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def acl(self) -> list[str]:
        if self.rng.random() < 0.7:
            return ["*"]
        return [f"group:g{g}" for g in self.rng.choice(GROUPS, int(self.rng.integers(1, 4)), replace=False)]

    def texts(self, n: int, low: int, high: int) -> list[str]:
        lengths = self.rng.integers(low, high, n)
        words = self.words[self.rng.choice(len(self.words), int(lengths.sum()), p=self.word_p)]
        ends = np.cumsum(lengths)
        return [" ".join(words[end - length : end]) for end, length in zip(ends, lengths)]

    def batch(self, start: int, n: int, schema: pa.Schema) -> pa.Table:
        texts = self.texts(n, 40, 240)
        ids = [f"c{start + i}" for i in range(n)]
        docs = [f"d{(start + i) // 8}" for i in range(n)]
        when = datetime(2026, 1, 1, tzinfo=timezone.utc)
        vectors = self.vectors(n)
        columns = {
            "id": ids, "doc_id": docs, "scope": ["local:synthetic"] * n, "source": ["local"] * n,
            "ordinal": [(start + i) % 8 for i in range(n)], "title": [text[:40] for text in texts],
            "url": [f"file:///synthetic/{doc}.md" for doc in docs], "path": [f"{doc}.md" for doc in docs],
            "section": [""] * n, "anchor": [""] * n, "text": texts, "search_text": texts,
            "acl": [self.acl() for _ in range(n)], "updated_at": [when] * n,
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIMENSION),
        }
        return pa.table(columns, schema=schema)


def vector_index(kind: str):  # noqa: ANN201 - a lancedb index config
    from lancedb.index import IvfHnswSq, IvfPq, IvfSq

    return {"hnsw_sq": IvfHnswSq(distance_type="cosine"), "pq": IvfPq(distance_type="cosine"),
            "sq": IvfSq(distance_type="cosine")}[kind]


def run_size(rows: int, kind: str, queries: int, nprobes: int | None, refine: int | None) -> dict:
    data = Synthetic()
    report: dict = {"rows": rows, "index": kind}
    with tempfile.TemporaryDirectory(prefix="kb-scale-") as folder:
        store = Store(folder, read_consistency=None)
        schema = chunk_schema(DIMENSION)
        table = store.table("chunks", schema)
        started = time.perf_counter()
        for start in range(0, rows, BATCH):
            table.add(data.batch(start, min(BATCH, rows - start), schema))
        report["write_s"] = time.perf_counter() - started

        started = time.perf_counter()
        if kind == "hnsw_sq":
            store.optimize()  # production: FTS, then IVF_HNSW_SQ once past VECTOR_INDEX_MIN_ROWS
        else:
            from lancedb.index import FTS

            table.create_index("search_text", config=FTS(with_position=False, stem=True, remove_stop_words=True,
                                                          ascii_folding=True))
            if kind != "flat":
                table.create_index("vector", config=vector_index(kind))
            table.optimize()
        report["index_s"] = time.perf_counter() - started
        report["indexes"] = sorted(index.name for index in store.chunks.list_indices())
        report["disk_mb"] = sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file()) / 2**20

        where = Access(frozenset({"*", "group:g1", "group:g2", "group:g3", "group:g4"})).where()
        query_vectors = data.vectors(queries)
        texts = data.texts(queries, 3, 7)
        vector_ms, text_ms, both_ms, cpu_ms = [], [], [], []
        chunks = store.chunks

        def vector_leg(vector: np.ndarray) -> list:
            query = chunks.search(vector, vector_column_name="vector").distance_type("cosine").limit(50)
            if nprobes:
                query = query.nprobes(nprobes)
            if refine:
                query = query.refine_factor(refine)
            return query.where(where, prefilter=True).select(["id", "_distance"]).to_list()

        for vector, text in zip(query_vectors, texts):
            cpu = time.process_time()
            started = time.perf_counter()
            vector_leg(vector) if (nprobes or refine) else store.search_vector(vector, 50, where)
            middle = time.perf_counter()
            store.search_text(text, 50, where)
            ended = time.perf_counter()
            vector_ms.append((middle - started) * 1000)
            text_ms.append((ended - middle) * 1000)
            both_ms.append((ended - started) * 1000)
            cpu_ms.append((time.process_time() - cpu) * 1000)  # all of LanceDB's threads: the work, whatever the load
        for name, values in (("vector", vector_ms), ("text", text_ms), ("hybrid", both_ms), ("cpu", cpu_ms)):
            report[f"{name}_p50_ms"] = statistics.median(values)
            report[f"{name}_p99_ms"] = percentile(values, 99)

        recalls = []
        for vector in query_vectors[:50]:
            found = [row["id"] for row in vector_leg(vector)[:10]]
            exact = (chunks.search(vector, vector_column_name="vector").distance_type("cosine").limit(10)
                     .where(where, prefilter=True).bypass_vector_index().select(["id"]).to_list())
            truth = {row["id"] for row in exact}
            recalls.append(len(truth & set(found)) / max(len(truth), 1))
        report["recall_at_10"] = statistics.mean(recalls)
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--index", choices=["hnsw_sq", "pq", "sq", "flat"], default="hnsw_sq")
    parser.add_argument("--nprobes", type=int, default=None, help="partitions searched (LanceDB's default if unset)")
    parser.add_argument("--refine", type=int, default=None, help="refine_factor: re-rank this many times k exactly")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_size(args.rows[0], args.index, args.queries, args.nprobes, args.refine)))
        return
    for rows in args.rows:
        command = [sys.executable, __file__, "--child", "--rows", str(rows), "--index", args.index,
                   "--queries", str(args.queries)]
        command += ["--nprobes", str(args.nprobes)] if args.nprobes else []
        command += ["--refine", str(args.refine)] if args.refine else []
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(f"{result['rows']:,} chunks, vector index {result['index']} ({', '.join(result['indexes'])}): "
              f"build {result['write_s'] + result['index_s']:.0f} s (write {result['write_s']:.0f} s, "
              f"indexes {result['index_s']:.0f} s), peak RSS {result['peak_rss_mb']:,.0f} MB, "
              f"{result['disk_mb']:,.0f} MB on disk")
        print(f"  search with the access filter, {args.queries} queries: vector p50 {result['vector_p50_ms']:.1f} ms "
              f"p99 {result['vector_p99_ms']:.1f} ms; full text p50 {result['text_p50_ms']:.1f} ms "
              f"p99 {result['text_p99_ms']:.1f} ms; both legs p50 {result['hybrid_p50_ms']:.1f} ms "
              f"p99 {result['hybrid_p99_ms']:.1f} ms (CPU time of both legs p50 {result['cpu_p50_ms']:.1f} ms "
              f"p99 {result['cpu_p99_ms']:.1f} ms); vector recall@10 vs exact {result['recall_at_10']:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
