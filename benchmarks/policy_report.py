"""Print how the regulated-topic policy classifies question sets, and tune it on its own examples.

    .venv/bin/python benchmarks/policy_report.py /work/shared/eval/18f/questions.jsonl examples/questions.jsonl
    .venv/bin/python benchmarks/policy_report.py --tune --tune-with benchmarks/data/policy_dev_sourcegraph.jsonl

A questions file uses the `kb eval` format: `expect` is escalate / answer / no_answer and escalate
items carry a `category`. The report is the policy alone (no retrieval), so it needs no index: a
confusion matrix of expected category (answer and no_answer count as none) against the decision,
escalation precision and recall, and the items it got wrong with the reason (rule, classifier
score, signals). `--tune` searches k, the threshold and the signal weights for the best mean F1
of leave-one-out over the policy file's own examples and of any development sets given with
`--tune-with`: evaluation (frozen) sets are for measuring, never for fitting.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from bot.index.embedding import get_embedder  # noqa: E402
from bot.policy.classifier import ExampleClassifier, escalates, held_out_probabilities  # noqa: E402
from bot.policy.policy_file import PolicyFile, Thresholds, load_policy_file  # noqa: E402
from bot.policy.regulated import RegulatedTopicPolicy, vector_cache  # noqa: E402
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


def load_items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_category(item: dict) -> str:
    """The category an item should be escalated to, or "none" (answer and no_answer alike)."""
    return item.get("category") or "unknown" if item.get("expect") == "escalate" else "none"


def report(policy: RegulatedTopicPolicy, path: Path, show_errors: bool) -> dict:
    items = load_items(path)
    wanted, predicted, errors = [], [], []
    for item in items:
        want = expected_category(item)
        judgement = policy.judge(item["question"])
        got = judgement.decision.category if judgement.decision else "none"
        wanted.append(want)
        predicted.append(got)
        if (want == "none") != (got == "none"):
            v = judgement.verdict
            why = judgement.source + (f" score={v.score:+.3f} adv={v.advice_similarity:.3f} "
                                      f"log={v.logistics_similarity:.3f} lin={v.linear:.2f} words={v.wording:.2f} "
                                      f"{v.signals}" if v else "")
            errors.append(f"  {item.get('id')}: expected {want}, got {got} ({why})")
    labels = [*policy.policy.categories, "none"]
    print(f"\n== {path} ({len(items)} questions)")
    print(confusion(wanted, predicted, labels))
    result = scores(wanted, predicted)
    print(json.dumps(result))
    if show_errors and errors:
        print("misclassified (ids only; the questions stay in the file):")
        print("\n".join(errors))
    return result


@dataclass
class TuningGroup:
    """Questions judged for tuning, with the parts of the score that do not depend on the weights."""

    name: str
    truth: list[str]
    ruled: list[str | None]
    category: dict[int, np.ndarray]
    similarity: dict[int, np.ndarray]
    """advice minus logistics similarity per k."""
    advice: dict[int, np.ndarray]
    stance: np.ndarray
    """Rows: questions; columns: SIGNS order (judgement, situation, process, impersonal)."""
    own_case: np.ndarray
    """1 where the question asks for a judgement on the asker's own case in so many words (its weight is
    the policy file's, not searched; it also lifts the `min_margin` floor)."""
    linear: np.ndarray
    """The global view's weighted term in the score (the policy file's `linear` weight)."""


SIGNS = {"judgement": 1.0, "situation": 1.0, "process": -1.0, "impersonal": -1.0}
NEIGHBOURS = (3, 5, 7)


def tuning_group(name: str, classifier: ExampleClassifier, policy_file: PolicyFile, texts: list[str],
                 truth: list[str], sims: np.ndarray, linear: np.ndarray, leave_one_out: bool) -> TuningGroup:
    """Judge `texts` once per k (with each one held out of the examples when they are the examples).

    `linear` is each question's advice probability from the classifier's global view (for the examples,
    from fits that did not see them); like own_case, its weight is the policy file's, not searched."""
    category, similarity, advice = {}, {}, {}
    for neighbours in NEIGHBOURS:
        classifier.policy = PolicyFile(**{**policy_file.__dict__, "thresholds": Thresholds(
            neighbours=neighbours, escalate_at=0.0, min_similarity=policy_file.thresholds.min_similarity,
            linear=policy_file.thresholds.linear)})
        verdicts = [classifier.judge(text, sims[index], float(linear[index]), exclude=index if leave_one_out else None)
                    for index, text in enumerate(texts)]
        category[neighbours] = np.array([v.category for v in verdicts])
        similarity[neighbours] = np.array([v.margin for v in verdicts])
        advice[neighbours] = np.array([v.advice_similarity for v in verdicts])
    classifier.policy = policy_file
    ruled = [(match.category if (match := match_rules(text, policy_file)) else None) for text in texts]
    stances = [signals(text, policy_file.signals) for text in texts]
    stance = np.array([[getattr(found, kind) for kind in SIGNS] for found in stances], dtype=np.float32)
    own_case = np.array([found.own_case for found in stances], dtype=np.float32)
    return TuningGroup(name, truth, ruled, category, similarity, advice, stance, own_case,
                       policy_file.thresholds.linear * (np.asarray(linear, dtype=np.float32) - 0.5))


