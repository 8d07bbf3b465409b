"""Teams follow-up memory cost: one read before each answer, one write after it (bot/conversation/memory.py).

Fills a fresh index database with `--threads` remembered threads (as many as were active in the
last hour), then plays `--answers` answers as the surface does them, in threads picked at random:
`recent` (on the answer path) then `remember` (after the answer is posted). Every `prune_every`
writes the table is pruned and compacted, so the reads see between 0 and 19 uncompacted writes.

    .venv/bin/python benchmarks/memory_bench.py [--threads 2000] [--answers 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.slack_bench import summary  # noqa: E402
from bot.records.memory import ConversationMemory  # noqa: E402
from bot.records.tables import AppTables  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2000, help="Threads remembered before timing starts.")
    parser.add_argument("--answers", type=int, default=200, help="Answers played (a read and a write each).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()

    memory = ConversationMemory(AppTables(tempfile.mkdtemp(prefix="kb-memory-bench-")))
    question = "How do I set up the VPN on my laptop when I'm travelling abroad?"
    for n in range(args.threads):
        memory.remember(f"19:general@thread.tacv2;messageid={n}", question)
    rng = random.Random(0)
    reads, writes = [], []
    for _ in range(args.answers):
        key = f"19:general@thread.tacv2;messageid={rng.randrange(args.threads)}"
        started = time.perf_counter()
        memory.recent(key)
        read = time.perf_counter()
        memory.remember(key, question)
        reads.append((read - started) * 1000)
        writes.append((time.perf_counter() - read) * 1000)

    report = {"threads": args.threads, "answers": args.answers, "read_ms": summary(reads, with_max=True),
              "write_ms": summary(writes, with_max=True)}
    if args.json:
        print(json.dumps(report))
        return
    print(f"{args.threads} threads remembered, {args.answers} answers")
    print(f"recent (before the answer):  p50 {report['read_ms']['p50']} ms, p95 {report['read_ms']['p95']} ms")
    print(f"remember (after the answer): p50 {report['write_ms']['p50']} ms, p95 {report['write_ms']['p95']} ms "
          "(prune and compaction included)")


if __name__ == "__main__":
    main()
