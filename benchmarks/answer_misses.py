"""Print why answer questions miss their key phrase, on an index already built.

    .venv/bin/python benchmarks/answer_misses.py ../shared/eval/18f/questions.jsonl --data-dir .kb-eval

`kb eval`'s answer_contains says how often the cited snippets show the fact; this says where each
miss comes from, so work goes to the stage that loses it:

- quote: the phrase is in a chunk kb cited, but the quote left it out;
- section: the phrase is in the cited section, but not in the retrieved chunk;
- ranking: the phrase is in a retrieved chunk that was not quoted;
- retrieval: no retrieved chunk holds it;
- not found / escalated: kb gave no citations at all.

A miss by quote, section, ranking or retrieval also says where the gold page (the item's `gold`)
stood: the answer led with it, cited it lower, retrieved it among its top five documents without
citing it, or not at all. "Led" and "cited" misses are lost in the choice among the page's chunks.

Each miss prints the question, the phrases and what was quoted; the totals come last. `--all`
prints the hits too, and `--length` the quotes' length in characters (the chat-message budget)
and how many sources an answer lists.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import evaluation  # noqa: E402
from bot.answer.compose import word_key  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.runtime import Runtime  # noqa: E402


def _has(phrases: list[str], text: str) -> bool:
    return evaluation.contains(phrases, text)


def _gold_page(gold: list[str], citations, results) -> str:  # noqa: ANN001 - Citation and Result lists
    """Where the gold page stood in one answer: led, cited (lower), retrieved (top five documents, not
    cited), absent, or unknown (the item names no gold page)."""
    if not gold:
        return "unknown"
    if citations and citations[0].path in gold:
        return "led"
    if any(citation.path in gold for citation in citations):
        return "cited"
    documents = list(dict.fromkeys(result.path for result in results))[:5]
    return "retrieved" if any(path in gold for path in documents) else "absent"


def _repeats(citations) -> bool:  # noqa: ANN001 - a Citation list
    """Whether one quote of the answer is held whole by another (copied pages quoted twice)."""
    words = [word_key(citation.snippet) for citation in citations]
    return any(a in b for i, a in enumerate(words) for j, b in enumerate(words) if i != j and a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--all", action="store_true", help="print the questions whose quote holds the phrase too")
    parser.add_argument("--length", action="store_true", help="print the answers' length in characters")
    args = parser.parse_args()
    runtime = Runtime(Settings(data_dir=args.data_dir))
    service = runtime.answers
    causes: Counter[str] = Counter()
    pages: Counter[str] = Counter()
    lengths: list[int] = []
    sources: list[int] = []
    repeated = 0
    for item in evaluation.load_jsonl(args.questions):
        phrases = item.get("answer_contains") or []
        if item.get("expect", "answer") != "answer" or not phrases:
            continue
        answer = service.answer(item["question"])
        lengths.append(len(answer.text))
        if answer.citations and not answer.no_answer:
            sources.append(len(answer.citations))
            repeated += _repeats(answer.citations)
        quoted = " ".join(citation.snippet for citation in answer.citations)
        if _has(phrases, quoted):
            cause = "hit"
        elif answer.escalated or answer.no_answer:
            cause = "escalated" if answer.escalated else "not found"
        else:
            results = service.relevant(item["question"])
            cited = {citation.url for citation in answer.citations}
            in_cited = [r for r in results if r.link in cited and _has(phrases, r.text)]
            sections = [runtime.store.section_text(r.doc_id, r.section) for r in results if r.link in cited]
            if in_cited:
                cause = "quote"
            elif any(_has(phrases, text) for text in sections):
                cause = "section"
            elif any(_has(phrases, r.text) for r in results):
                cause = "ranking"
            else:
                cause = "retrieval"
            page = _gold_page(item.get("gold") or [], answer.citations, results)
            pages[page] += 1
        causes[cause] += 1
        if cause != "hit" or args.all:
            where = f", gold page {page}" if cause in ("quote", "section", "ranking", "retrieval") else ""
            print(f"--- {item.get('id')} [{cause}{where}] {item['question']}")
            print(f"    want: {phrases}")
            for number, citation in enumerate(answer.citations[:3], start=1):
                print(f"    [{number}] {citation.path} › {citation.section}: {citation.snippet[:600]}")
    total = sum(causes.values())
    print("\n" + ", ".join(f"{cause} {count}" for cause, count in causes.most_common()) + f" (of {total})")
    if pages:
        print("where the gold page stood in those missed by quote, section, ranking or retrieval: "
              + ", ".join(f"{page} {count}" for page, count in pages.most_common()))
    if args.length and lengths:
        lengths.sort()
        print(f"answer length: median {statistics.median(lengths):.0f} chars, "
              f"p90 {lengths[int(0.9 * (len(lengths) - 1))]}, max {lengths[-1]}")
    if args.length and sources:
        print(f"sources per answered question: {statistics.mean(sources):.2f} ({len(sources)} answered), "
              f"{repeated} showing a quote another of its sources holds word for word")


if __name__ == "__main__":
    main()
