"""The wording view: a logistic regression over a question's words, beside the neighbours' meaning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.index.embedding import Embedder
from bot.policy.classifier import ExampleClassifier, escalates
from bot.policy import wording
from bot.policy.wording import WORDING_C, WordingView
from bot.policy.policy_file import PolicyFile, PolicyFileError, Thresholds, load_policy_file
from tests.policy.test_labelled import FENCE, FENCE_TWINS, write_policy

# Written for these tests: the same errands asked for the asker alone ("should i", advice) and for a team
# ("should we", process). Only the single letter tells them apart.
ERRANDS = ["renew the parking permit", "book the offsite venue", "order new monitors", "move the standup",
           "cancel the old vendor", "switch the build runner", "archive the wiki space", "upgrade the vpn client"]


def test_single_letters_are_words_to_the_view() -> None:
    texts = tuple([f"should i {errand}" for errand in ERRANDS] + [f"should we {errand}" for errand in ERRANDS])
    advice = np.array([True] * len(ERRANDS) + [False] * len(ERRANDS))

    view = WordingView.fit(texts, advice)
    mine, ours = view.probability(["should i repaint the lobby", "should we repaint the lobby"])

    assert mine > 0.5 > ours
    assert {"i", "should i", "should i repaint"} & set(view.columns) == {"i", "should i"}


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


def _sample() -> tuple[tuple[str, ...], np.ndarray]:
    """Labelled questions of the bundled pool, a few hundred: enough n-grams seen twice to fit on."""
    pool = load_policy_file().labelled[:400]
    return tuple(item.text.lower() for item in pool), np.array([bool(item.category) for item in pool])


def test_the_view_computes_what_scikit_learn_computes() -> None:
    text_module = pytest.importorskip("sklearn.feature_extraction.text")
    linear_module = pytest.importorskip("sklearn.linear_model")
    texts, advice = _sample()
    ours = WordingView.fit(texts, advice)

    vectorizer = text_module.TfidfVectorizer(ngram_range=(1, 3), token_pattern=r"(?u)\b\w+\b", sublinear_tf=True,
                                             min_df=2)
    matrix = vectorizer.fit_transform(texts)
    model = linear_module.LogisticRegression(C=WORDING_C, tol=1e-10, max_iter=10_000).fit(matrix, advice)
    unseen = ["is there a form for that?", "would you take the offer in my shoes?", "where do i log sick days"]

    assert set(ours.columns) == set(vectorizer.vocabulary_)
    assert np.abs(ours.probability(unseen) - model.predict_proba(vectorizer.transform(unseen))[:, 1]).max() < 1e-3


def test_a_fitted_view_is_kept_on_disk_and_a_torn_file_is_fitted_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    texts, advice = _sample()
    fits: list[int] = []
    real_fit = WordingView.fit.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(WordingView, "fit", classmethod(lambda cls, *args: fits.append(1) or real_fit(cls, *args)))

    first = wording.wording_view(texts, advice, tmp_path)
    wording._FITTED.clear()
    again = wording.wording_view(texts, advice, tmp_path)
    (saved,) = tmp_path.glob("wording-*.npz")
    saved.write_bytes(saved.read_bytes()[:100])
    wording._FITTED.clear()
    refitted = wording.wording_view(texts, advice, tmp_path)

    assert len(fits) == 2, "the second start read the file; the torn file was fitted again"
    assert first is not None and again is not None and refitted is not None
    assert np.allclose(first.probability(["should i sue them?"]), again.probability(["should i sue them?"]))
    assert wording.wording_view(texts, np.zeros(len(texts), dtype=bool), tmp_path) is None, "one side only"


@pytest.mark.parametrize(("line", "message"), [("wording: -0.3", "thresholds.wording must be between"),
                                               ("wording_floor: 0.4", "thresholds.wording_floor must be between"),
                                               ("wording: lots", "thresholds.wording must be a number")])
def test_a_wording_setting_out_of_range_fails_loudly(tmp_path: Path, line: str, message: str) -> None:
    text = Path(load_policy_file().path).read_text(encoding="utf-8")
    key = line.split(":")[0]
    start = text.index(f"\n  {key}: ") + 1
    edited = tmp_path / "policy.yaml"
    edited.write_text(text[:start] + f"  {line}\n" + text[text.index("\n", start) + 1:], encoding="utf-8")

    with pytest.raises(PolicyFileError, match=message):
        load_policy_file(edited)
