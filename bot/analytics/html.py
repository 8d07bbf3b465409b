"""`kb report --html`: the report as one self-contained page, charts drawn by matplotlib.

Self-contained means a file someone can mail or attach to a ticket and open offline: the style is
inline, there is no script, and each chart is an SVG inside an `<img>` data URI (separate documents,
so matplotlib's element ids never clash between charts). Everything a person typed (questions,
titles) is HTML-escaped: a question is user input.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from bot.analytics.text import figures, queue_line, window

COLOURS = {"answered": "#2e7d32", "not_found": "#c62828", "escalated": "#1565c0"}
LABELS = {"answered": "answered", "not_found": "not found", "escalated": "to a person"}
GAP_BARS = 12
LABEL_CHARS = 60

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
.muted { color: #5f6368; } .figures { font-size: 1.05rem; }
.tiles { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.tile { border: 1px solid #dadce0; border-radius: 8px; padding: .6rem .9rem; min-width: 7rem; }
.tile b { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #eceff1; vertical-align: top; }
th { font-weight: 600; background: #f8f9fa; } td.n { font-variant-numeric: tabular-nums; }
th:not(:first-child), td:not(:first-child) { text-align: right; }
img.chart { width: 100%; height: auto; border: 1px solid #eceff1; border-radius: 6px; }
ul.examples { margin: .2rem 0 0 1rem; padding: 0; color: #5f6368; }
"""


