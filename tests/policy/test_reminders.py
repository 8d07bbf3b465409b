"""The reminder job is registered at the scheduler's registration point and re-posts stale tickets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger

from bot.handover import EscalationRequest
from bot.policy.reminders import remind_open_escalations
from bot.records.tickets import TicketStore
from bot.runtime import Runtime
from bot.scheduler import scheduled_jobs
from tests.policy.test_tickets import RecordingNotifier


def test_reminders_are_scheduled_at_the_configured_interval(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"escalation_check_every": 10.0})

    [job] = [job for job in scheduled_jobs(runtime) if job.id == "escalation-reminders"]

    assert isinstance(job.trigger, IntervalTrigger) and job.trigger.interval == timedelta(minutes=10)


def test_no_reminder_job_when_the_policy_is_off(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"policy_enabled": False})

    assert "escalation-reminders" not in [job.id for job in scheduled_jobs(runtime)]


def test_the_job_reposts_only_tickets_older_than_the_setting(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"escalation_remind_after": 60.0})
    notifier = RecordingNotifier()
    desk = runtime.escalation_desk
    desk.add_notifier(notifier)
    fresh = desk.open(EscalationRequest(surface="slack", user="U1", question="q", answer="", reason="policy",
                                        conversation={"channel": "D1", "thread_ts": "1.1"}, category="medical"))
    stale = desk.open(EscalationRequest(surface="slack", user="U2", question="q", answer="", reason="policy",
                                        conversation={"channel": "D2", "thread_ts": "1.2"}, category="legal"))
    store = TicketStore(runtime.records)
    store.save(stale.__class__(**{**stale.__dict__, "created_at": stale.created_at - timedelta(minutes=61)}))

    reminded = asyncio.run(remind_open_escalations(runtime))

    assert [ticket.id for ticket in reminded] == [stale.id]
    assert [post for post in notifier.posts if post[2]] == [(stale.id, "#kb-queue-legal", True)]
    assert store.get(fresh.id).reminded_at is None
