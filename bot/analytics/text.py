"""The report as text: the digest and the chat command's summary, and `kb report`'s plain output.

One wording for every place, so Slack, Teams and the terminal say the same thing; each caller
passes its own escaping for the user-written parts (questions, titles).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.config import Settings

Escape = Callable[[str], str]
DIGEST_GAPS = 5
QUOTE_CHARS = 120


def _plain(text: str) -> str:
    return text


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _quoted(text: str, escape: Escape) -> str:
    text = " ".join(text.split())
    return "“" + escape(text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…") + "”"


def window(report: dict[str, Any]) -> str:
    since, until = (datetime.fromisoformat(report[key]) for key in ("since", "until"))
    return f"{since:%b %d} – {until:%b %d %Y}"


def figures(report: dict[str, Any]) -> str:
    """The period's numbers in one sentence."""
    rates = report["rates"]
    if not report["questions"]:
        return "No questions were recorded in this period." + ("" if report["recording"] else
                                                                " (Recording is off: KB_RECORD_QUESTIONS=false.)")
    return (f"{report['questions']} questions from {report['askers']} people: {_percent(rates['answered'])} answered, "
            f"{_percent(rates['not_found'])} not found, {_percent(rates['escalated'])} passed to a person. "
            f"Feedback: {report['helpful']} helpful, {report['not_helpful']} not helpful; "
            f"{report['asked_person']} asked for a person after an answer.")


def summary_lines(report: dict[str, Any], *, escape: Escape = _plain, full_report: str = "",
                  gaps: int = DIGEST_GAPS) -> list[str]:
    """What the weekly digest and `/kb report` say: the figures, the top gaps with one example each,
    how the queues kept up, and where the full report is."""
    lines = [f"kb report, {window(report)}", figures(report)]
    if report["gaps"] and gaps:
        lines.append("")
        lines.append("What kb could not answer (top topics):")
        for number, gap in enumerate(report["gaps"][:gaps], start=1):
            example = f" — e.g. {_quoted(gap['examples'][0], escape)}" if gap["examples"] else ""
            lines.append(f"{number}. {_quoted(gap['topic'], escape)}: {gap['count']} question"
                         f"{'' if gap['count'] == 1 else 's'}{example}")
    if report["queues"]:
        lines.append("")
        lines.append("Queues: " + "; ".join(queue_line(queue, escape) for queue in report["queues"]))
    if full_report:
        lines.append("")
        lines.append(f"Full report: {full_report}")
    return lines


def full_report_hint(settings: Settings) -> str:
    """Where the full report is: KB_REPORT_URL, or how to make it."""
    return settings.report_url or "`kb report --html report.html` on the kb server (or `kb report --json`)"


def queue_line(queue: dict[str, Any], escape: Escape = _plain) -> str:
    median = queue["median_minutes_to_claim"]
    waited = f", median {median:g} min to claim" if median is not None else ""
    return (f"{escape(queue['queue'])} {queue['opened']} opened, {queue['claimed']} claimed, "
            f"{queue['resolved']} resolved{waited}")


def report_lines(report: dict[str, Any]) -> list[str]:
    """`kb report` without --json: the figures, every gap with its examples, documents, stale pages, queues."""
    lines = [f"kb report, {window(report)}", figures(report)]
    for number, gap in enumerate(report["gaps"], start=1):
        if number == 1:
            lines += ["", "Gaps (not found, not helpful, or followed by “ask a person”), by topic:"]
        lines.append(f"{number:>2}. {_quoted(gap['topic'], _plain)}  ×{gap['count']}")
        lines += [f"      {_quoted(example, _plain)}" for example in gap["examples"]]
    documents = report["documents"]
    for title, key in (("Most cited documents", "most_cited"), ("Most often in negative feedback", "most_not_helpful")):
        if documents[key]:
            lines += ["", f"{title}:"]
            lines += [f"  {doc['title']} ({doc['path'] or doc['doc_id']}): cited {doc['cited']}, "
                      f"helpful {doc['helpful']}, not helpful {doc['not_helpful']}" for doc in documents[key]]
    if report["stale_documents"]:
        lines += ["", "Stale documents (cited, not updated for a while):"]
        lines += [f"  {doc['title']} ({doc['path'] or doc['doc_id']}): {doc['days_old']} days old, cited {doc['cited']}"
                  for doc in report["stale_documents"]]
    if report["queues"]:
        lines += ["", "Queues:"] + [f"  {queue_line(queue)}" for queue in report["queues"]]
    return lines
