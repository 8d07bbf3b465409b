"""Policy fixtures: the bundled policy file over the session's real embedding model."""

from __future__ import annotations

from collections.abc import Callable
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


@pytest.fixture
def policy_without(policy_file: PolicyFile, embedder: Embedder, tmp_path: Path) -> Callable[[str], RegulatedTopicPolicy]:
    """The bundled policy with a part of its text cut out: what it decided before that part existed."""
    text = Path(policy_file.path).read_text(encoding="utf-8")

    def build(cut: str) -> RegulatedTopicPolicy:
        assert cut in text, "the bundled policy no longer holds the part the test removes"
        copy = tmp_path / "policy.yaml"
        copy.write_text(text.replace(cut, "", 1), encoding="utf-8")
        return RegulatedTopicPolicy(load_policy_file(copy), embedder)

    return build
