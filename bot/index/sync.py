"""Incremental sync: make the index match a source while embedding as little as possible.

Embedding dominates the cost of indexing, so the rule is strict: a document whose content hash is
unchanged is never chunked or embedded again. Deletions are applied only on the strength of a
complete listing, so a source that is down, rate-limited or half-listed never wipes what it had.

Who may read a document is kept apart from its content: a changed access list is written onto the
stored chunks in place. Sources list changes by last-modified time, which a permission change does
not touch, so a source that can (`AccessListingConnector`) gives every item's current readers with
its complete listing, and every sync brings the index's access lists up to date.
"""

from __future__ import annotations

import time
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot import metrics
from bot.index import sentence_vectors
from bot.index.chunking import chunk_document
from bot.index.embedding import Embedder
from bot.index.store import DocumentWrite, ModelMismatch, Store, StoredDocument, now
from connectors.base import (
    AccessListingConnector,
    Connector,
    Document,
    IncompleteListing,
    Skipped,
    VersionedConnector,
    normalise_acl,
)

log = structlog.get_logger(__name__)

CURSOR_OVERLAP = timedelta(minutes=10)
"""Sources stamp edits with their own clocks; re-asking for a little before the last run catches skew."""

SENTENCE_BACKFILL = 20_000
"""Chunks of an older index (synced before sentence vectors were stored) a sync gives them to, at the
most: a one-time cost of about their own embedding, spread over nightly runs so that none overruns.
Until then the answer embeds those chunks' sentences when it quotes them, as it used to."""

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
    sentences_embedded: int = 0
    """Distinct sentences embedded for the quotes (`bot.index.sentence_vectors`): of the chunks embedded,
    and of an older index's chunks given theirs."""
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    permissions_updated: int = 0
    """Documents whose access list changed with their content unchanged: updated in place, not embedded."""

    def merge(self, other: SyncSummary) -> None:
        for name in ("added", "changed", "deleted", "unchanged", "chunks_embedded", "sentences_embedded",
                     "permissions_updated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


def same_content(stored: StoredDocument, document: Document) -> bool:
    """Whether the index already holds this document's text, title and place.

    Indexes written before access lists were updated in place hashed content and access list
    together; such a row is recognised through the access list stored with it, so upgrading
    re-embeds nothing (the sync then records the row under the current hash).
    """
    if stored.hash == document.content_hash():
        return True
    return stored.acl is not None and stored.hash == document.hash_with_acl(stored.acl)


def changed_readers(current: Mapping[str, list[str]], known: Mapping[str, StoredDocument]) -> dict[str, list[str]]:
    """The indexed documents whose access list in `current` differs from the stored one, with the new list."""
    changed = {}
    for doc_id, acl in current.items():
        stored = known.get(doc_id)
        if stored is not None and normalise_acl(acl) != stored.acl:
            changed[doc_id] = normalise_acl(acl)
    return changed


class SyncEngine:
    """Applies sources to one store with one embedder."""

    def __init__(self, store: Store, embedder: Embedder, *, chunk_tokens: int = 200, batch_documents: int = 64,
                 sentence_backfill: int = SENTENCE_BACKFILL) -> None:
        self.store = store
        self.sentence_backfill = sentence_backfill
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.batch_documents = batch_documents

    def sync(self, connector: Connector, progress: ProgressCallback | None = None) -> SyncSummary:
        """Sync one source; every failure is reported in the summary, never raised past it."""
        clock = time.perf_counter()
        started = now()
        summary = SyncSummary()
        scope = connector.name
        self.store.refresh()  # under the sync lock: the index as the last writer left it
        self.store.check_model(self.embedder.model_name)  # the name is known without loading the model
        known = self.store.document_states(scope)
        cursor = self.store.cursor(scope)
        since = cursor - CURSOR_OVERLAP if cursor else None
        report = progress or (lambda event, n: None)
        pending: list[Document] = []
        written: dict[str, StoredDocument] = {}  # indexed documents this run re-embedded, as they now stand
        readers: dict[str, list[str]] = {}  # documents whose access list changed, content not
        rehashed: dict[str, str] = {}  # rows of an older index, to record under the current hash
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
                stored = known.get(item.id)
                if stored is not None and same_content(stored, item):
                    yielded_same += 1
                    readers.update(changed_readers({item.id: item.acl}, known))
                    if stored.hash != item.content_hash():
                        rehashed[item.id] = item.content_hash()
                    continue
                pending.append(item)
                if len(pending) >= self.batch_documents:
                    self._write(scope, pending, known, written, summary, report)
                    pending = []
            self._write(scope, pending, known, written, summary, report)
            if isinstance(connector, AccessListingConnector):
                access = connector.list_access()
                listed = set(access.acls)
            else:
                access, listed = None, connector.list_ids()
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
            for doc_id in gone:
                readers.pop(doc_id, None)
                rehashed.pop(doc_id, None)
            if access is not None:
                readers.update(changed_readers(access.acls, ChainMap(written, known)))
                summary.errors.extend(access.errors)
                for error in access.errors:
                    log.warning("sync.readers_unknown", scope=scope, error=error)
        self._store_sentences(scope, summary)
        # Applied even when the source failed later on: each one is what the source said just now.
        self.store.set_acls(readers)
        self.store.set_hashes(rehashed)
        summary.permissions_updated = len(readers)
        if readers:
            log.info("sync.permissions_updated", scope=scope, documents=len(readers))
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

    def _write(self, scope: str, documents: list[Document], known: Mapping[str, StoredDocument],
               written: dict[str, StoredDocument], summary: SyncSummary, report: ProgressCallback) -> None:
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
        chunk_texts = [chunk.text for _, _, chunks, _ in prepared for chunk in chunks]
        # One call for the chunks and their sentences: sorted by length, batched inside.
        vectors, sentences, embedded = sentence_vectors.embed_with_sentences(self.embedder.embed_documents, texts,
                                                                             chunk_texts)
        summary.sentences_embedded += embedded
        report("embedded", len(texts))
        items, offset = [], 0
        for document, digest, chunks, search_texts in prepared:
            end = offset + len(chunks)
            items.append(DocumentWrite(document, digest, chunks, search_texts, vectors[offset:end],
                                       sentences[offset:end]))
            offset = end
        self.store.write_documents(scope, items)
        for document, digest, *_ in prepared:
            if document.id in known:
                summary.changed += 1
                written[document.id] = StoredDocument(digest, normalise_acl(document.acl))
            else:
                summary.added += 1
        summary.chunks_embedded += len(texts)

    def _store_sentences(self, scope: str, summary: SyncSummary, batch: int = 256) -> None:
        """Give chunks of `scope` synced before sentence vectors were stored theirs (`sentence_backfill`
        at most per run); their chunk vectors stay. A failure is logged and left to the next run."""
        done, most = 0, self.sentence_backfill
        try:
            while done < most:
                lacking = self.store.chunks_lacking_sentences(scope, min(batch, most - done))
                if not lacking:
                    break
                self.store.check_model(self.embedder.model_name, self.embedder.dimension)
                _, blobs, embedded = sentence_vectors.embed_with_sentences(self.embedder.embed_documents, [],
                                                                           [text for _, text in lacking])
                summary.sentences_embedded += embedded
                self.store.set_sentences({chunk_id: blob for (chunk_id, _), blob in zip(lacking, blobs)})
                done += len(lacking)
        except ModelMismatch:
            raise
        except Exception as error:
            log.error("sync.sentences_failed", scope=scope, error=str(error), error_type=type(error).__name__)
        if done:
            log.info("sync.sentences_stored", scope=scope, chunks=done)
