"""A recorded question history, generated: weeks of chat questions, tickets and documents for reports.

Used by the HTML report test (a few hundred questions) and benchmarks/report_bench.py (100,000). The
rows are what `QuestionRecorder` writes (same table, same columns, vectors from the real model),
made in bulk: each phrasing is embedded once and each of its variants gets that vector with a little
noise, as a reworded question lands near its original.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa

from bot.index.embedding import Embedder
from bot.index.store import DOCUMENTS, Store
from bot.records import tickets
from bot.records.questions import ANSWERED, ESCALATED, HELPFUL, NOT_FOUND, NOT_HELPFUL, QuestionTable
from bot.records.tables import AppTables

GAPS = [
    ["is there a pet insurance benefit?", "do we get pet insurance", "can I insure my dog through work"],
    ["how do I expense my bike commute", "is there a cycle to work scheme", "can I claim my bicycle"],
    ["what is the wifi password in the london office", "london office guest wifi", "wifi login for visitors in london"],
    ["how do I book a parking space", "where can I park at HQ", "is there staff parking"],
    ["when is the next company all hands", "all-hands meeting date", "where is the town hall recording"],
    ["how do I get a standing desk", "can I request an ergonomic chair", "ergonomic assessment for my desk"],
    ["is there a gym discount", "do we get a fitness allowance", "wellness stipend for the gym"],
    ["how do I join the running club", "is there a company sports team", "social clubs at work"],
    ["can I bring my kid to the office", "is there a family day at the office", "childcare on site"],
    ["how do I order business cards", "business cards with the new logo", "who prints business cards"],
    ["how do I get a second monitor", "can I order another screen", "monitor for home office"],
    ["what is the lunch menu today", "is the canteen open on friday", "cafeteria opening hours"],
]
ANSWERED_QUESTIONS = [
    ("how do I set up the VPN", ["doc:vpn", "doc:laptop"]), ("reset my password", ["doc:password"]),
    ("how many weeks of parental leave", ["doc:parental-leave"]), ("how do I submit expenses", ["doc:expenses"]),
    ("printer not working", ["doc:printers"]), ("request time off", ["doc:pto", "doc:holidays"]),
    ("set up my new laptop", ["doc:laptop"]), ("how do I connect to the office wifi", ["doc:wifi", "doc:vpn"]),
    ("where are the holidays listed", ["doc:holidays"]), ("change my bank details for payroll", ["doc:payroll"]),
]
DOCUMENTS_SEEN = {"vpn": 20, "laptop": 400, "password": 30, "parental-leave": 700, "expenses": 90, "printers": 1000,
                  "pto": 60, "holidays": 500, "wifi": 45, "payroll": 15}
"""Each document and how many days ago it was last updated (some stale)."""
ESCALATIONS = [("termination", "people_partner"), ("harassment", "hr"), ("medical", "benefits"), ("legal", "legal")]
VARIANTS = [" ", "?", " please", " thanks", " asap", " again", " for my team", " (new starter)"]
SHARES = {ANSWERED: 0.72, NOT_FOUND: 0.18, ESCALATED: 0.10}


def seed_history(store: Store, records: AppTables, embedder: Embedder, *, questions: int, days: int = 28,
                 now: datetime | None = None, distinct: bool = False, seed: int = 7, batch: int = 25_000) -> None:
    """Write `questions` recorded questions over the last `days` and their tickets (app records), and
    the documents they cite (index).

    `distinct`: every question worded differently (no exact repeats), the slowest case for grouping.
    """
    now = now or datetime.now(timezone.utc)
    rng = np.random.default_rng(seed)
    gap_texts = [text for topic in GAPS for text in topic]
    answer_texts = [text for text, _ in ANSWERED_QUESTIONS]
    vectors = embedder.embed_queries(gap_texts + answer_texts).astype(np.float32)
    _documents(store, now)
    table = QuestionTable(records)
    escalated_rows = []
    for start in range(0, questions, batch):
        size = min(batch, questions - start)
        outcome = rng.choice(list(SHARES), size=size, p=list(SHARES.values()))
        at = now - timedelta(days=days) * rng.random(size) ** 0.8
        # Popular topics are asked more: the first topics most often.
        gap_pick = np.minimum((rng.pareto(1.2, size) * 3).astype(int), len(gap_texts) - 1)
        answer_pick = rng.integers(0, len(answer_texts), size)
        variant = np.arange(start, start + size) if distinct else rng.integers(0, len(VARIANTS), size)
        verdict = rng.random(size)
        rows = []
        for i in range(size):
            kind = outcome[i]
            if kind == ESCALATED:
                category, queue = ESCALATIONS[int(answer_pick[i]) % len(ESCALATIONS)]
                rows.append(_row(f"{start + i:08x}", at[i], "", kind, category, queue, [], None, False, None,
                                 rng, start + i))
                escalated_rows.append((category, queue, at[i]))
                continue
            found = kind == ANSWERED
            base = len(gap_texts) + int(answer_pick[i]) if found else int(gap_pick[i])
            text = (answer_texts[int(answer_pick[i])] if found else gap_texts[int(gap_pick[i])])
            text += VARIANTS[int(variant[i]) % len(VARIANTS)] if not distinct else f" #{int(variant[i])}"
            noise = np.random.default_rng((base, int(variant[i]))).normal(0, 0.015, vectors.shape[1])
            feedback = (NOT_HELPFUL if verdict[i] < 0.04 else HELPFUL if verdict[i] < 0.12 else None) if found else None
            docs = ANSWERED_QUESTIONS[int(answer_pick[i])][1] if found else []
            rows.append(_row(f"{start + i:08x}", at[i], text.strip(), kind, None, None, docs, feedback,
                             feedback == NOT_HELPFUL and verdict[i] < 0.02, (vectors[base] + noise).tolist(), rng,
                             start + i))
        table.add(rows)
    _tickets(records, escalated_rows, rng)
    table.compact()


def _row(row_id: str, at: datetime, text: str, outcome: str, category: str | None, queue: str | None,
         docs: list[str], feedback: str | None, asked: bool, vector: list[float] | None, rng: np.random.Generator,
         number: int) -> dict:
    return {"id": row_id, "at": at, "surface": "slack" if number % 3 else "teams",
            "place": "dm" if number % 4 == 0 else "channel", "asker": f"{int(rng.integers(0, 2000)):032x}",
            "question": text, "withheld": False, "outcome": outcome, "category": category, "queue": queue,
            "generated": bool(number % 2), "doc_ids": docs, "seconds": float(rng.gamma(2.0, 0.4)),
            "feedback": feedback, "asked_person": bool(asked), "vector": vector}


def _documents(store: Store, now: datetime) -> None:
    store.documents.add(pa.Table.from_pylist([
        {"id": f"doc:{name}", "scope": "local:seed", "source": "local", "hash": name, "title": name.replace("-", " ").title(),
         "url": f"https://wiki.example/{name}", "path": f"runbooks/{name}.md", "updated_at": now - timedelta(days=age),
         "synced_at": now, "chunks": 3, "acl": ["*"]} for name, age in DOCUMENTS_SEEN.items()], schema=DOCUMENTS))


def _tickets(records: AppTables, escalated: list[tuple[str, str, datetime]], rng: np.random.Generator) -> None:
    rows = []
    for number, (category, queue, at) in enumerate(escalated):
        claimed = at + timedelta(minutes=float(rng.gamma(2.0, 20.0))) if rng.random() < 0.85 else None
        resolved = claimed + timedelta(hours=float(rng.gamma(2.0, 3.0))) if claimed and rng.random() < 0.7 else None
        status = tickets.RESOLVED if resolved else tickets.CLAIMED if claimed else tickets.OPEN
        ticket = tickets.Ticket(id=f"t{number:08x}", status=status, category=category, queue=queue, reason="policy",
                                surface="slack", user="", conversation={}, question="", created_at=at,
                                claimed_by="someone" if claimed else None, claimed_at=claimed,
                                resolved_by="someone" if resolved else None, resolved_at=resolved)
        rows.append(ticket.to_row())
    if rows:
        records.table(tickets.TABLE, tickets.SCHEMA).add(pa.Table.from_pylist(rows, schema=tickets.SCHEMA))
