"""The scheduled job that re-posts escalations nobody has claimed (bot/scheduler.py runs it).

An unclaimed ticket means someone is waiting on a person for a sensitive matter; a fresh post in
the queue channel is harder to miss than a message scrolled away hours ago. Each ticket is
re-posted at most once per KB_ESCALATION_REMIND_AFTER, so a quiet queue is not flooded.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings

if TYPE_CHECKING:
    from bot.policy.desk import EscalationDesk
    from bot.records.tickets import Ticket


class Runtime(Protocol):
    """The two parts of `bot.runtime.Runtime` the job needs (the wiring sits above the policy)."""

    settings: Settings

    @property
    def escalation_desk(self) -> EscalationDesk: ...


async def remind_open_escalations(runtime: Runtime) -> list[Ticket]:
    after = timedelta(minutes=runtime.settings.escalation_remind_after)
    return await asyncio.to_thread(runtime.escalation_desk.remind, after)


def reminder_trigger(runtime: Runtime) -> IntervalTrigger:
    return IntervalTrigger(minutes=runtime.settings.escalation_check_every)
