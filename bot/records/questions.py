"""The `questions` table: one row per question asked in chat, kept for `KB_QUESTION_RETENTION_DAYS`.

An app record like tickets and feedback (written by people's questions, never rebuilt from the
sources); `bot.analytics.recorder` decides what goes in a row, `bot.analytics.report` reads it.

A row holds what a runbook writer needs to see a gap (the question, what kb did with it, the
documents it cited, what the asker thought of the answer) and nothing that says who asked: the
asker is a keyed hash, good for counting distinct people and for nothing else. The row's id is the
answer id the surfaces put on feedback buttons, so a later "not helpful" or "ask a person" lands on
the question it judges.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from bot.records.tables import AppTables, quote

TABLE = "questions"
ANSWERED, NOT_FOUND, ESCALATED = "answered", "not_found", "escalated"
HELPFUL, NOT_HELPFUL = "helpful", "not_helpful"
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("surface", pa.string()),
        ("place", pa.string()),
        ("asker", pa.string()),
        ("question", pa.string()),
        ("withheld", pa.bool_()),
        ("outcome", pa.string()),
        ("category", pa.string()),
        ("queue", pa.string()),
        ("generated", pa.bool_()),
        ("doc_ids", pa.list_(pa.string())),
        ("seconds", pa.float32()),
        ("feedback", pa.string()),
        ("asked_person", pa.bool_()),
        ("vector", pa.list_(pa.float32())),
    ]
)
"""`place`: "dm" or "channel" (a channel, thread or group chat; never which one). `withheld`: a crisis
message, whose text and vector are not stored. `feedback`: the last verdict on the answer, or null.
`vector`: the question's embedding, which groups gaps into topics without re-embedding at report time."""


class QuestionTable:
    """Reads and writes the table; `AppTables.table` creates it on first use, as for tickets and feedback."""

    def __init__(self, store: AppTables) -> None:
        self.store = store

    def table(self, *, create: bool = True, latest: bool = False) -> Any:
        """`latest`: what every process has written so far (a report), not this handle's last version."""
        return self.store.table(TABLE, SCHEMA if create else None, latest=latest)

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.store.write(TABLE, SCHEMA, lambda table: table.add(pa.Table.from_pylist(rows, schema=SCHEMA)))

    def update(self, surface: str, answer_id: str, values: dict[str, Any]) -> bool:
        """Set `values` on the question behind an answer; False when no such question was recorded."""
        def change(table: Any) -> bool:
            if table is None:
                return False
            result = table.update(where=f"id = {quote(answer_id)} AND surface = {quote(surface)}", values=values)
            return bool(getattr(result, "rows_updated", 1))

        return self.store.write(TABLE, None, change)

    def delete_before(self, cutoff: datetime) -> int:
        where = f"at < timestamp {quote(cutoff.strftime('%Y-%m-%dT%H:%M:%S'))}"

        def change(table: Any) -> int:
            old = 0 if table is None else table.count_rows(where)
            if old:
                table.delete(where)
            return old

        return self.store.write(TABLE, None, change)

    def compact(self) -> None:
        """Fold the one-row appends into few files: a year of questions is otherwise a file each."""
        table = self.table(create=False)
        if table is not None:
            table.optimize()

    def count(self) -> int:
        table = self.table(create=False)
        return 0 if table is None else table.count_rows()
