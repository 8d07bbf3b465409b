"""Policy fixtures: the bundled policy file over the session's real embedding model."""

from __future__ import annotations

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
