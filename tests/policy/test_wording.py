"""The wording view: a logistic regression over a question's words, beside the neighbours' meaning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.index.embedding import Embedder
from bot.policy.classifier import ExampleClassifier, WordingView
from bot.policy.policy_file import PolicyFile, load_policy_file
from tests.policy.test_labelled import FENCE, FENCE_TWINS, write_policy

# Written for these tests: the same errands asked for the asker alone ("should i", advice) and for a team
# ("should we", process). Only the single letter tells them apart.
ERRANDS = ["renew the parking permit", "book the offsite venue", "order new monitors", "move the standup",
           "cancel the old vendor", "switch the build runner", "archive the wiki space", "upgrade the vpn client"]


def test_single_letters_are_words_to_the_view() -> None:
    texts = tuple([f"should i {errand}" for errand in ERRANDS] + [f"should we {errand}" for errand in ERRANDS])
    advice = np.array([True] * len(ERRANDS) + [False] * len(ERRANDS))

    view = WordingView(texts, advice)
    mine, ours = view.probability(["should i repaint the lobby", "should we repaint the lobby"])

    assert mine > 0.5 > ours
    assert {"i", "should i", "should i repaint"} & set(view.vectorizer.vocabulary_) == {"i", "should i"}


def test_the_view_is_fitted_on_the_neighbours_so_a_left_out_set_leaves_it_too(tmp_path: Path,
                                                                               embedder: Embedder) -> None:
    rows = [{"text": text, "label": "legal", "source": "mine"} for text in FENCE_TWINS]
    policy = load_policy_file(write_policy(tmp_path, rows))

    taught = ExampleClassifier(policy, embedder).wording_of([FENCE])[0]
    untaught = ExampleClassifier(policy.leaving_out("mine"), embedder).wording_of([FENCE])[0]

    assert taught > untaught


def test_a_policy_giving_the_view_no_weight_fits_none(policy_file: PolicyFile, embedder: Embedder) -> None:
    assert policy_file.thresholds.wording > 0, "the bundled policy weighs the wording view"
    plain = replace(policy_file, labelled=(), thresholds=replace(policy_file.thresholds, wording=0.0))

    classifier = ExampleClassifier(plain, embedder)
    verdict = classifier.classify(FENCE)

    assert classifier.wording is None
    assert verdict.wording == 0.5


def test_the_weight_is_read_from_the_policy_file(tmp_path: Path) -> None:
    text = Path(load_policy_file().path).read_text(encoding="utf-8")
    assert "\n  wording: " in text
    edited = tmp_path / "policy.yaml"
    edited.write_text(text.replace("\n  wording: ", "\n  wording: 0.7 #", 1), encoding="utf-8")

    assert load_policy_file(edited).thresholds.wording == 0.7
