"""benchmarks/policy_topic.py measures topic-coherence variants against a "base" that must be the shipped policy's
examples (its labelled questions carry no topic, and the benchmark leaves them out).

Its figures (docs/escalation.md) are only comparable to the policy report's if its re-implementation of
the decision agrees with RegulatedTopicPolicy question by question; this pins that, so a change to the
classifier that the benchmark does not follow fails here instead of quietly skewing the table.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from bot.policy.regulated import RegulatedTopicPolicy
from bot.policy.signals import normalize
from tests.conftest import REPO
from tests.policy.test_classification import (OWN_CASE_ADVICE, OWN_CASE_BELOW_FLOOR, PAIRS, PLAINLY_PROCESS,
                                              RULE_QUESTIONS, RULES_OF_MY_CASE, SENSITIVE_LOGISTICS, UNSEEN_ADVICE,
                                              UNSEEN_LOGISTICS)


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    path = REPO / "benchmarks" / "policy_topic.py"
    spec = importlib.util.spec_from_file_location("policy_topic", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("policy_topic", module)
    spec.loader.exec_module(module)
    return module


QUESTIONS = ([question for pair in PAIRS.values() for question in pair] + UNSEEN_ADVICE + UNSEEN_LOGISTICS
             + RULES_OF_MY_CASE + SENSITIVE_LOGISTICS + [question for question, _ in OWN_CASE_ADVICE]
             + RULE_QUESTIONS + [PLAINLY_PROCESS, OWN_CASE_BELOW_FLOOR])


def test_the_benchmarks_base_decides_as_the_policy_does(benchmark: ModuleType, examples_only: RegulatedTopicPolicy) -> None:
    policy = examples_only
    classifier = policy.classifier
    texts = [normalize(question) for question in QUESTIONS]
    rows = benchmark.parts(classifier, texts, *classifier.views(texts), loo=False)
    t = policy.policy.thresholds

    predicted = benchmark.predict(rows, benchmark.base, t)

    expected = [(decision.category if (decision := policy.classify(q)) else "none") for q in QUESTIONS]
    assert predicted == expected
    assert {"none"} < set(predicted), "the questions must exercise both outcomes"

