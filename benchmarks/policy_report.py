"""Print how the regulated-topic policy classifies question sets, and tune it on its own examples.

    .venv/bin/python benchmarks/policy_report.py /work/shared/eval/18f/questions.jsonl examples/questions.jsonl
    .venv/bin/python benchmarks/policy_report.py --tune

A questions file uses the `kb eval` format: `expect` is escalate / answer / no_answer and escalate
items carry a `category`. The report is the policy alone (no retrieval), so it needs no index: a
confusion matrix of expected category (answer and no_answer count as none) against the decision,
escalation precision and recall, and the items it got wrong with the reason (rule, classifier
score, signals). `--tune` searches thresholds by leave-one-out over the policy file's own
examples only: evaluation sets are for measuring, never for fitting.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from bot.index.embedding import get_embedder  # noqa: E402
from bot.policy.classifier import ExampleClassifier  # noqa: E402
from bot.policy.policy_file import PolicyFile, Thresholds, load_policy_file  # noqa: E402
from bot.policy.regulated import RegulatedTopicPolicy  # noqa: E402
from bot.policy.rules import match_rules  # noqa: E402
from bot.policy.signals import normalize, signals  # noqa: E402


def confusion(expected: list[str], predicted: list[str], labels: list[str]) -> str:
    counts = Counter(zip(expected, predicted))
    width = max(len(label) for label in labels) + 2
    lines = ["expected \\ predicted".ljust(width + 4) + "".join(label[:11].rjust(12) for label in labels)]
    for row in labels:
        if not any(e == row for e in expected):
            continue
        lines.append(row.ljust(width + 4) + "".join(str(counts[(row, col)] or ".").rjust(12) for col in labels))
    return "\n".join(lines)


def scores(expected: list[str], predicted: list[str]) -> dict[str, float | int | None]:
    flagged = [e for e, p in zip(expected, predicted) if p != "none"]
    positives = [p for e, p in zip(expected, predicted) if e != "none"]
    true = sum(1 for e, p in zip(expected, predicted) if e != "none" and p != "none")
    return {"escalate_items": len(positives), "flagged": len(flagged),
            "precision": round(true / len(flagged), 4) if flagged else None,
            "recall": round(true / len(positives), 4) if positives else None,
            "category_accuracy": round(sum(1 for e, p in zip(expected, predicted) if e != "none" and e == p)
                                       / len(positives), 4) if positives else None}


def report(policy: RegulatedTopicPolicy, path: Path, show_errors: bool) -> dict:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    expected, predicted, errors = [], [], []
    for item in items:
        want = item.get("category") or "unknown" if item.get("expect") == "escalate" else "none"
        judgement = policy.judge(item["question"])
        got = judgement.decision.category if judgement.decision else "none"
        expected.append(want)
        predicted.append(got)
        if (want == "none") != (got == "none"):
            v = judgement.verdict
            why = judgement.source + (f" score={v.score:+.3f} adv={v.advice_similarity:.3f} log={v.logistics_similarity:.3f} "
                                      f"{v.signals}" if v else "")
            errors.append(f"  {item.get('id')}: expected {want}, got {got} ({why})")
    labels = [*policy.policy.categories, "none"]
    print(f"\n== {path} ({len(items)} questions)")
    print(confusion(expected, predicted, labels))
    result = scores(expected, predicted)
    print(json.dumps(result))
    if show_errors and errors:
        print("misclassified (ids only; the questions stay in the file):")
        print("\n".join(errors))
    return result


def tune(policy_file: PolicyFile) -> None:
    """Leave-one-out over the policy file's examples: each example judged with itself held out."""
    embedder = get_embedder(Settings())
    classifier = ExampleClassifier(policy_file, embedder)
    texts = [normalize(text) for text in classifier.texts]
    sims = classifier.vectors @ classifier.vectors.T
    truth = [label or "none" for label in classifier.labels]
    ruled = [match_rules(text, policy_file) for text in texts]
    stances = [signals(text, policy_file.signals) for text in texts]
    # The similarity part depends only on k: compute it once per k, then sweep the weights over it.
    parts: dict[int, list[tuple[str, float, float]]] = {}
    for neighbours in (3, 5, 7):
        classifier.policy = PolicyFile(**{**policy_file.__dict__, "thresholds": Thresholds(
            neighbours=neighbours, escalate_at=0.0, min_similarity=policy_file.thresholds.min_similarity)})
        parts[neighbours] = []
        for index, text in enumerate(texts):
            verdict = classifier.judge(text, sims[index], exclude=index)
            parts[neighbours].append((verdict.category, verdict.advice_similarity, verdict.logistics_similarity))
    best = None
    for neighbours, escalate_at, judgement, situation, process in itertools.product(
            (3, 5, 7), (-0.08, -0.06, -0.04, -0.02, 0.0, 0.02, 0.04), (0.0, 0.04, 0.08, 0.12), (0.0, 0.03, 0.06, 0.09),
            (0.0, 0.05, 0.1, 0.15)):
        weights = {"judgement": judgement, "situation": situation, "process": process}
        predicted = []
        for index, (category, advice, logistics) in enumerate(parts[neighbours]):
            if ruled[index] is not None:
                predicted.append(ruled[index].category)
                continue
            score = advice - logistics + stances[index].score(weights)
            escalate = score >= escalate_at and advice >= policy_file.thresholds.min_similarity
            predicted.append(category if escalate else "none")
        result = scores(truth, predicted)
        recall, precision = result["recall"] or 0.0, result["precision"] or 0.0
        # F1: own examples are cleaner than real questions, so a recall bonus here buys false alarms there.
        objective = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
        if best is None or objective > best[0]:
            best = (objective, neighbours, escalate_at, judgement, situation, process, result, predicted)
    assert best is not None
    _, neighbours, escalate_at, judgement, situation, process, result, predicted = best
    print(f"best (leave-one-out on {len(texts)} own examples): neighbours={neighbours} escalate_at={escalate_at} "
          f"weights=judgement:{judgement} situation:{situation} process:{process}")
    print(json.dumps(result))
    print(confusion(truth, predicted, [*policy_file.categories, "none"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", nargs="*", type=Path, help="questions.jsonl files (kb eval format)")
    parser.add_argument("--policy-file", default=os.environ.get("KB_POLICY_FILE", ""))
    parser.add_argument("--tune", action="store_true", help="search thresholds on the policy file's own examples")
    parser.add_argument("--errors", action="store_true", help="list misclassified item ids with the reason")
    args = parser.parse_args()
    policy_file = load_policy_file(args.policy_file or None)
    if args.tune:
        tune(policy_file)
    if args.questions:
        policy = RegulatedTopicPolicy(policy_file, get_embedder(Settings()))
        for path in args.questions:
            report(policy, path, args.errors)


if __name__ == "__main__":
    main()
