"""Measure "topic coherence" variants of the example classifier (issue 15, part 2).

    .venv/bin/python benchmarks/policy_topic.py                      # development data only
    .venv/bin/python benchmarks/policy_topic.py --measure FILE ...   # add measure-only sets (no tuning on them)

A question's *topic* is the category whose examples, advice and logistics together, it sits nearest
to (mean of the k nearest). When the advice side's best category is another one, the question matched
advice by its shape, not its topic. Variants, all on the policy file's current k, weights and threshold:

- base: the classifier as it is (advice of the best category minus logistics/ordinary);
- a (require): escalate only when the best advice category is the topic;
- b1 (within topic): score the advice of the topic category (minus logistics/ordinary as before);
- b2 (within topic, own logistics): advice of the topic minus logistics of the topic and ordinary;
- c (penalty w): subtract w from the score on a mismatch; w picked by the development data.
- d (ordinary is a topic): as a, and the topic category must be nearer than the ordinary examples;
- e (wider search): c with the topic read from all examples or logistics only, over 1-20 neighbours.

Development data (what a variant and its weight may be picked by): leave-one-out over the policy
file's own examples and benchmarks/data/policy_dev_sourcegraph.jsonl. Files given with --measure are
printed, never searched over.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from bot.index.embedding import get_embedder  # noqa: E402
from bot.policy.classifier import ExampleClassifier, _top_mean, escalates, held_out_probabilities  # noqa: E402
from bot.policy.policy_file import Thresholds, load_policy_file  # noqa: E402
from bot.policy.rules import match_rules  # noqa: E402
from bot.policy.signals import normalize, signals  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from policy_report import expected_category, f1, load_items, scores  # noqa: E402

DEVELOPMENT = Path(__file__).resolve().parent / "data" / "policy_dev_sourcegraph.jsonl"
TOPIC_NEIGHBOURS = (1, 3, 5, 10, 20)
TOPIC_SIDES = ("examples", "logistics")
"""A topic is read from a category's advice and logistics examples together, or from its logistics alone."""


def example_topics(classifier: ExampleClassifier) -> np.ndarray:
    """The category each of the classifier's examples is on (advice or logistics), "" for ordinary ones.

    The classifier lists every category's advice, then every category's logistics, then the ordinary
    examples (its `texts`); this follows the same order and checks it.
    """
    categories = classifier.policy.categories.values()
    topics = [c.name for c in categories for _ in c.advice] + [c.name for c in categories for _ in c.logistics]
    topics += [""] * len(classifier.policy.none)
    texts = [t for c in categories for t in c.advice] + [t for c in categories for t in c.logistics]
    assert texts + list(classifier.policy.none) == classifier.texts, "the classifier's example order changed"
    return np.array(topics)


def parts(classifier: ExampleClassifier, texts: list[str], sims: np.ndarray, linear: np.ndarray, loo: bool) -> list[dict]:
    """Per question: the similarity parts every variant needs (advice k from the policy file), and the
    global view's weighted term (`linear`: advice probabilities, held out for the examples)."""
    policy = classifier.policy
    k = max(1, policy.thresholds.neighbours)
    advice_mask = classifier.labels != ""
    topic_of_example = example_topics(classifier)
    rows = []
    for index, text in enumerate(texts):
        row = sims[index].copy()
        if loo:
            row[index] = -np.inf
        advice = {c: _top_mean(row[classifier.labels == c], k) for c in classifier.categories}
        topics = {}
        for side in TOPIC_SIDES:
            side_mask = np.ones_like(advice_mask) if side == "examples" else ~advice_mask
            for topic_k in TOPIC_NEIGHBOURS:
                near = {c: _top_mean(row[(topic_of_example == c) & side_mask], topic_k) for c in classifier.categories}
                topics[(side, topic_k)] = max(near, key=near.get)
                if (side, topic_k) == ("examples", k):
                    topic_similarity = near
        own_logistics = {c: _top_mean(row[((topic_of_example == c) & ~advice_mask) | (topic_of_example == "")], k)
                         for c in classifier.categories}
        rule = match_rules(text, policy)
        stance = signals(text, policy.signals)
        rows.append({"advice": advice, "topics": topics, "topic": topic_similarity, "own_logistics": own_logistics,
                     "logistics": _top_mean(row[~advice_mask], k),
                     "ordinary": _top_mean(row[(topic_of_example == "")], k),
                     "stance": stance.score(policy.thresholds.weights), "own_case": stance.own_case,
                     "linear": policy.thresholds.linear * (float(linear[index]) - 0.5),
                     "rule": rule.category if rule else None})
    return rows


Variant = Callable[[dict], tuple[str, float, float]]
"""A question's parts -> (category, score before the threshold, advice similarity for the floor)."""


def base(p: dict) -> tuple[str, float, float]:
    category = max(p["advice"], key=p["advice"].get)
    return category, p["advice"][category] - p["logistics"] + p["stance"] + p["linear"], p["advice"][category]


def topic_of(p: dict) -> str:
    return max(p["topic"], key=p["topic"].get)


def require(p: dict) -> tuple[str, float, float]:
    category, score, advice = base(p)
    return category, score if category == topic_of(p) else -np.inf, advice


def within(p: dict) -> tuple[str, float, float]:
    topic = topic_of(p)
    return topic, p["advice"][topic] - p["logistics"] + p["stance"] + p["linear"], p["advice"][topic]


