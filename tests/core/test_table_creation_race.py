"""Connections creating the same app table at once: every row written survives, and no write fails.

Two replicas on one object store, or Slack and Teams each holding their own `AppTables` in one
process, create the record tables on first use, possibly in the same instant. In LanceDB 0.40
`create_table(exist_ok=True)` checks for the table and then commits an Overwrite, so a creator that
checked before the table existed commits a second Overwrite on top of the first creator's table:
an append in between fails ("Append transaction is incompatible with concurrent transaction
Overwrite"), or, worse, has already committed and is silently erased. Each round lines several
connections up on a barrier so their creates and first writes overlap; a handful of rounds made
main's code fail every time it was run (see docs/operations.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.records.dedupe import SeenEvents
from bot.records.questions import QuestionTable
from bot.records.tables import AppTables

WRITERS = 8
ROUNDS = 6


def all_at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(0..count-1)` on threads released together; the errors they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except BaseException as error:  # noqa: BLE001 - reported by the test, whatever it is
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_connections_creating_a_record_table_at_once_lose_no_row(tmp_path: Path, round_: int) -> None:
    folder = str(tmp_path / "index")
    connections = [AppTables(folder) for _ in range(WRITERS)]  # each its own lancedb.connect

    def record(index: int) -> None:
        QuestionTable(connections[index]).add([{"id": f"answer-{index}", "surface": "slack", "question": "vpn?"}])
        assert SeenEvents(connections[index]).first_time(f"event-{index}")

    errors = all_at_once(WRITERS, record)

    assert errors == []
    reader = AppTables(folder, read_consistency=0)
    assert sorted(row["id"] for row in reader.table("questions").to_arrow().to_pylist()) == sorted(
        f"answer-{index}" for index in range(WRITERS))
    assert reader.table("seen_events").count_rows() == WRITERS
