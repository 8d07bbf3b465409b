"""Recording questions never costs the asker, and a lost commit race does not cost the record."""

from __future__ import annotations

import asyncio

from bot.conversation.services import ChatServices


class Flaky:
    """A write that loses LanceDB's optimistic-commit race `losses` times, as two replicas do."""

    def __init__(self, losses: int, message: str = "lance error: Incompatible transaction: This Update "
                                                   "transaction is incompatible with concurrent transaction Overwrite") -> None:
        self.losses, self.message, self.calls, self.written = losses, message, 0, []

    def __call__(self, row: str) -> None:
        self.calls += 1
        if self.calls <= self.losses:
            raise RuntimeError(self.message)
        self.written.append(row)


def test_a_write_that_lost_a_commit_race_is_tried_once_more() -> None:
    write = Flaky(losses=1)

    asyncio.run(ChatServices._quietly(write, "question"))

    assert write.written == ["question"] and write.calls == 2


def test_other_failures_and_a_second_loss_are_logged_not_raised_nor_retried_forever() -> None:
    twice, broken = Flaky(losses=2), Flaky(losses=1, message="disk full")

    asyncio.run(ChatServices._quietly(twice, "question"))
    asyncio.run(ChatServices._quietly(broken, "question"))

    assert twice.written == [] and twice.calls == 2
    assert broken.written == [] and broken.calls == 1
