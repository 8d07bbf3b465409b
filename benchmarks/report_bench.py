"""`kb report` over 100,000 recorded questions: how long the report takes (the target is under 5 s).

Seeds a fresh index database with a generated question history (tests/fakes/questions.py: real
embeddings of each phrasing, variants nearby, tickets and documents alongside), then times
`build_report` for the 30 days it covers, as `kb report --since 30d --json` runs it, and the HTML
page on top. `--distinct` words every question differently (no exact repeats), the slowest case for
grouping gaps into topics.

    .venv/bin/python benchmarks/report_bench.py [--questions 100000] [--repeat 3] [--distinct] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.analytics.html import render_html  # noqa: E402
from bot.analytics.report import build_report  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.index.embedding import get_embedder  # noqa: E402
from bot.index.store import Store  # noqa: E402
from bot.records.tables import AppTables  # noqa: E402
from tests.fakes.questions import seed_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--distinct", action="store_true", help="no exact repeats among the questions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=folder)
        store = Store(folder)
        started = time.perf_counter()
        seed_history(store, AppTables(folder), get_embedder(settings), questions=args.questions, days=28,
                     distinct=args.distinct)
        seeded = time.perf_counter() - started
        timings, report = [], {}
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = build_report(Store(folder), AppTables(folder), settings, period=timedelta(days=30))
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        page = render_html(report)
        html_seconds = time.perf_counter() - started
    result = {"questions": report["questions"], "gap_topics": len(report["gaps"]), "largest_gap": report["gaps"][0]["count"] if report["gaps"] else 0,
              "distinct": args.distinct, "seed_seconds": round(seeded, 1),
              "report_seconds": [round(t, 3) for t in timings], "report_median": round(statistics.median(timings), 3),
              "html_seconds": round(html_seconds, 3), "html_bytes": len(page.encode())}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['questions']:,} questions recorded over 28 days (seeded in {seeded:.1f}s"
          f"{', every question worded differently' if args.distinct else ''})")
    print(f"build_report (what `kb report --json` runs): median {result['report_median']:.3f}s of "
          f"{', '.join(f'{t:.3f}' for t in timings)}; {result['gap_topics']} gap topics shown, the largest "
          f"{result['largest_gap']} questions")
    print(f"render_html on top: {html_seconds:.3f}s, {result['html_bytes'] / 1000:.0f} kB")


if __name__ == "__main__":
    main()
