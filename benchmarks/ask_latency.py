"""`kb ask` without an LLM: wall and CPU time per question, where the time goes, and every answer.

    .venv/bin/python benchmarks/ask_latency.py QUESTIONS.jsonl --data-dir DIR [--answers OUT.json] [--profile N]

Answers each question of a `kb eval` question set once through the same `AnswerService` the bot
uses, on an existing index, and prints p50/p95 of the wall clock and of the process's CPU time (all
threads: what the answer costs, which other load on a shared machine inflates less than wall time).
The model and the policy are loaded before the clock starts, as in a running bot.

`--answers` writes each answer (text, citations, flags) as JSON, so a change meant to be faster can
be shown to change no answer: run before and after and compare the files. `--profile N` prints the
N functions with the most cumulative time under cProfile (which slows the run: take the times from a
run without it).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings  # noqa: E402
from bot.evaluation import load_jsonl  # noqa: E402
from bot.runtime import Runtime  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", required=True, help="an index built by `kb sync` (only read)")
    parser.add_argument("--answers", type=Path, help="write every answer here as JSON")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cProfile)")
    args = parser.parse_args()

    rt = Runtime(Settings(data_dir=args.data_dir))
    service = rt.answers
    rt.embedder.embed_queries(["warm up"])  # model load, not per-question cost
    _ = rt.policy
    questions = load_jsonl(args.questions)
    profiler = cProfile.Profile() if args.profile else None
    walls, cpus, answers = [], [], []
    for item in questions:
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        answer = service.answer(item["question"])
        if profiler:
            profiler.disable()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        answers.append({"id": item.get("id"), "text": answer.text, "no_answer": answer.no_answer,
                        "escalated": answer.escalated, "category": answer.category,
                        "citations": [citation.to_json() for citation in answer.citations]})
    print(f"{len(questions)} questions: wall p50 {statistics.median(walls) * 1000:.0f} ms, "
          f"p95 {percentile(walls, 95) * 1000:.0f} ms; CPU p50 {statistics.median(cpus) * 1000:.0f} ms, "
          f"p95 {percentile(cpus, 95) * 1000:.0f} ms (all threads)")
    if args.answers:
        args.answers.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
