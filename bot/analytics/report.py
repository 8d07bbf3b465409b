"""The report: what was asked, what kb could not answer, which runbooks it leaned on, how queues kept up.

`build_report` reads three tables for one window: the app's questions and escalations
(`bot.records`) and the index's documents (titles, paths, last updates), and returns the
`kb report --json` object, whose top-level keys are a contract documented in the README.
Everything is counted with Arrow and numpy over whole columns, and only gap questions' vectors are
read, so 100,000 recorded questions take a second or two (benchmarks/report_bench.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.analytics.topics import group_questions
from bot.config import Settings
from bot.index.embedding import Embedder
from bot.index.store import Store, in_list
from bot.records import tickets
from bot.records.questions import ANSWERED, ESCALATED, HELPFUL, NOT_FOUND, NOT_HELPFUL, SCHEMA, QuestionTable
from bot.records.tables import AppTables, quote

GAPS = 20
DOCUMENTS = 10
STALE = 20
_PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_COLUMNS = ["at", "surface", "place", "asker", "outcome", "category", "queue", "generated", "doc_ids", "seconds",
            "feedback", "asked_person"]


def parse_period(text: str) -> timedelta:
    """`7d`, `24h`, `2w`: the window a report covers, ending now."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a period: use a number and h, d or w, e.g. 7d, 24h, 2w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def _stamp(when: datetime) -> str:
    return f"timestamp {quote(when.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f'))}"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _strings(table: pa.Table, column: str) -> np.ndarray:
    return np.asarray(table[column].fill_null("").to_numpy(zero_copy_only=False), dtype=object)


def build_report(store: Store, records: AppTables, settings: Settings, *, period: timedelta = timedelta(days=7),
                 now: datetime | None = None, embedder: Callable[[], Embedder] | None = None) -> dict[str, Any]:
    """The report over the `period` ending `now`.

    `embedder` is loaded only for gap questions recorded without a vector (the embedding failed
    when they were asked); without one, such questions are left out of the topics.
    """
    until = now or datetime.now(timezone.utc)
    since = until - period
    window = f"at >= {_stamp(since)} AND at <= {_stamp(until)}"
    table = QuestionTable(records).table(create=False, latest=True)
    rows = (table.search().where(window).select(_COLUMNS).limit(None).to_arrow() if table is not None
            else pa.schema([SCHEMA.field(name) for name in _COLUMNS]).empty_table())
    outcome, feedback = _strings(rows, "outcome"), _strings(rows, "feedback")
    asked = rows["asked_person"].fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    total = rows.num_rows
    counts = Counter(outcome.tolist())
    helpful, not_helpful = int((feedback == HELPFUL).sum()), int((feedback == NOT_HELPFUL).sum())
    generated = rows["generated"].fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    answered = outcome == ANSWERED
    seconds = rows["seconds"].fill_null(0).to_numpy(zero_copy_only=False)
    askers = _strings(rows, "asker")
    report: dict[str, Any] = {
        "since": since.isoformat(), "until": until.isoformat(), "recording": settings.record_questions,
        "retention_days": settings.question_retention_days,
        "questions": total, "askers": len(set(askers.tolist()) - {""}),
        "answered": counts[ANSWERED], "not_found": counts[NOT_FOUND], "escalated": counts[ESCALATED],
        "generated": int((answered & generated).sum()), "snippets": int((answered & ~generated).sum()),
        "helpful": helpful, "not_helpful": not_helpful, "asked_person": int(asked.sum()),
        "rates": {"answered": _rate(counts[ANSWERED], total), "not_found": _rate(counts[NOT_FOUND], total),
                  "escalated": _rate(counts[ESCALATED], total), "helpful": _rate(helpful, helpful + not_helpful)},
        "latency_seconds": ({"p50": round(float(np.percentile(seconds, 50)), 3),
                             "p95": round(float(np.percentile(seconds, 95)), 3)} if total else None),
        "surfaces": _by_surface(rows, outcome),
        "escalations": _escalations(rows, outcome),
        "per_day": _per_day(rows, outcome, since, until),
    }
    report["gaps"] = _gaps(table, window, embedder) if table is not None else []
    negative = (feedback == NOT_HELPFUL) | asked
    report["documents"], report["stale_documents"] = _documents(store, settings, rows, negative, until)
    report["queues"] = _queues(records, since, until)
    return report


