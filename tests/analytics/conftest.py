"""An index of its own for each analytics test: the example runbooks, copied, with no questions yet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.index.embedding import Embedder
from bot.runtime import Runtime
from tests.surfaces.conftest import slack_bot, teams_bot  # noqa: F401 - the wire-level bots, shared

APP_TABLES = ("questions", "feedback", "escalations", "seen_events")
"""What other tests' chat traffic leaves in the shared example index; a report must start from none."""


@pytest.fixture()
def own_index(tmp_path: Path, example_runtime: Runtime, embedder: Embedder) -> Runtime:
    """The example runbooks' index copied (no re-embedding), questions and tickets of other tests removed."""
    target = tmp_path / "index"
    shutil.copytree(example_runtime.settings.data_dir, target)
    runtime = Runtime(Settings(data_dir=str(target)))
    runtime.embedder = embedder
    runtime.records.drop(APP_TABLES)
    return runtime
