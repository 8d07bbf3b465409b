"""Search at scale: synthetic chunk indexes of 100k and 1M rows, searched with the access filter on.

    .venv/bin/python benchmarks/scale_bench.py [--rows 100000 1000000] [--index production] [--queries 200]
        [--compare-acl]

Each size runs in a child process of its own, so its peak memory is its own. The index is written
and indexed by kb's own Store (chunk schema, `Store.optimize`: full text, LabelList on the access
lists, the vector index), in Arrow batches of 100k rows so the build never holds the corpus; then both legs of a
hybrid search run with an asker's access filter (`array_has_any(acl, ...)` from bot.access): one after the other
(`Store.search_vector`, `Store.search_text`), which times each leg, and side by side as `kb ask` runs them
(`Store.search_both`). Prints build time (writing, then each index, with
CPU time), peak RSS, size on disk, p50/p99 of each leg and of both together (wall clock, and the CPU
time of the process's threads, which other load on the machine does not inflate as much), and the
vector leg's recall@10 against exact search under the same filter; `--compare-acl` searches again
after dropping the access-list index.

The synthetic data: texts of 40 to 240 words (chunks are cut at 200 word pieces) drawn with Zipf
frequencies from the words of examples/runbooks; 384-dimensional unit vectors clustered around
2,048 centres (real embeddings cluster; uniform random vectors would be an unrealistically hard
case for an IVF index); access lists: 70% everyone ("*"), the rest one to three of 200 groups;
stored sentence vectors of 2 to 8 sentences a chunk (3.6 KB on average on 18F and Sourcegraph),
drawn from a pool of random blobs: a search reads them with each result.
Query vectors come from the same clusters, query texts have 3 to 6 words, and each is asked by
someone in "*" and four groups.

`--index` picks the vector index: production (what `Store.optimize` builds), flat (none: exact
scan), or a spec `index_config` reads (sq, pq:refine=10, hnsw_sq:partitions=16,ef=150).
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
from bot.index.store import FULL_TEXT_INDEX, Store, chunk_schema  # noqa: E402
from lancedb.index import LabelList  # noqa: E402

DIMENSION = 384
BATCH = 100_000
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
        self.word_cdf = np.cumsum(self.word_p)
        self.word_list = self.words.tolist()
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
        # Zipf draws by inverse CDF: a weighted rng.choice over millions of words was most of the build
        picks = np.searchsorted(self.word_cdf, self.rng.random(int(lengths.sum())), side="right")
        words = [self.word_list[i] for i in np.minimum(picks, len(self.word_list) - 1).tolist()]
        ends = np.cumsum(lengths).tolist()
        return [" ".join(words[end - length : end]) for end, length in zip(ends, lengths.tolist())]

    def sentence_blobs(self, n: int, pool: int = 1_000) -> list[bytes]:
        """Blobs the size of `bot.index.sentence_vectors.pack`'s (header, then float16 rows)."""
        if not hasattr(self, "_blobs"):
            self._blobs = [b"kbs1" + bytes(4) + self.rng.normal(size=(int(k), DIMENSION)).astype(np.float16).tobytes()
                           for k in self.rng.integers(2, 9, pool)]
        return [self._blobs[i] for i in self.rng.integers(0, len(self._blobs), n)]

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
            "sentences": self.sentence_blobs(n),
        }
        return pa.table(columns, schema=schema)


def index_config(spec: str) -> tuple[str, object, int | None]:
    """"hnsw_sq", "pq" or "sq", with options after a colon: "hnsw_sq:partitions=16,m=16,ef=150",
    "pq:refine=10" (ef: HNSW's ef_construction; refine: the query's refine_factor)."""
    from lancedb.index import IvfHnswSq, IvfPq, IvfSq

    kind, _, rest = spec.partition(":")
    options = {key: int(value) for key, value in (item.split("=") for item in rest.split(",") if item)}
    refine = options.pop("refine", None)
    names = {"partitions": "num_partitions", "ef": "ef_construction", "m": "m", "sub_vectors": "num_sub_vectors"}
    settings = {names[key]: value for key, value in options.items()}
    config = {"hnsw_sq": IvfHnswSq, "pq": IvfPq, "sq": IvfSq}[kind](distance_type="cosine", **settings)
    return kind, config, refine


