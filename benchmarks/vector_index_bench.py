"""Which vector index, measured: the vector leg alone on synthetic vectors with the access filter on.

    .venv/bin/python benchmarks/vector_index_bench.py [--rows 100000] [--queries 100] [--exact]
        [--indexes hnsw_sq pq pq:refine=10 hnsw_sq:partitions=16,ef=150]

A table of only what the vector leg reads (id, access list, 384-dimensional clustered vectors, made
as benchmarks/scale_bench.py makes them), searched for the 50 nearest with an asker's access filter
(prefilter, as `Store.search_vector` does), in turn: with no index (exact scan) and with a LabelList
index on the access list (`--exact`), then with each vector index `--indexes` names, built with
the parameters given (build time printed). Prints wall-clock and CPU-time p50/p99 per query and recall@10 against the exact
scan under the same filter. CPU time counts all of LanceDB's threads, so other load on the machine
inflates it less than the wall clock.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import lancedb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale_bench import DIMENSION, Synthetic, index_config, percentile  # noqa: E402
from bot.access.model import Access  # noqa: E402


def main() -> None:
    from lancedb.index import LabelList

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--indexes", nargs="+", default=["hnsw_sq", "pq", "pq:refine=10"],
                        help="vector indexes to build in turn, e.g. hnsw_sq:partitions=16,ef=150 (see index_config)")
    parser.add_argument("--exact", action="store_true", help="also time the exact scan, without and with LabelList")
    args = parser.parse_args()
    data = Synthetic()
    folder = tempfile.mkdtemp(prefix="kb-vector-index-")
    try:
        def batch(start: int, n: int) -> pa.Table:
            vectors = data.vectors(n)
            return pa.table({"id": [f"c{start + i}" for i in range(n)], "acl": [data.acl() for _ in range(n)],
                             "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIMENSION)})

        table = lancedb.connect(folder).create_table("chunks", batch(0, min(20_000, args.rows)))
        for start in range(20_000, args.rows, 20_000):
            table.add(batch(start, min(20_000, args.rows - start)))
        where = Access(frozenset({"*", "group:g1", "group:g2", "group:g3", "group:g4"})).where()
        queries = data.vectors(args.queries)

        def search(vector, k: int, exact: bool = False, refine: int | None = None) -> list[str]:  # noqa: ANN001
            query = table.search(vector).distance_type("cosine").limit(k)
            query = query.bypass_vector_index() if exact else query
            query = query.refine_factor(refine) if refine else query
            return [row["id"] for row in query.where(where, prefilter=True).select(["id", "_distance"]).to_list()]

        def measure(name: str, exact: bool = False, refine: int | None = None) -> None:
            walls, cpus = [], []
            for vector in queries:
                cpu, wall = time.process_time(), time.perf_counter()
                search(vector, 50, exact, refine)
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            recall = statistics.mean(len(set(search(v, 10, True)) & set(search(v, 10, exact, refine))) / 10
                                     for v in queries[:30])
            print(f"{args.rows:,} rows, {name}: CPU p50 {statistics.median(cpus):.1f} ms p99 {percentile(cpus, 99):.1f} ms; "
                  f"wall p50 {statistics.median(walls):.1f} ms p99 {percentile(walls, 99):.1f} ms; "
                  f"recall@10 {recall:.3f}", flush=True)

        if args.exact:
            measure("no index (exact scan)", exact=True)
        table.create_index("acl", config=LabelList())
        if args.exact:
            measure("no vector index, LabelList on acl", exact=True)
        for spec in args.indexes:
            name, config, refine = index_config(spec)
            started, cpu = time.perf_counter(), time.process_time()
            table.create_index("vector", config=config, replace=True)
            print(f"{spec}: built in {time.perf_counter() - started:.0f} s ({time.process_time() - cpu:.0f} s CPU)",
                  flush=True)
            measure(spec, refine=refine)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
