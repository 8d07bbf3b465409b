"""Periodic work inside `kb serve`: the nightly sync of every configured source, and later jobs.

The scheduler lives in the bot's own event loop (apscheduler's AsyncIOScheduler) so a deployment
is one process; the sync itself runs in a thread, since embedding blocks for minutes. Only one
replica may run it (KB_SCHEDULER_ENABLED): two replicas syncing one shared index would embed
everything twice and race on its tables. Within the process, a sync started from chat and the
scheduled one share `sync_lock`, and whichever comes second is skipped, not queued.

Adding a job (escalation reminders, for one) is one entry in `scheduled_jobs`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot import metrics
from bot.index.sync import SyncSummary
from bot.index.sync_lock import SyncInProgress, sync_lock

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from connectors.base import Connector

log = structlog.get_logger(__name__)

MISFIRE_GRACE_SECONDS = 3600
"""A run missed while the process was busy or restarting still happens if it is less than an hour late."""


@dataclass(frozen=True)
class ScheduledJob:
    """One periodic job: `run(runtime)` is awaited on the bot's event loop whenever `trigger` fires."""

    id: str
    trigger: BaseTrigger
    run: Callable[[Runtime], Awaitable[Any]]


def scheduled_jobs(runtime: Runtime) -> list[ScheduledJob]:
    """Every periodic job of `kb serve`. Register new ones here (e.g. escalation reminders):

        jobs.append(ScheduledJob("escalation-reminders", IntervalTrigger(minutes=30), remind_open_escalations))
    """
    jobs = [ScheduledJob("sync", cron_trigger(runtime.settings.sync_cron), run_scheduled_sync)]
    if runtime.settings.policy_enabled:
        from bot.policy.reminders import remind_open_escalations, reminder_trigger

        jobs.append(ScheduledJob("escalation-reminders", reminder_trigger(runtime), remind_open_escalations))
    jobs.append(ScheduledJob("question-retention", CronTrigger(hour=3, minute=30), purge_expired_questions))
    if runtime.settings.report_slack_channel or runtime.settings.report_teams_channel:
        from bot.conversation.report import post_weekly_digest

        jobs.append(ScheduledJob("weekly-report", cron_trigger(runtime.settings.report_cron), post_weekly_digest))
    return jobs


async def purge_expired_questions(runtime: Runtime) -> int:
    """The daily job: recorded questions past KB_QUESTION_RETENTION_DAYS deleted (also with recording off)."""
    return await asyncio.to_thread(runtime.question_recorder.purge)


def start_scheduler(runtime: Runtime, jobs: Sequence[ScheduledJob] | None = None) -> AsyncIOScheduler:
    """Start the scheduler on the running event loop (call it from the server's startup hook).

    With KB_SCHEDULER_ENABLED false it starts with no jobs, so callers can shut it down alike.
    """
    scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                               "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    if not runtime.settings.scheduler_enabled:
        log.info("scheduler.disabled", reason="KB_SCHEDULER_ENABLED is false; another replica runs the jobs")
        jobs = []
    elif jobs is None:
        jobs = scheduled_jobs(runtime)
    for job in jobs:
        scheduler.add_job(job.run, job.trigger, args=[runtime], id=job.id, name=job.id, replace_existing=True)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("scheduler.job", job=job.id, trigger=str(job.trigger), next_run=str(job.next_run_time))
    return scheduler


# -- the sync job ----------------------------------------------------------------------------------
async def run_scheduled_sync(runtime: Runtime) -> SyncSummary | None:
    """The nightly job: sync every configured source; skipped (None) while another sync runs."""
    try:
        return await asyncio.to_thread(sync_now, runtime, trigger="schedule", holder="schedule")
    except SyncInProgress as busy:
        metrics.SYNC_RUNS.labels("schedule", "skipped").inc()
        log.warning("scheduler.sync_skipped", holder=busy.holder)
        return None


def sync_now(runtime: Runtime, *, trigger: str, holder: str, connectors: Sequence[Connector] | None = None) -> SyncSummary:
    """Sync `connectors` (default: every configured source) under the index's sync lock. Blocking.

    Raises SyncInProgress when another sync holds the lock. Every other failure ends up in the
    summary and in each source's recorded run (`kb status`), including failures before any
    source started, such as no embedding worker answering.
    """
    from bot.index.sources import configured_connectors
    from bot.index.store import now

    with sync_lock(runtime.settings.data_dir).hold(holder):
        sources = list(configured_connectors(runtime.settings) if connectors is None else connectors)
        if not sources:
            log.warning("sync.no_sources", trigger=trigger)
            metrics.SYNC_RUNS.labels(trigger, "ok").inc()
            return SyncSummary()
        started = now()
        log.info("sync.started", trigger=trigger, sources=[source.name for source in sources])
        try:
            summary = runtime.sync_engine.sync_all(sources)
        except Exception as error:  # the embedder or the index failed before a source could begin
            summary = _record_failure(runtime, sources, started, error)
            ok = False
        else:
            runs = runtime.store.last_runs()
            ok = all(runs.get(source.name, {}).get("ok", False) for source in sources)
        metrics.SYNC_RUNS.labels(trigger, "ok" if ok else "failed").inc()
        log.info("sync.done", trigger=trigger, ok=ok, **{k: v for k, v in summary.to_dict().items() if k != "errors"},
                 errors=summary.errors[:5])
        return summary


def _record_failure(runtime: Runtime, sources: Sequence[Connector], started: Any, error: Exception) -> SyncSummary:
    message = f"{type(error).__name__}: {error}"
    log.error("sync.failed", error=message)
    total = SyncSummary()
    for source in sources:
        summary = SyncSummary(errors=[f"{source.name}: {message}"])
        total.merge(summary)
        metrics.record_sync(source.name, summary, False)
        try:
            runtime.store.record_run(source.name, started, False, runtime.store.cursor(source.name), summary.to_dict())
        except Exception as store_error:  # the index itself is unreachable: the log is all we have
            log.error("sync.record_failed", source=source.name, error=str(store_error))
    return total


# -- cron with crontab's meaning -------------------------------------------------------------------
_CRONTAB_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def cron_trigger(expression: str, timezone: Any = None) -> CronTrigger:
    """A trigger for a five-field crontab line, with crontab's weekdays (0 and 7 = Sunday).

    apscheduler 3 numbers weekdays from Monday, so "0 2 * * 1-5" would otherwise run Tuesday to
    Saturday; weekday fields are translated to names, which mean the same in both.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron line must have five fields (minute hour day month weekday), got {expression!r}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday),
                       timezone=timezone)


def _weekdays(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, last = span.split("-", 1)
            low, high = _day(first), _day(last)
        else:
            low = _day(span)
            high = 6 if step_text else low
        if high < low:
            raise ValueError(f"weekday range {span!r} runs backwards")
        days.update(number % 7 for number in range(low, high + 1, step))
    return ",".join(_CRONTAB_DAYS[number] for number in sorted(days))


def _day(token: str) -> int:
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    if token[:3] in _CRONTAB_DAYS:
        return _CRONTAB_DAYS.index(token[:3])
    raise ValueError(f"not a weekday: {token!r}")