def render_html(report: dict[str, Any]) -> str:
    """The whole page for `report` (the `kb report --json` object)."""
    tiles = [("questions", report["questions"]), ("people", report["askers"]), ("answered", report["answered"]),
             ("not found", report["not_found"]), ("to a person", report["escalated"]),
             ("helpful", report["helpful"]), ("not helpful", report["not_helpful"])]
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>kb report, {escape(window(report))}</title><style>{STYLE}</style></head><body>",
        f"<h1>What kb was asked, and could not answer</h1><p class=\"muted\">{escape(window(report))} · "
        f"questions kept {report['retention_days']} days · no user ids are recorded</p>",
        f"<p class=\"figures\">{escape(figures(report))}</p>",
        '<div class="tiles">' + "".join(f'<div class="tile"><b>{value}</b>{escape(name)}</div>'
                                        for name, value in tiles) + "</div>",
        "<h2>Questions per day</h2>", _chart(_per_day_chart(report), "Questions per day by outcome"),
        "<h2>Gaps by topic</h2>",
        "<p class=\"muted\">Questions kb found nothing for, answers marked not helpful, and answers followed by "
        "“ask a person”, grouped by meaning.</p>",
    ]
    if report["gaps"]:
        parts.append(_chart(_gaps_chart(report), "Gap topics by number of questions"))
        parts.append(_table(["topic", "questions", "not found", "not helpful", "asked a person"], [
            [_topic_cell(gap), gap["count"], gap["not_found"], gap["not_helpful"], gap["asked_person"]]
            for gap in report["gaps"]]))
    else:
        parts.append("<p>No gaps in this period.</p>")
    parts.append("<h2>Documents</h2>")
    for title, key in (("Most cited", "most_cited"), ("Most often in negative feedback", "most_not_helpful")):
        parts.append(f"<h3>{title}</h3>")
        parts.append(_table(["document", "cited", "helpful", "not helpful"], [
            [_document_cell(doc), doc["cited"], doc["helpful"], doc["not_helpful"]]
            for doc in report["documents"][key]]) if report["documents"][key] else "<p>None.</p>")
    parts.append("<h2>Stale documents</h2><p class=\"muted\">Cited in this period, not updated for a long time.</p>")
    parts.append(_table(["document", "last updated", "days old", "cited"], [
        [_document_cell(doc), escape(doc["updated_at"][:10]), doc["days_old"], doc["cited"]]
        for doc in report["stale_documents"]]) if report["stale_documents"] else "<p>None.</p>")
    parts.append("<h2>Human queues</h2>")
    if report["queues"]:
        parts.append(_chart(_queues_chart(report), "Tickets per queue and median minutes to claim"))
        parts.append(_table(["queue", "opened", "claimed", "resolved", "median minutes to claim"], [
            [escape(queue["queue"]), queue["opened"], queue["claimed"], queue["resolved"],
             "—" if queue["median_minutes_to_claim"] is None else queue["median_minutes_to_claim"]]
            for queue in report["queues"]]))
        parts.append(f"<p class=\"muted\">{escape('; '.join(queue_line(q) for q in report['queues']))}</p>")
    else:
        parts.append("<p>No tickets opened in this period.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f'<td class="n">{cell}</td>' if isinstance(cell, int | float) else f"<td>{cell}</td>"
                                    for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _topic_cell(gap: dict[str, Any]) -> str:
    examples = "".join(f"<li>{escape(example)}</li>" for example in gap["examples"])
    return f"{escape(gap['topic'])}" + (f'<ul class="examples">{examples}</ul>' if examples else "")


def _document_cell(doc: dict[str, Any]) -> str:
    title = escape(doc["title"])
    linked = f'<a href="{escape(doc["url"])}">{title}</a>' if doc["url"].startswith(("http://", "https://")) else title
    return f'{linked}<div class="muted">{escape(doc["path"] or doc["doc_id"])}</div>'


# -- charts ------------------------------------------------------------------------------------------
def _chart(figure: Any, alt: str) -> str:
    """The figure as an SVG data URI in an <img>; the figure is closed (pyplot keeps no global state here)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="chart" alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A figure not registered with pyplot (no GUI backend, nothing to leak between reports)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _per_day_chart(report: dict[str, Any]) -> Any:
    days = report["per_day"]
    figure, axes = _figure(9, 3.2)
    bottom = [0] * len(days)
    positions = range(len(days))
    for key in ("answered", "not_found", "escalated"):
        values = [day[key] for day in days]
        axes.bar(positions, values, bottom=bottom, color=COLOURS[key], label=LABELS[key], width=0.8)
        bottom = [low + value for low, value in zip(bottom, values)]
    step = max(1, len(days) // 14)
    axes.set_xticks(list(positions)[::step], [day["date"][5:] for day in days][::step], fontsize=8)
    axes.set_ylabel("questions")
    axes.legend(frameon=False, ncols=3, loc="upper left", fontsize=8)
    return figure


def _gaps_chart(report: dict[str, Any]) -> Any:
    gaps = report["gaps"][:GAP_BARS][::-1]
    figure, axes = _figure(9, 0.6 + 0.36 * len(gaps))
    labels = [gap["topic"] if len(gap["topic"]) <= LABEL_CHARS else gap["topic"][: LABEL_CHARS - 1] + "…" for gap in gaps]
    counts = [gap["count"] for gap in gaps]
    bars = axes.barh(range(len(gaps)), counts, color=COLOURS["not_found"])
    axes.set_yticks(range(len(gaps)), labels, fontsize=8)
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_xlabel("questions")
    return figure


def _queues_chart(report: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    queues = report["queues"]
    figure = Figure(figsize=(9, 0.9 + 0.45 * len(queues)), dpi=100)
    counts, waits = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    height = 0.26
    for offset, (key, colour) in enumerate((("opened", "#90a4ae"), ("claimed", "#1565c0"), ("resolved", "#2e7d32"))):
        counts.barh([index + (offset - 1) * height for index in range(len(queues))], [q[key] for q in queues],
                    height=height, color=colour, label=key)
    counts.set_yticks(range(len(queues)), [q["queue"] for q in queues], fontsize=9)
    counts.set_xlabel("tickets")
    counts.invert_yaxis()  # the busiest queue on top, as in the table below (the y axis is shared)
    counts.legend(frameon=False, fontsize=8, ncols=3, loc="lower left", bbox_to_anchor=(0, 1))
    minutes = [q["median_minutes_to_claim"] or 0 for q in queues]
    bars = waits.barh(range(len(queues)), minutes, color="#f9a825")
    waits.bar_label(bars, labels=["—" if q["median_minutes_to_claim"] is None else f"{q['median_minutes_to_claim']:g}"
                                  for q in queues], padding=3, fontsize=8)
    waits.set_xlabel("median minutes to claim")
    for axes in (counts, waits):
        axes.spines[["top", "right"]].set_visible(False)
    return figure
