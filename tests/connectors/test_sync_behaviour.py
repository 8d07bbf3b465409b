"""What every source must do, checked against each fake server through the real client library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.index.store import Store
from bot.index.sync import SyncEngine
from bot.runtime import Runtime
from connectors.localdir import LocalFolder
from tests.fakes.sources import CORPUS, Source

DATA = Path(__file__).parent.parent / "data"
CountingEmbedder = Any  # tests/conftest.py's counting fixture


def engine(runtime: Runtime, embedder: object, batch: int = 64) -> SyncEngine:
    return SyncEngine(runtime.store, embedder, chunk_tokens=runtime.settings.chunk_tokens, batch_documents=batch)  # type: ignore[arg-type]


def found(runtime: Runtime, query: str) -> set[str]:
    return {result.doc_id for result in runtime.retriever.search(query, k=5, mode="hybrid")}


def test_first_sync_indexes_every_document(runtime: Runtime, source: Source) -> None:
    connector = source.connector()

    summary = runtime.sync_engine.sync(connector)

    assert summary.errors == []
    assert (summary.added, summary.unchanged, summary.permissions_updated) == (len(CORPUS), 0, 0)
    assert runtime.store.count_documents(connector.name) == len(CORPUS)
    assert source.doc_id("leave") in found(runtime, "how long is parental leave")
    assert sorted(source.content_fetches()) == sorted(CORPUS)


def test_unchanged_second_sync_fetches_and_embeds_nothing(runtime: Runtime, counting: CountingEmbedder,
                                                          source: Source) -> None:
    sync = engine(runtime, counting)
    sync.sync(source.connector())
    embedded_first = counting.documents_embedded
    source.api.clear_log()

    summary = sync.sync(source.connector())

    assert embedded_first > 0
    assert source.content_fetches() == []
    assert counting.documents_embedded == embedded_first
    assert (summary.added, summary.changed, summary.deleted, summary.unchanged) == (0, 0, 0, len(CORPUS))


def test_edited_document_is_reindexed_alone(runtime: Runtime, counting: CountingEmbedder, source: Source) -> None:
    sync = engine(runtime, counting)
    sync.sync(source.connector())
    source.edit("expenses", "Expense receipts are due within ninety days via the Coupa portal.")
    source.api.clear_log()
    before = counting.documents_embedded

    summary = sync.sync(source.connector())

    assert source.content_fetches() == ["expenses"]
    assert (summary.added, summary.changed, summary.deleted) == (0, 1, 0)
    assert 0 < summary.chunks_embedded <= 2
    assert counting.documents_embedded - before == summary.chunks_embedded + summary.sentences_embedded
    texts = [hit.text for hit in runtime.retriever.search("Coupa portal receipts", k=3, mode="text")]
    assert any("ninety days" in text for text in texts)


def test_deleted_document_leaves_search(runtime: Runtime, source: Source) -> None:
    runtime.sync_engine.sync(source.connector())
    assert source.doc_id("printers") in found(runtime, "badge tap to release print jobs")
    source.delete("printers")

    summary = runtime.sync_engine.sync(source.connector())

    assert summary.deleted == 1
    assert source.doc_id("printers") not in found(runtime, "badge tap to release print jobs")
    assert runtime.store.count_documents(source.connector().name) == len(CORPUS) - 1


def test_rate_limit_is_waited_out(runtime: Runtime, source: Source) -> None:
    source.api.fail(source.listing_pattern(), 429, times=1, headers={"Retry-After": "0"})
    source.api.fail(r".", 429, times=1, after=3, headers={"Retry-After": "0"})  # and one mid-sync

    summary = runtime.sync_engine.sync(source.connector())

    assert len(source.api.paths(status=429)) == 2
    assert summary.errors == []
    assert summary.added == len(CORPUS)


def test_outage_of_one_source_leaves_the_others_synced_and_its_documents_untouched(
        runtime: Runtime, source: Source, tmp_path: Path) -> None:
    runtime.sync_engine.sync(source.connector())
    source.delete("printers")
    source.edit("leave", "Parental leave is now twenty weeks.")
    source.api.fail(source.listing_pattern(), 500, times=1000)
    local = LocalFolder(DATA / "runbooks")

    summary = runtime.sync_engine.sync_all([source.connector(), local])

    assert any("500" in error or "Internal" in error or "error" in error.lower() for error in summary.errors)
    assert runtime.store.count_documents(local.name) > 0
    assert runtime.store.count_documents(source.connector().name) == len(CORPUS)  # nothing deleted
    assert source.doc_id("printers") in found(runtime, "badge tap to release print jobs")
    runs = runtime.store.last_runs()
    assert runs[source.connector().name]["ok"] is False
    assert runs[local.name]["ok"] is True


def test_crashed_sync_resumes_without_refetching_what_it_wrote(runtime: Runtime, counting: CountingEmbedder,
                                                               source: Source) -> None:
    sync = engine(runtime, counting, batch=1)
    source.break_after_first_batch()
    crashed = sync.sync(source.connector())
    written = runtime.store.count_documents(source.connector().name)
    assert crashed.errors and 0 < written < len(CORPUS)
    assert runtime.store.last_runs()[source.connector().name]["ok"] is False
    source.api.heal()
    source.api.clear_log()
    embedded = counting.documents_embedded

    summary = sync.sync(source.connector())

    assert summary.errors == []
    assert runtime.store.count_documents(source.connector().name) == len(CORPUS)
    assert len(source.content_fetches()) == len(CORPUS) - written
    assert summary.added == len(CORPUS) - written
    assert counting.documents_embedded - embedded > 0


@pytest.mark.parametrize("status", [500, 503])
def test_transient_server_error_is_retried(runtime: Runtime, source: Source, status: int) -> None:
    source.api.fail(source.listing_pattern(), status, times=1)

    summary = runtime.sync_engine.sync(source.connector())

    assert summary.errors == []
    assert summary.added == len(CORPUS)


def test_status_names_each_source(runtime: Runtime, source: Source) -> None:
    runtime.sync_engine.sync(source.connector())
    store = Store(runtime.settings.data_dir)

    runs = store.last_runs()

    assert source.connector().name in runs
    assert runs[source.connector().name]["summary"]["added"] == len(CORPUS)
    assert runs[source.connector().name]["last_success"] is not None
