"""The nightly schedule: crontab meaning, the job itself, overlap, and what it leaves in status and metrics."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot import metrics
from bot.cli import app
from bot.config import Settings
from bot.index.sync_lock import SyncInProgress, sync_lock
from bot.runtime import Runtime
from bot.scheduler import cron_trigger, run_scheduled_sync, start_scheduler

UTC = ZoneInfo("UTC")


def _next_fire(expression: str, after: datetime) -> datetime:
    return cron_trigger(expression, timezone=UTC).get_next_fire_time(None, after)


def test_cron_weekdays_mean_what_crontab_means() -> None:
    friday_noon = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)  # a Friday

    assert _next_fire("0 2 * * *", friday_noon) == datetime(2026, 1, 3, 2, 0, tzinfo=UTC)
    assert _next_fire("0 2 * * 1-5", friday_noon).strftime("%A") == "Monday"  # apscheduler alone: Saturday
    assert _next_fire("30 3 * * 0", friday_noon) == datetime(2026, 1, 4, 3, 30, tzinfo=UTC)  # Sunday
    assert _next_fire("30 3 * * 7", friday_noon) == datetime(2026, 1, 4, 3, 30, tzinfo=UTC)
    assert _next_fire("0 4 * * sat,sun", friday_noon).strftime("%A") == "Saturday"
    with pytest.raises(ValueError, match="five fields"):
        cron_trigger("0 2 * *")


def test_start_scheduler_registers_the_nightly_sync(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"sync_cron": "15 1 * * 1-5"}))

    async def started() -> list:
        scheduler = start_scheduler(runtime)
        try:
            return [(job.id, str(job.trigger), job.next_run_time is not None) for job in scheduler.get_jobs()]
        finally:
            scheduler.shutdown(wait=False)

    jobs = asyncio.run(started())

    by_id = {job_id: (trigger, scheduled) for job_id, trigger, scheduled in jobs}
    assert set(by_id) == {"sync", "escalation-reminders", "question-retention"} and all(scheduled for _, scheduled in by_id.values())
    trigger = by_id["sync"][0]
    assert "minute='15'" in trigger and "hour='1'" in trigger
    assert "day_of_week='mon,tue,wed,thu,fri'" in trigger


def test_a_replica_without_the_scheduler_runs_no_jobs(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"scheduler_enabled": False}))

    async def started() -> tuple[bool, int]:
        scheduler = start_scheduler(runtime)
        try:
            return scheduler.running, len(scheduler.get_jobs())
        finally:
            scheduler.shutdown(wait=False)

    assert asyncio.run(started()) == (True, 0)


def test_the_job_syncs_configured_sources_and_reports_in_status_and_metrics(runtime: Runtime, corpus: Path) -> None:
    runtime.settings = runtime.settings.model_copy(update={"local_paths": [str(corpus)]})
    scope = f"local:{corpus.resolve()}"
    ok_before = metrics.REGISTRY.get_sample_value("kb_sync_runs_total", {"trigger": "schedule", "outcome": "ok"}) or 0
    chunks_before = metrics.REGISTRY.get_sample_value("kb_sync_chunks_embedded_total", {"source": scope}) or 0

    summary = asyncio.run(run_scheduled_sync(runtime))
    status = CliRunner().invoke(app, ["status", "--json", "--data-dir", runtime.settings.data_dir])

    assert summary is not None and summary.added == 5 and summary.chunks_embedded > 0
    report = json.loads(status.stdout)
    assert report["sources"][scope]["ok"] is True and report["sources"][scope]["summary"]["added"] == 5
    assert metrics.REGISTRY.get_sample_value("kb_sync_runs_total", {"trigger": "schedule", "outcome": "ok"}) == ok_before + 1
    assert metrics.REGISTRY.get_sample_value("kb_sync_chunks_embedded_total", {"source": scope}) == \
        chunks_before + summary.chunks_embedded
    assert metrics.REGISTRY.get_sample_value("kb_sync_last_run_ok", {"source": scope}) == 1
    assert b"kb_sync_duration_seconds_bucket" in metrics.render()[0]


def test_a_run_that_overlaps_a_running_sync_is_skipped(runtime: Runtime, corpus: Path) -> None:
    runtime.settings = runtime.settings.model_copy(update={"local_paths": [str(corpus)]})
    skipped_before = metrics.REGISTRY.get_sample_value("kb_sync_runs_total", {"trigger": "schedule", "outcome": "skipped"}) or 0

    with sync_lock(runtime.settings.data_dir).hold("chat reindex by U1"):
        result = asyncio.run(run_scheduled_sync(runtime))

    assert result is None
    assert runtime.store.last_runs() == {}  # nothing ran
    assert metrics.REGISTRY.get_sample_value("kb_sync_runs_total", {"trigger": "schedule", "outcome": "skipped"}) == \
        skipped_before + 1


def test_no_worker_answering_fails_the_run_visibly(tmp_path: Path, corpus: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "index"), local_paths=[str(corpus)], embed_url="http://127.0.0.1:9",
                        embed_retries=0)
    runtime = Runtime(settings)

    summary = asyncio.run(run_scheduled_sync(runtime))
    status = CliRunner().invoke(app, ["status", "--json", "--data-dir", settings.data_dir])

    assert summary is not None and "no embedding worker answered /info" in summary.errors[0]
    source = json.loads(status.stdout)["sources"][f"local:{corpus.resolve()}"]
    assert source["ok"] is False and "EmbeddingUnavailable" in source["summary"]["errors"][0]


def test_the_sync_lock_refuses_a_second_holder_in_this_process_and_another(tmp_path: Path) -> None:
    lock = sync_lock(str(tmp_path / "index"))
    script = ("import sys\nfrom bot.index.sync_lock import SyncInProgress, sync_lock\n"
              "try:\n    with sync_lock(sys.argv[1]).hold('other process'): print('acquired')\n"
              "except SyncInProgress as busy: print('busy:', busy.holder)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}

    with lock.hold("schedule"):
        with pytest.raises(SyncInProgress, match=r"already running \(schedule"):
            with sync_lock(str(tmp_path / "index")).hold("chat"):
                pass
        other = subprocess.run([sys.executable, "-c", script, str(tmp_path / "index")], capture_output=True, text=True,
                               env=env, timeout=60)
    after = subprocess.run([sys.executable, "-c", script, str(tmp_path / "index")], capture_output=True, text=True,
                           env=env, timeout=60)

    assert other.stdout.strip().splitlines()[-1].startswith("busy: schedule (pid")
    assert after.stdout.strip().splitlines()[-1] == "acquired"
    assert not lock.locked()
