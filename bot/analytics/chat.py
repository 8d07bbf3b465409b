"""`/kb report` (Slack) and `report` (Teams): the weekly digest's summary, for admins, privately.

One wording for both surfaces; each surface checks the asker against KB_ADMINS (as for reindex),
says where the summary goes, and escapes for its own markdown.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.analytics.report import build_report, parse_period
from bot.analytics.text import Escape, summary_lines
from bot.config import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

DEFAULT_PERIOD = timedelta(days=7)
REFUSED = ("Sorry, only kb admins can see the question report (the KB_ADMINS setting). "
           "Ask one of them to run `kb report`.")
SLACK_SENDING = "I'll send you the question report in a direct message."
TEAMS_PERSONAL_ONLY = ("The question report names what people asked, so I only send it in a personal chat: "
                       "message me `report` there.")
USAGE = "Use a period like `7d`, `24h` or `2w` after report, or nothing for the last 7 days."


def full_report_hint(settings: Settings) -> str:
    """Where the full report is: KB_REPORT_URL, or how to make it."""
    return settings.report_url or "`kb report --html report.html` on the kb server (or `kb report --json`)"


def report_period(words: list[str]) -> timedelta | None:
    """The period after the verb (`report 30d`); None when it is not one."""
    if len(words) < 2:
        return DEFAULT_PERIOD
    try:
        return parse_period(words[1])
    except ValueError:
        return None


async def summary_text(runtime: Runtime, period: timedelta, escape: Escape, newline: str = "\n") -> str:
    """The digest's summary of the `period` ending now, in a chat's markdown."""
    report = await asyncio.to_thread(build_report, runtime.store, runtime.settings, period=period,
                                     embedder=lambda: runtime.embedder)
    return newline.join(summary_lines(report, escape=escape, full_report=full_report_hint(runtime.settings)))
