"""Feedback on answers (helpful / not helpful), kept next to the index it judges.

Each row holds the question, the answer and the documents it cited, so a bad answer can be traced
to the runbook that misled it without joining against chat history the bot never stores. One row
per user and answer: changing one's mind overwrites, double clicks do not double count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from bot.records.tables import AppTables, quote

TABLE = "feedback"
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("surface", pa.string()),
        ("user", pa.string()),
        ("answer_id", pa.string()),
        ("helpful", pa.bool_()),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("doc_ids", pa.list_(pa.string())),
    ]
)


@dataclass
class Feedback:
    surface: str
    user: str
    answer_id: str
    helpful: bool
    question: str
    answer: str
    doc_ids: list[str] = field(default_factory=list)
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def id(self) -> str:
        return f"{self.surface}:{self.answer_id}:{self.user}"


class FeedbackLog:
    def __init__(self, store: AppTables) -> None:
        self.store = store

    def record(self, feedback: Feedback) -> None:
        row = {"id": feedback.id, "at": feedback.at, "surface": feedback.surface, "user": feedback.user,
               "answer_id": feedback.answer_id, "helpful": feedback.helpful, "question": feedback.question,
               "answer": feedback.answer, "doc_ids": list(feedback.doc_ids)}
        self.store.upsert(TABLE, SCHEMA, "id", pa.Table.from_pylist([row], schema=SCHEMA))

    def for_answer(self, answer_id: str) -> list[Feedback]:
        table = self.store.table(TABLE)
        if table is None:
            return []
        rows = table.search().where(f"answer_id = {quote(answer_id)}").limit(None).to_list()
        return [Feedback(surface=r["surface"], user=r["user"], answer_id=r["answer_id"], helpful=r["helpful"],
                         question=r["question"], answer=r["answer"], doc_ids=list(r["doc_ids"] or []), at=r["at"])
                for r in rows]
