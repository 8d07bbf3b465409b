"""Incremental sync: make the index match a source while embedding as little as possible.

Embedding dominates the cost of indexing, so the rule is strict: a document whose content hash is
unchanged is never chunked or embedded again. Deletions are applied only on the strength of a
complete listing, so a source that is down, rate-limited or half-listed never wipes what it had.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot import metrics
from bot.index.chunking import chunk_document
from bot.index.embedding import Embedder
from bot.index.store import ModelMismatch, Store, now
from connectors.base import Connector, Document, IncompleteListing, Skipped, VersionedConnector

log = structlog.get_logger(__name__)

CURSOR_OVERLAP = timedelta(minutes=10)
"""Sources stamp edits with their own clocks; re-asking for a little before the last run catches skew."""

ProgressCallback = Callable[[str, int], None]
"""Called with ("seen", n) as documents stream past and ("embedded", n) as chunks are embedded."""


@dataclass
class SyncSummary:
    """What one sync did: the `kb sync --json` contract."""

    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: SyncSummary) -> None:
        for name in ("added", "changed", "deleted", "unchanged", "chunks_embedded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


def last_syncs(sources: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(source, when it last synced, "ok" or "FAILED") per source of `Store.last_runs`, by name: what
    a status message shows, whichever chat it is written for."""
    rows = []
    for scope, run in sorted(sources.items()):
        last = run.get("last_run")
        when = last.strftime("%Y-%m-%d %H:%M UTC") if isinstance(last, datetime) else "never"
        rows.append((scope, when, "ok" if run.get("ok") else "FAILED"))
    return rows


class SyncEngine:
    """Applies sources to one store with one embedder."""

    def __init__(self, store: Store, embedder: Embedder, *, chunk_tokens: int = 200, batch_documents: int = 64) -> None:
        self.store = store
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.batch_documents = batch_documents

    def sync(self, connector: Connector, progress: ProgressCallback | None = None) -> SyncSummary:
        """Sync one source; every failure is reported in the summary, never raised past it."""
        clock = time.perf_counter()
        started = now()
        summary = SyncSummary()
        scope = connector.name
        self.store.check_model(self.embedder.model_name)  # the name is known without loading the model
        known = self.store.document_hashes(scope)
        cursor = self.store.cursor(scope)
        since = cursor - CURSOR_OVERLAP if cursor else None
        report = progress or (lambda event, n: None)
        pending: list[Document] = []
        yielded_same = 0
        complete = True
        try:
            if isinstance(connector, VersionedConnector):
                # Only what changed since the index's copy is downloaded, so a re-run after a crash
                # skips what the crashed run already wrote instead of fetching it again.
                items = connector.changed_documents(since, self.store.document_versions(scope))
            else:
                items = connector.documents(since)
            for item in items:
                report("seen", 1)
                if isinstance(item, Skipped):
                    summary.errors.append(f"{item.path}: {item.reason}")
                    log.warning("sync.skipped", scope=scope, path=item.path, reason=item.reason)
                    continue
                if known.get(item.id) == item.content_hash():
                    yielded_same += 1
                    continue
                pending.append(item)
                if len(pending) >= self.batch_documents:
                    self._write(scope, pending, known, summary, report)
                    pending = []
            self._write(scope, pending, known, summary, report)
            listed = connector.list_ids()
            if not listed and known:
                raise IncompleteListing(
                    f"the source listed no documents; refusing to delete its {len(known)} indexed documents"
                )
        except ModelMismatch:
            raise
        except Exception as error:  # a failing source keeps everything it had
            complete = False
            summary.errors.append(f"{scope}: {type(error).__name__}: {error}")
            log.error("sync.source_failed", scope=scope, error=str(error), error_type=type(error).__name__)
            summary.unchanged = yielded_same
        else:
            gone = set(known) - listed
            summary.deleted = self.store.delete_documents(sorted(gone))
            summary.unchanged = len(listed & set(known)) - summary.changed
        self.store.optimize()
        summary.seconds = time.perf_counter() - clock
        self.store.record_run(scope, started, complete, started if complete else cursor, summary.to_dict())
        metrics.record_sync(scope, summary, complete)
        log.info("sync.finished", scope=scope, ok=complete, **{k: v for k, v in summary.to_dict().items() if k != "errors"},
                 errors=len(summary.errors))
        return summary

    def sync_all(self, connectors: Iterable[Connector], progress: ProgressCallback | None = None) -> SyncSummary:
        total = SyncSummary()
        clock = time.perf_counter()
        for connector in connectors:
            total.merge(self.sync(connector, progress))
        total.seconds = time.perf_counter() - clock
        return total

    def _write(self, scope: str, documents: list[Document], known: dict[str, str], summary: SyncSummary,
               report: ProgressCallback) -> None:
        if not documents:
            return
        # Checked only when something is to be embedded, so an unchanged sync never loads the model.
        self.store.check_model(self.embedder.model_name, self.embedder.dimension)
        prepared = []
        texts: list[str] = []
        for document in documents:
            chunks = chunk_document(document, self.chunk_tokens)
            search_texts = [chunk.search_text(document) for chunk in chunks]
            prepared.append((document, document.content_hash(), chunks, search_texts))
            texts.extend(search_texts)
        vectors = self.embedder.embed_documents(texts)  # one call: sorted by length, batched inside
        report("embedded", len(texts))
        items, offset = [], 0
        for document, digest, chunks, search_texts in prepared:
            items.append((document, digest, chunks, search_texts, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        self.store.write_documents(scope, items)
        for document, *_ in prepared:
            if document.id in known:
                summary.changed += 1
            else:
                summary.added += 1
        summary.chunks_embedded += len(texts)