def within_own(p: dict) -> tuple[str, float, float]:
    topic = topic_of(p)
    return topic, p["advice"][topic] - p["own_logistics"][topic] + p["stance"] + p["linear"], p["advice"][topic]


def penalty(weight: float, side: str = "examples", topic_k: int = 5) -> Variant:
    def variant(p: dict) -> tuple[str, float, float]:
        category, score, advice = base(p)
        return category, score - (weight if category != p["topics"][(side, topic_k)] else 0.0), advice
    return variant


def ordinary_topic(p: dict) -> tuple[str, float, float]:
    category, score, advice = require(p)
    return category, score if p["topic"][category] >= p["ordinary"] else -np.inf, advice


def predict(rows: list[dict], variant: Variant, thresholds: Thresholds) -> list[str]:
    """Each question's decision under `variant`, by the classifier's own rule (`escalates`) with the
    policy file's threshold, advice floor and `min_margin`."""
    out = []
    for p in rows:
        if p["rule"]:
            out.append(p["rule"])
            continue
        category, score, advice = variant(p)
        margin = p["advice"][category] - p["logistics"]
        out.append(category if escalates(thresholds, score, advice, margin, p["own_case"]) else "none")
    return out


def coherence(rows: list[dict], truth: list[str], thresholds: Thresholds) -> dict[str, int]:
    """How often the advice side's best category is not the topic, among false escalations and advice items.

    The hypothesis needs the first to be common and the second rare; printed for development data only.
    """
    predicted = predict(rows, base, thresholds)
    mismatch = [base(p)[0] != topic_of(p) for p in rows]
    false = [m for m, e, p in zip(mismatch, truth, predicted) if e == "none" and p != "none"]
    advice = [m for m, e in zip(mismatch, truth) if e != "none"]
    return {"false_escalations": len(false), "of_them_off_topic": sum(false),
            "advice_items": len(advice), "of_them_off_topic_advice": sum(advice)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measure", nargs="*", type=Path, default=[], help="measure-only sets (never tuned on)")
    parser.add_argument("--variants", default="", help="comma-separated variant names to measure (default: all)")
    args = parser.parse_args()
    policy = load_policy_file()
    # The variants read the examples' topics; the labelled questions carry no topic of their own.
    classifier = ExampleClassifier(replace(policy, labelled=()), get_embedder(Settings()))
    t = policy.thresholds
    own = [normalize(text) for text in classifier.texts]
    expects: dict[str, list[str]] = {}
    held_out = held_out_probabilities(classifier.vectors, classifier.labels != "")
    groups = {"own examples (leave-one-out)": (parts(classifier, own, classifier.vectors @ classifier.vectors.T, held_out, True),
                                               [label or "none" for label in classifier.labels])}
    for path in [DEVELOPMENT, *args.measure]:
        items = load_items(path)
        texts = [normalize(item["question"]) for item in items]
        groups[str(path)] = (parts(classifier, texts, *classifier.views(texts), False),
                             [expected_category(item) for item in items])
        expects[str(path)] = [item.get("expect") for item in items]
    development = list(groups)[:2]

    variants: dict[str, Variant] = {"base": base, "a require": require, "b1 within": within,
                                    "b2 within-own": within_own, "d ordinary-topic": ordinary_topic}
    weights = (0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2)

    def objective(variant: Variant) -> float:
        return float(np.mean([f1(scores(groups[g][1], predict(groups[g][0], variant, t)))
                              for g in development]))

    best_weight = max(weights, key=lambda w: (objective(penalty(w)), -w))
    variants[f"c penalty {best_weight}"] = penalty(best_weight)
    # The wider search: where the topic is read from and over how many neighbours, with the penalty.
    searched = {(side, topic_k, w): objective(penalty(w, side, topic_k))
                for side in TOPIC_SIDES for topic_k in TOPIC_NEIGHBOURS for w in (*weights, np.inf)}
    for group in development:
        print(f"{group}: {json.dumps(coherence(*groups[group], t))}")
    print(f"development mean F1: base {objective(base):.4f}")
    for (side, topic_k, w), value in searched.items():
        print(f"  topic from {side:9} k={topic_k:<2} penalty {w:<4}: {value:.4f}")
    side, topic_k, w = max(searched, key=lambda key: (searched[key], -key[2], -key[1]))
    variants[f"e penalty {w} topic {side} k={topic_k}"] = penalty(w, side, topic_k)
    chosen = [name.strip() for name in args.variants.split(",") if name.strip()]
    for name, variant in variants.items():
        if chosen and not any(name.startswith(c) for c in chosen):
            continue
        print(f"\n== {name} (development mean F1 {objective(variant):.4f})")
        for group, (rows, truth) in groups.items():
            predicted = predict(rows, variant, t)
            result = scores(truth, predicted)
            kinds = expects.get(group, ["none"] * len(truth))
            answer_escalated = sum(1 for e, p in zip(kinds, predicted) if e == "answer" and p != "none")
            other_escalated = sum(1 for e, p in zip(truth, predicted) if e == "none" and p != "none")
            print(f"  {group}: {json.dumps({**result, 'answer_escalated': answer_escalated, 'none_escalated': other_escalated})}")


if __name__ == "__main__":
    main()
