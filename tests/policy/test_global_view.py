"""The classifier's global view: one logistic regression over every example, beside the nearest ones."""

from __future__ import annotations

import numpy as np
import pytest

from bot.policy.classifier import LINEAR_C, fit_linear, held_out_probabilities
from bot.policy.regulated import RegulatedTopicPolicy

PROCESS_NEAR_A_TIE = "can my husband use my work laptop to check his email real quick"
"""Written for this test: a process question (what the acceptable-use rules allow) whose nearest examples
are legal advice by a hair; the global view reads it as process."""


def test_the_global_view_is_a_regularised_logistic_regression(policy: RegulatedTopicPolicy) -> None:
    linear_model = pytest.importorskip("sklearn.linear_model")
    classifier = policy.classifier
    examples = classifier.vectors[: classifier.examples]  # the view is fitted on the examples, not the labelled questions
    advice = classifier.labels[: classifier.examples] != ""
    vectors = examples.astype(np.float64)  # the reference in double precision, as `fit_linear` computes
    reference = linear_model.LogisticRegression(C=LINEAR_C, tol=1e-10, max_iter=5000).fit(vectors, advice)

    ours = fit_linear(examples, advice).probability(examples)

    assert np.abs(ours - reference.predict_proba(vectors)[:, 1]).max() < 1e-4
    assert np.abs(classifier.linear.probability(examples) - ours).max() < 1e-9


def test_examples_are_judged_by_fits_that_did_not_see_them(policy: RegulatedTopicPolicy) -> None:
    classifier = policy.classifier
    examples = classifier.vectors[: classifier.examples]
    advice = classifier.labels[: classifier.examples] != ""

    seen = classifier.linear.probability(examples)
    unseen = held_out_probabilities(examples, advice)

    def errors(probability: np.ndarray) -> int:
        return int(((probability >= 0.5) != advice).sum())

    assert errors(unseen) > errors(seen)
    assert np.abs(unseen - seen).max() > 0.05


def test_the_global_view_keeps_a_process_question_from_a_human_queue(policy: RegulatedTopicPolicy, examples_only,
                                                                     policy_without) -> None:  # noqa: ANN001
    nearest_only = policy_without("\n  linear: 0.25")

    kept = examples_only.judge(PROCESS_NEAR_A_TIE)
    old = nearest_only.judge(PROCESS_NEAR_A_TIE)

    assert nearest_only.policy.thresholds.linear == 0.0
    assert old.decision is not None and old.decision.category == "legal"
    assert kept.decision is None and kept.verdict is not None and kept.verdict.linear < 0.5
    assert policy.judge(PROCESS_NEAR_A_TIE).decision is None


@pytest.mark.parametrize("advice", [np.zeros(6, dtype=bool), np.ones(6, dtype=bool)])
def test_a_policy_with_one_side_only_gets_a_view_that_says_nothing(advice: np.ndarray) -> None:
    vectors = np.random.default_rng(7).normal(size=(6, 4))

    view = fit_linear(vectors, advice)

    assert np.allclose(view.probability(vectors), 0.5)