def tune(policy_file: PolicyFile, extra: list[Path]) -> None:
    """Search k, the threshold and the signal weights for the best mean F1 over the tuning groups.

    The groups are the policy file's own examples (leave-one-out: each judged with itself held out)
    and any development sets given with --tune-with. Evaluation sets are for measuring, never for
    fitting: never pass a frozen set here. The search judges without the wording view (its `wording`
    and `wording_floor` were picked on leave-one-set-out figures over every set, docs/escalation.md).
    """
    embedder = get_embedder(Settings())
    policy_file = replace(policy_file, labelled=())  # the search is over the examples (leave-one-out) and given sets
    classifier = ExampleClassifier(policy_file, embedder)
    texts = [normalize(text) for text in classifier.texts]
    groups = [tuning_group("own examples (leave-one-out)", classifier, policy_file, texts,
                           [label or "none" for label in classifier.labels], classifier.vectors @ classifier.vectors.T,
                           held_out_probabilities(classifier.vectors, classifier.labels != ""), leave_one_out=True)]
    for path in extra:
        items = load_items(path)
        questions = [normalize(item["question"]) for item in items]
        groups.append(tuning_group(str(path), classifier, policy_file, questions, [expected_category(item) for item in items],
                                   *classifier.views(questions), leave_one_out=False))
    own_weight = policy_file.thresholds.weights.get("own_case", 0.0)
    best = None
    grid = itertools.product(NEIGHBOURS, (-0.1, -0.08, -0.06, -0.04, -0.02, 0.0, 0.02, 0.04), (0.0, 0.04, 0.08, 0.12),
                             (0.0, 0.03, 0.06, 0.09), (0.0, 0.05, 0.1, 0.15), (0.0, 0.03, 0.06, 0.09))
    for neighbours, escalate_at, *weights in grid:
        signed = np.array([w * sign for w, sign in zip(weights, SIGNS.values())], dtype=np.float32)
        results, predictions = [], []
        for group in groups:
            score = group.similarity[neighbours] + group.stance @ signed + own_weight * group.own_case + group.linear
            escalate = escalates(replace(policy_file.thresholds, escalate_at=escalate_at), score,
                                 group.advice[neighbours], group.similarity[neighbours], group.own_case)
            predicted = [ruled or (str(category) if flag else "none") for ruled, category, flag
                         in zip(group.ruled, group.category[neighbours], escalate)]
            results.append(scores(group.truth, predicted))
            predictions.append(predicted)
        # F1: own examples are cleaner than real questions, so a recall bonus here buys false alarms there.
        objective = float(np.mean([f1(result) for result in results]))
        if best is None or objective > best[0]:
            best = (objective, neighbours, escalate_at, weights, results, predictions)
    assert best is not None
    _, neighbours, escalate_at, weights, results, predictions = best
    print(f"best (mean F1 over {len(groups)} group(s)): neighbours={neighbours} escalate_at={escalate_at} weights="
          + " ".join(f"{kind}:{weight}" for kind, weight in zip(SIGNS, weights)))
    for group, result, predicted in zip(groups, results, predictions):
        print(f"\n-- {group.name}\n{json.dumps(result)}")
        print(confusion(group.truth, predicted, [*policy_file.categories, "none"]))


def f1(result: dict[str, float | int | None]) -> float:
    recall, precision = float(result["recall"] or 0.0), float(result["precision"] or 0.0)
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", nargs="*", type=Path, help="questions.jsonl files (kb eval format)")
    parser.add_argument("--policy-file", default=os.environ.get("KB_POLICY_FILE", ""))
    parser.add_argument("--tune", action="store_true", help="search thresholds on the policy file's own examples")
    parser.add_argument("--tune-with", nargs="*", type=Path, default=[],
                        help="development sets tuned on too (never a frozen evaluation set)")
    parser.add_argument("--errors", action="store_true", help="list misclassified item ids with the reason")
    args = parser.parse_args()
    policy_file = load_policy_file(args.policy_file or None)
    if args.tune:
        tune(policy_file, args.tune_with)
    if args.questions:
        settings = Settings()
        embedder, cache = get_embedder(settings), vector_cache(settings.embed_cache_dir)
        for path in args.questions:
            # Each set is judged by a classifier that never saw its questions (the labelled pool holds them).
            report(RegulatedTopicPolicy(policy_file.leaving_out(path.stem), embedder, cache_dir=cache), path, args.errors)


if __name__ == "__main__":
    main()