def run_size(rows: int, index: str, queries: int, nprobes: int | None, refine: int | None,
             compare_acl: bool) -> dict:
    data = Synthetic()
    report: dict = {"rows": rows, "index": index}
    with tempfile.TemporaryDirectory(prefix="kb-scale-") as folder:
        store = Store(folder, read_consistency=None)
        schema = chunk_schema(DIMENSION)
        table = store.table("chunks", schema)
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, rows, BATCH):
            table.add(data.batch(start, min(BATCH, rows - start), schema))
        report["write_s"], report["write_cpu_s"] = time.perf_counter() - started, time.process_time() - cpu

        builds: dict[str, float] = {}
        create = table.create_index

        def timed_create(column: str, *args, config=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
            if column == "vector" and index != "production":
                config = index_config(index)[1]
            began = time.process_time()
            create(column, *args, config=config, **kwargs)
            builds[column] = time.process_time() - began

        table.create_index = timed_create  # each index's build time, whoever builds it
        started, cpu = time.perf_counter(), time.process_time()
        if index == "flat":
            table.create_index("search_text", config=FULL_TEXT_INDEX)
            table.create_index("acl", config=LabelList())
            table.optimize()
        else:
            store.optimize()  # what a sync ends with: full text, access lists, the vector index past 50k rows
        report["index_s"], report["index_cpu_s"] = time.perf_counter() - started, time.process_time() - cpu
        report["builds_cpu_s"] = builds
        report["indexes"] = sorted(index.name for index in store.chunks.list_indices())
        report["disk_mb"] = sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file()) / 2**20
        report["build_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        refine = refine or (index_config(index)[2] if index not in ("production", "flat") else None)

        where = Access(frozenset({"*", "group:g1", "group:g2", "group:g3", "group:g4"})).where()
        query_vectors = data.vectors(queries)
        texts = data.texts(queries, 3, 7)
        chunks = store.chunks

        def vector_leg(vector: np.ndarray) -> list:
            if not (nprobes or refine):
                return [hit.row for hit in store.search_vector(vector, 50, where)]  # as `kb ask` runs it
            query = chunks.search(vector, vector_column_name="vector").distance_type("cosine").limit(50)
            query = query.nprobes(nprobes) if nprobes else query
            query = query.refine_factor(refine) if refine else query
            return query.where(where, prefilter=True).select(["id", "_distance"]).to_list()

        def measure(label: str) -> None:
            times: dict[str, list[float]] = {name: [] for name in ("vector", "text", "hybrid", "vector_cpu", "text_cpu",
                                                                   "cpu", "together", "together_cpu")}
            for vector, text in zip(query_vectors, texts):
                cpu, started = time.process_time(), time.perf_counter()
                vector_leg(vector)
                middle_cpu, middle = time.process_time(), time.perf_counter()
                store.search_text(text, 50, where)
                ended_cpu, ended = time.process_time(), time.perf_counter()
                if not (nprobes or refine):
                    store.search_both(vector, text, 50, where)  # the pair as `kb ask` runs it: legs side by side
                both_cpu, both = time.process_time(), time.perf_counter()
                # CPU time: all of LanceDB's threads, the work itself whatever else loads the machine
                for name, value in (("vector", middle - started), ("text", ended - middle), ("hybrid", ended - started),
                                    ("vector_cpu", middle_cpu - cpu), ("text_cpu", ended_cpu - middle_cpu),
                                    ("cpu", ended_cpu - cpu), ("together", both - ended),
                                    ("together_cpu", both_cpu - ended_cpu)):
                    times[name].append(value * 1000)
            for name, values in times.items():
                report[f"{label}{name}_p50_ms"] = statistics.median(values)
                report[f"{label}{name}_p99_ms"] = percentile(values, 99)

        measure("")
        recalls = []
        for vector in query_vectors[:50]:
            found = [row["id"] for row in vector_leg(vector)[:10]]
            exact = (chunks.search(vector, vector_column_name="vector").distance_type("cosine").limit(10)
                     .where(where, prefilter=True).bypass_vector_index().select(["id"]).to_list())
            truth = {row["id"] for row in exact}
            recalls.append(len(truth & set(found)) / max(len(truth), 1))
        report["recall_at_10"] = statistics.mean(recalls)
        if compare_acl:
            chunks.drop_index("acl_idx")
            measure("no_acl_index_")
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def summary(result: dict, label: str = "") -> str:
    def leg(name: str) -> str:
        return (f"p50 {result[f'{label}{name}_p50_ms']:.1f} ms p99 {result[f'{label}{name}_p99_ms']:.1f} ms "
                f"(CPU p50 {result[f'{label}{name}_cpu_p50_ms']:.1f} p99 {result[f'{label}{name}_cpu_p99_ms']:.1f})")

    together = (f"; both legs side by side, as `kb ask` runs them, p50 {result[f'{label}together_p50_ms']:.1f} ms "
                f"p99 {result[f'{label}together_p99_ms']:.1f} ms (CPU p50 {result[f'{label}together_cpu_p50_ms']:.1f} "
                f"p99 {result[f'{label}together_cpu_p99_ms']:.1f})") if result[f"{label}together_p50_ms"] > 0 else ""
    return (f"vector {leg('vector')}; full text {leg('text')}; both legs one after the other p50 "
            f"{result[f'{label}hybrid_p50_ms']:.1f} ms p99 {result[f'{label}hybrid_p99_ms']:.1f} ms (CPU p50 "
            f"{result[f'{label}cpu_p50_ms']:.1f} p99 {result[f'{label}cpu_p99_ms']:.1f}){together}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--index", default="production",
                        help="production (what Store.optimize builds), flat (none), or a vector index spec: "
                             "sq, pq:refine=10, hnsw_sq:partitions=16,ef=150 (see index_config)")
    parser.add_argument("--nprobes", type=int, default=None, help="partitions searched (LanceDB's default if unset)")
    parser.add_argument("--refine", type=int, default=None, help="refine_factor: re-rank this many times k exactly")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--compare-acl", action="store_true", help="search again without the LabelList index on acl")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_size(args.rows[0], args.index, args.queries, args.nprobes, args.refine, args.compare_acl)))
        return
    for rows in args.rows:
        command = [sys.executable, __file__, "--child", "--rows", str(rows), "--index", args.index,
                   "--queries", str(args.queries)]
        command += ["--nprobes", str(args.nprobes)] if args.nprobes else []
        command += ["--refine", str(args.refine)] if args.refine else []
        command += ["--compare-acl"] if args.compare_acl else []
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        builds = ", ".join(f"{column} {seconds:.0f} s" for column, seconds in result["builds_cpu_s"].items())
        print(f"{result['rows']:,} chunks, vector index {result['index']} ({', '.join(result['indexes'])}): "
              f"build {result['write_s'] + result['index_s']:.0f} s (write {result['write_s']:.0f} s, "
              f"{result['write_cpu_s']:.0f} s CPU; indexes {result['index_s']:.0f} s, {result['index_cpu_s']:.0f} s CPU: "
              f"{builds}), peak RSS {result['build_peak_rss_mb']:,.0f} MB building, {result['peak_rss_mb']:,.0f} MB "
              f"in all, {result['disk_mb']:,.0f} MB on disk")
        print(f"  {args.queries} queries with the access filter: {summary(result)}; "
              f"vector recall@10 vs exact {result['recall_at_10']:.3f}", flush=True)
        if args.compare_acl:
            print(f"  without the LabelList index on acl: {summary(result, 'no_acl_index_')}", flush=True)


if __name__ == "__main__":
    main()
