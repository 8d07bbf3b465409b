"""Policy fixtures: the bundled policy file over the session's real embedding model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.index.embedding import Embedder
from bot.policy.policy_file import PolicyFile, load_policy_file
from bot.policy.regulated import RegulatedTopicPolicy


@pytest.fixture(scope="session")
def policy_file() -> PolicyFile:
    return load_policy_file()


@pytest.fixture(scope="session")
def policy(policy_file: PolicyFile, embedder: Embedder) -> RegulatedTopicPolicy:
    """Examples are embedded once per session (the classifier caches them per model)."""
    return RegulatedTopicPolicy(policy_file, embedder)


EXAMPLES_FLOOR = 0.32
"""`min_similarity` while the examples alone were the neighbours (the labelled questions raised it to 0.36)."""


def examples_alone(policy: PolicyFile) -> PolicyFile:
    """`policy` as it was before labelled questions joined the examples: none, the floor of that time, and
    no wording view (it came after them)."""
    return replace(policy, labelled=(),
                   thresholds=replace(policy.thresholds, min_similarity=EXAMPLES_FLOOR, wording=0.0))


def without_wording(policy: PolicyFile) -> PolicyFile:
    """`policy` without its wording view: the neighbours, the global view and the signals decide."""
    return replace(policy, thresholds=replace(policy.thresholds, wording=0.0))


@pytest.fixture(scope="session")
def unworded(policy_file: PolicyFile, embedder: Embedder) -> RegulatedTopicPolicy:
    """The bundled policy without its wording view (`without_wording`)."""
    return RegulatedTopicPolicy(without_wording(policy_file), embedder)


@pytest.fixture(scope="session")
def examples_only(policy_file: PolicyFile, embedder: Embedder) -> RegulatedTopicPolicy:
    """The bundled policy without its labelled questions: the examples alone as neighbours. A part of the
    policy written before the labelled questions is shown to matter against this, with and without it
    (`policy_without`): thousands of labelled neighbours settle many questions whichever part is cut."""
    return RegulatedTopicPolicy(examples_alone(policy_file), embedder)


@pytest.fixture
def policy_without(policy_file: PolicyFile, embedder: Embedder, tmp_path: Path) -> Callable[[str], RegulatedTopicPolicy]:
    """The bundled policy, without its labelled questions, with a part of its text cut out: what the
    examples decided before that part existed (compare with `examples_only`)."""
    text = Path(policy_file.path).read_text(encoding="utf-8")

    def build(cut: str) -> RegulatedTopicPolicy:
        assert cut in text, "the bundled policy no longer holds the part the test removes"
        copy = tmp_path / "policy.yaml"
        copy.write_text(text.replace(cut, "", 1), encoding="utf-8")
        return RegulatedTopicPolicy(examples_alone(load_policy_file(copy)), embedder)

    return build