def _by_surface(rows: pa.Table, outcome: np.ndarray) -> dict[str, dict[str, int]]:
    surface, place = _strings(rows, "surface"), _strings(rows, "place")
    found: dict[str, dict[str, int]] = {}
    for name in sorted(set(surface.tolist())):
        mine = surface == name
        found[name] = {"questions": int(mine.sum()),
                       **{key: int((mine & (outcome == key)).sum()) for key in (ANSWERED, NOT_FOUND, ESCALATED)},
                       "dm": int((mine & (place == "dm")).sum()), "channel": int((mine & (place == "channel")).sum())}
    return found


def _escalations(rows: pa.Table, outcome: np.ndarray) -> dict[str, dict[str, int]]:
    escalated = outcome == ESCALATED
    return {"categories": dict(Counter(_strings(rows, "category")[escalated].tolist()).most_common()),
            "queues": dict(Counter(_strings(rows, "queue")[escalated].tolist()).most_common())}


def _per_day(rows: pa.Table, outcome: np.ndarray, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Every day of the window, quiet ones included, so a chart's gaps are real gaps."""
    first = np.datetime64(since.astimezone(timezone.utc).date())
    days = np.arange(first, np.datetime64(until.astimezone(timezone.utc).date()) + np.timedelta64(1, "D"))
    kinds = (ANSWERED, NOT_FOUND, ESCALATED)
    counts = np.zeros((len(days), len(kinds)), dtype=np.int64)
    if rows.num_rows:
        day = (rows["at"].to_numpy(zero_copy_only=False).astype("datetime64[D]") - first).astype(np.int64)
        for column, kind in enumerate(kinds):
            np.add.at(counts[:, column], np.clip(day[outcome == kind], 0, len(days) - 1), 1)
    return [{"date": str(date), **dict(zip(kinds, map(int, row)))} for date, row in zip(days, counts)]


def _gaps(table: Any, window: str, embedder: Callable[[], Embedder] | None) -> list[dict[str, Any]]:
    """Not-found questions, answers marked not helpful, answers followed by "ask a person": by topic."""
    gap = (f"{window} AND NOT withheld AND question != '' AND "
           f"(outcome = {quote(NOT_FOUND)} OR feedback = {quote(NOT_HELPFUL)} OR asked_person)")
    rows = table.search().where(gap).select(["question", "vector", "outcome", "feedback", "asked_person"]) \
        .limit(None).to_arrow()
    if not rows.num_rows:
        return []
    questions = rows["question"].to_pylist()
    vectors = rows["vector"]
    present = np.asarray(vectors.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    filled = None
    if not present.all():
        if embedder is not None:
            missing = [questions[i] for i in np.flatnonzero(~present)]
            filled = embedder().embed_queries(missing)
        else:
            keep = np.flatnonzero(present)
            rows, questions, present = rows.take(keep), [questions[i] for i in keep], present[keep]
    matrix = _matrix(rows["vector"], present, filled)
    outcome, feedback = _strings(rows, "outcome"), _strings(rows, "feedback")
    asked = rows["asked_person"].fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    gaps = []
    for topic in group_questions(questions, matrix, limit=GAPS):
        members = np.asarray(topic.members)
        gaps.append({"topic": topic.topic, "count": topic.count, "examples": topic.examples,
                     "not_found": int((outcome[members] == NOT_FOUND).sum()),
                     "not_helpful": int((feedback[members] == NOT_HELPFUL).sum()),
                     "asked_person": int(asked[members].sum())})
    return gaps


def _matrix(column: pa.ChunkedArray, present: np.ndarray, filled: np.ndarray | None) -> np.ndarray:
    """The vectors as one matrix, those recorded without one taken from `filled` in order."""
    stored = column.combine_chunks().filter(pa.array(present)) if not present.all() else column.combine_chunks()
    flat = stored.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
    dimension = len(flat) // max(len(stored), 1) if len(stored) else (filled.shape[1] if filled is not None else 0)
    matrix = np.zeros((len(present), dimension), dtype=np.float32)
    if len(stored):
        matrix[present] = flat.reshape(len(stored), dimension)
    if filled is not None and (~present).any():
        matrix[~present] = filled
    return matrix


def _documents(store: Store, settings: Settings, rows: pa.Table, negative: np.ndarray,
               now: datetime) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Most cited and most often in negative feedback; and the cited documents nobody updated for a while."""
    cited = _count_docs(rows["doc_ids"])
    bad = _count_docs(rows["doc_ids"].filter(pa.array(negative))) if rows.num_rows else Counter()
    good = _count_docs(rows["doc_ids"].filter(pc.equal(rows["feedback"].fill_null(""), HELPFUL))) if rows.num_rows else Counter()
    info = _document_info(store, cited)

    def entry(doc_id: str) -> dict[str, Any]:
        known = info.get(doc_id, {})
        return {"doc_id": doc_id, "title": known.get("title") or doc_id, "path": known.get("path") or "",
                "url": known.get("url") or "", "cited": cited[doc_id], "helpful": good[doc_id], "not_helpful": bad[doc_id]}

    documents = {"most_cited": [entry(doc_id) for doc_id, _ in cited.most_common(DOCUMENTS)],
                 "most_not_helpful": [entry(doc_id) for doc_id, _ in bad.most_common(DOCUMENTS)]}
    cutoff = now - timedelta(days=settings.stale_after_days)
    stale = []
    for doc_id, _ in cited.most_common():
        updated = info.get(doc_id, {}).get("updated_at")
        if updated is not None and updated < cutoff:
            stale.append({**entry(doc_id), "updated_at": updated.isoformat(), "days_old": (now - updated).days})
    return documents, stale[:STALE]


def _count_docs(column: pa.ChunkedArray) -> Counter[str]:
    values = pc.list_flatten(column).to_pylist() if len(column) else []
    return Counter(value for value in values if value)


def _document_info(store: Store, ids: Iterable[str], batch: int = 500) -> dict[str, dict[str, Any]]:
    ids = list(ids)
    found: dict[str, dict[str, Any]] = {}
    if not ids or "documents" not in store.db.list_tables().tables:
        return found
    for start in range(0, len(ids), batch):
        part = (store.documents.search().where(in_list("id", ids[start : start + batch]))
                .select(["id", "title", "path", "url", "updated_at"]).limit(None).to_list())
        found.update({row["id"]: row for row in part})
    return found


def _queues(records: AppTables, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per queue, tickets opened in the window: how many were claimed and resolved, and how fast claimed."""
    table = records.table(tickets.TABLE, latest=True)
    if table is None:
        return []
    where = f"created_at >= {_stamp(since)} AND created_at <= {_stamp(until)}"
    rows = table.search().where(where).select(["queue", "status", "created_at", "claimed_at"]).limit(None).to_arrow()
    queue, status = _strings(rows, "queue"), _strings(rows, "status")
    claimed = np.asarray(rows["claimed_at"].is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    waits = (pc.subtract(rows["claimed_at"], rows["created_at"]).to_numpy(zero_copy_only=False)
             .astype("timedelta64[s]").astype(float) / 60) if rows.num_rows else np.array([])
    result = []
    for name in set(queue.tolist()):
        mine = queue == name
        taken = mine & claimed
        result.append({"queue": name, "opened": int(mine.sum()), "claimed": int(taken.sum()),
                       "resolved": int((mine & (status == tickets.RESOLVED)).sum()),
                       "median_minutes_to_claim": round(float(np.median(waits[taken])), 1) if taken.any() else None})
    return sorted(result, key=lambda entry: (-entry["opened"], entry["queue"]))
