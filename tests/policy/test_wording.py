"""The wording view: a logistic regression over a question's words, beside the neighbours' meaning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.index.embedding import Embedder
from bot.policy.classifier import ExampleClassifier, WordingView, escalates
from bot.policy.policy_file import PolicyFile, Thresholds, load_policy_file
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


def test_a_sure_wording_view_lifts_the_margin_floor_as_own_case_words_do(policy_file: PolicyFile) -> None:
    t = policy_file.thresholds
    below_floor = dict(score=t.escalate_at + 0.1, advice=t.min_similarity + 0.1, margin=t.min_margin - 0.05, own_case=0)

    assert t.wording_floor < 1.0, "the bundled policy lets a sure wording view lift the floor"
    assert escalates(t, **below_floor, wording=t.wording_floor)
    assert not escalates(t, **below_floor, wording=t.wording_floor - 0.01)
    assert not escalates(replace(t, wording_floor=Thresholds().wording_floor), **below_floor, wording=0.999), \
        "a policy file without wording_floor keeps the floor"
    assert escalates(t, **{**below_floor, "own_case": 1})
