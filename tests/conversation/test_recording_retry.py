"""Recording never costs the asker, and a write that lost a commit race is made again, a bounded number of times."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from structlog.testing import capture_logs

from bot.conversation.services import ChatServices
from bot.index.lance import COMMIT_TRIES, Database

LOST_RACE = ("lance error: Incompatible transaction: This Append transaction is incompatible with concurrent "
             "transaction Overwrite at version 2.")
SCHEMA = pa.schema([("id", pa.string())])


class Flaky:
    """A write into a real table that first loses LanceDB's optimistic-commit race `losses` times, as it does
    against a table created anew by a replica (tests/core/test_table_creation_race.py makes the real race)."""

    def __init__(self, losses: int, message: str = LOST_RACE) -> None:
        self.losses, self.message, self.calls = losses, message, 0

    def __call__(self, table: Any) -> None:
        self.calls += 1
        if self.calls <= self.losses:
            raise RuntimeError(self.message)
        table.add(pa.table({"id": [f"row-{self.calls}"]}, schema=SCHEMA))


def test_a_write_that_lost_a_commit_race_is_made_again(tmp_path: Path) -> None:
    database, write = Database(str(tmp_path)), Flaky(losses=COMMIT_TRIES - 1)

    database.write("questions", SCHEMA, write)

    assert write.calls == COMMIT_TRIES and database.table("questions").count_rows() == 1


def test_other_failures_and_endless_losses_are_raised_not_retried_forever(tmp_path: Path) -> None:
    database = Database(str(tmp_path))
    endless, broken = Flaky(losses=COMMIT_TRIES), Flaky(losses=1, message="disk full")

    with pytest.raises(RuntimeError, match="Incompatible transaction"):
        database.write("questions", SCHEMA, endless)
    with pytest.raises(RuntimeError, match="disk full"):
        database.write("questions", SCHEMA, broken)

    assert (endless.calls, broken.calls) == (COMMIT_TRIES, 1)
    assert database.table("questions").count_rows() == 0


def test_a_failed_question_record_is_logged_not_raised() -> None:
    def broken(_: str) -> None:
        raise RuntimeError("disk full")

    with capture_logs() as logs:
        asyncio.run(ChatServices._quietly(broken, "question"))  # returns: the asker still gets the answer

    assert [(entry["event"], entry["step"], entry["error"]) for entry in logs] == [
        ("questions.record_failed", "broken", "disk full")]
