"""Incremental sync: nothing unchanged is embedded again, and a failing source loses nothing."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.index.sources import local_folder
from bot.index.store import ModelMismatch
from bot.index.sync import SyncEngine
from bot.runtime import Runtime
from connectors.base import Document, IncompleteListing, Skipped
from tests.conftest import CountingEmbedder


def engine(runtime: Runtime, counting: CountingEmbedder) -> SyncEngine:
    return SyncEngine(runtime.store, counting, chunk_tokens=runtime.settings.chunk_tokens)


def paths_found(runtime: Runtime, query: str) -> list[str]:
    return [result.path for result in runtime.retriever.search(query, k=5)]


def test_second_sync_of_unchanged_folder_embeds_nothing(runtime: Runtime, counting: CountingEmbedder, corpus: Path) -> None:
    sync = engine(runtime, counting)
    first = sync.sync(local_folder(str(corpus), runtime.settings))
    assert (first.added, first.changed, first.deleted) == (5, 0, 0)
    assert first.chunks_embedded + first.sentences_embedded == counting.documents_embedded
    assert first.chunks_embedded > 5 and first.sentences_embedded > first.chunks_embedded
    embedded_before = counting.documents_embedded

    second = sync.sync(local_folder(str(corpus), runtime.settings))

    assert (second.added, second.changed, second.deleted, second.unchanged) == (0, 0, 0, 5)
    assert second.chunks_embedded == 0 and counting.documents_embedded == embedded_before
    assert runtime.store.count_documents() == 5


def test_editing_one_file_re_embeds_only_that_file(runtime: Runtime, counting: CountingEmbedder, corpus: Path) -> None:
    sync = engine(runtime, counting)
    sync.sync(local_folder(str(corpus), runtime.settings))
    vpn = corpus / "it" / "vpn.md"
    vpn.write_text(re.sub("tunnelgate", "Wireguardian", vpn.read_text(), flags=re.IGNORECASE))
    before = counting.documents_embedded

    summary = sync.sync(local_folder(str(corpus), runtime.settings))

    vpn_chunks = runtime.store.chunks.count_rows("path = 'it/vpn.md'")
    assert (summary.added, summary.changed, summary.unchanged) == (0, 1, 4)
    assert summary.chunks_embedded == vpn_chunks
    assert counting.documents_embedded - before == summary.chunks_embedded + summary.sentences_embedded
    assert paths_found(runtime, "Wireguardian client")[0] == "it/vpn.md"
    assert not runtime.store.search_text("Tunnelgate", 5)  # the old chunks are gone


def test_deleted_file_leaves_search(runtime: Runtime, counting: CountingEmbedder, corpus: Path) -> None:
    sync = engine(runtime, counting)
    sync.sync(local_folder(str(corpus), runtime.settings))
    assert "hr/parental-leave.md" in paths_found(runtime, "parental leave weeks")
    (corpus / "hr" / "parental-leave.md").unlink()

    summary = sync.sync(local_folder(str(corpus), runtime.settings))

    assert summary.deleted == 1
    assert "hr/parental-leave.md" not in paths_found(runtime, "parental leave weeks")
    assert runtime.store.chunks.count_rows("path = 'hr/parental-leave.md'") == 0


def test_file_that_turns_corrupt_keeps_its_indexed_version(runtime: Runtime, counting: CountingEmbedder, corpus: Path) -> None:
    sync = engine(runtime, counting)
    sync.sync(local_folder(str(corpus), runtime.settings))
    (corpus / "hr" / "expenses.txt").write_bytes(b"\xff\xfe broken")

    summary = sync.sync(local_folder(str(corpus), runtime.settings))

    assert summary.deleted == 0 and any("expenses.txt" in error for error in summary.errors)
    assert "hr/expenses.txt" in paths_found(runtime, "expense receipts within 60 days")


class FlakySource:
    """A source that streams some documents and then fails, or lists only part of itself."""

    def __init__(self, documents: list[Document], fail_after: int | None = None, listing_fails: bool = False) -> None:
        self.name = "flaky"
        self.items = documents
        self.fail_after = fail_after
        self.listing_fails = listing_fails

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        for number, document in enumerate(self.items):
            if self.fail_after is not None and number >= self.fail_after:
                raise ConnectionError("source went away (HTTP 503)")
            yield document

    def list_ids(self) -> set[str]:
        if self.listing_fails:
            raise IncompleteListing("page 2 of the listing timed out")
        return {document.id for document in self.items}


def pages(count: int, version: str = "v1") -> list[Document]:
    return [Document(id=f"p{n}", source="test", title=f"Page {n}", url=f"https://wiki/p{n}", path=f"p{n}",
                     text=f"# Page {n}\n\nPolicy number {n} says {version}.") for n in range(count)]


@pytest.mark.parametrize("still_there, failure", [(3, {"fail_after": 1}), (1, {"listing_fails": True})])
def test_failing_source_deletes_nothing(runtime: Runtime, counting: CountingEmbedder, still_there: int,
                                        failure: dict) -> None:
    sync = engine(runtime, counting)
    sync.sync(FlakySource(pages(3)))
    assert runtime.store.count_documents("flaky") == 3

    summary = sync.sync(FlakySource(pages(still_there, "v2"), **failure))

    assert summary.deleted == 0 and summary.errors
    assert runtime.store.count_documents("flaky") == 3
    assert runtime.store.last_runs()["flaky"]["ok"] is False


def test_empty_listing_never_wipes_a_source(runtime: Runtime, counting: CountingEmbedder) -> None:
    sync = engine(runtime, counting)
    sync.sync(FlakySource(pages(2)))

    summary = sync.sync(FlakySource([]))

    assert runtime.store.count_documents("flaky") == 2
    assert "refusing to delete" in summary.errors[0]


def test_index_refuses_a_different_model(runtime: Runtime, counting: CountingEmbedder) -> None:
    engine(runtime, counting).sync(FlakySource(pages(1)))
    counting.model_name = "some/other-model"
    with pytest.raises(ModelMismatch, match="kb sync --rebuild"):
        engine(runtime, counting).sync(FlakySource(pages(1)))


def test_a_serving_process_sees_a_sync_made_by_another_process(runtime: Runtime, counting: CountingEmbedder,
                                                               corpus: Path) -> None:
    """`kb sync` (or the writer replica) commits through its own handle while `kb serve` keeps its
    tables open: the server must answer from the new version, not the one it opened."""
    from bot.config import Settings
    from bot.index.store import Store

    serving = Runtime(Settings(data_dir=runtime.settings.data_dir, read_consistency=0))
    serving.embedder = runtime.embedder
    engine(runtime, counting).sync(local_folder(str(corpus), runtime.settings))
    assert paths_found(serving, "VPN client")[0] == "it/vpn.md"  # opened at the first version

    vpn = corpus / "it" / "vpn.md"
    vpn.write_text(re.sub("tunnelgate", "Wireguardian", vpn.read_text(), flags=re.IGNORECASE))
    other_process = Store(runtime.settings.data_dir)
    SyncEngine(other_process, counting, chunk_tokens=runtime.settings.chunk_tokens).sync(
        local_folder(str(corpus), runtime.settings))

    assert paths_found(serving, "Wireguardian client")[0] == "it/vpn.md"
    assert not serving.store.search_text("Tunnelgate", 5)


def test_a_sync_reads_what_another_process_committed_just_before_it(runtime: Runtime, counting: CountingEmbedder,
                                                                    corpus: Path) -> None:
    """Two syncs one after the other (a CronJob's and an admin's `/kb reindex`), the second's tables opened
    before the first committed: it must act on the index as it now stands, or it adds every document again."""
    from bot.index.store import Store

    later = Store(runtime.settings.data_dir, read_consistency=None)  # an open handle never looks again by itself
    later.check_model(counting.model_name, counting.dimension)
    assert later.document_states(local_folder(str(corpus), runtime.settings).name) == {}  # its tables, opened
    engine(runtime, counting).sync(local_folder(str(corpus), runtime.settings))  # the first sync commits

    second = SyncEngine(later, counting, chunk_tokens=runtime.settings.chunk_tokens).sync(
        local_folder(str(corpus), runtime.settings))

    assert (second.added, second.unchanged, second.chunks_embedded, second.errors) == (0, 5, 0, [])
    assert Store(runtime.settings.data_dir).count_documents() == 5
    assert Store(runtime.settings.data_dir).count_chunks() == runtime.store.count_chunks()


@pytest.mark.parametrize("rebuilt", [True, False], ids=["rebuilt", "dropped, not yet rebuilt"])
def test_a_sync_after_another_process_rebuilt_the_index_reads_the_new_tables(
        runtime: Runtime, counting: CountingEmbedder, corpus: Path, rebuilt: bool) -> None:
    """`kb sync --rebuild` elsewhere drops the tables this process has open, and writes them anew unless it stopped
    first: the next sync here reads what is there now, or builds the index afresh."""
    from bot.index.store import Store

    folder = local_folder(str(corpus), runtime.settings)
    later = Store(runtime.settings.data_dir, read_consistency=None)
    here = SyncEngine(later, counting, chunk_tokens=runtime.settings.chunk_tokens)
    here.sync(folder)  # its tables open, their key indexes made
    runtime.store.drop_all()
    if rebuilt:
        engine(runtime, counting).sync(folder)

    second = here.sync(folder)

    assert (second.added, second.unchanged, second.errors) == ((0, 5, []) if rebuilt else (5, 0, []))
    assert Store(runtime.settings.data_dir).count_documents() == 5
    assert {index.name for index in later.chunks.list_indices()} >= {"id_idx", "doc_id_idx"}  # key indexes made


def long_page(sections: int, version: str = "Quillvane") -> Document:
    body = "\n\n".join(f"## Step {n}\n\n" + f"Step {n} of the {version} procedure: open the form. " * 40
                       for n in range(sections))
    return Document(id="long", source="test", title="Long page", url="https://wiki/long", path="long",
                    text=f"# Long page\n\n{body}")


def chunk_ids(runtime: Runtime, doc_id: str) -> list[str]:
    rows = runtime.store.chunks.search().where(f"doc_id = '{doc_id}'").select(["id"]).limit(None).to_list()
    return sorted(row["id"] for row in rows)


def test_a_document_that_got_shorter_keeps_none_of_its_old_chunks(runtime: Runtime, counting: CountingEmbedder) -> None:
    sync = engine(runtime, counting)
    sync.sync(FlakySource([long_page(6), *pages(2)]))
    before = len(chunk_ids(runtime, "long"))

    summary = sync.sync(FlakySource([long_page(1, "Brightmoor"), *pages(2)]))

    after = chunk_ids(runtime, "long")
    assert summary.changed == 1 and 0 < len(after) < before
    assert after == sorted(f"long#{n}" for n in range(len(after)))
    assert not runtime.store.search_text("Quillvane", 5)
    assert len(chunk_ids(runtime, "p0")) == len(chunk_ids(runtime, "p1")) == 1  # its batch-mates untouched


def test_chunks_a_crashed_batch_left_behind_are_replaced(runtime: Runtime, counting: CountingEmbedder) -> None:
    """A crash after a batch's chunks were written but before its documents were recorded leaves
    chunks of a document the index does not know; the next sync's write of it leaves only its own."""
    sync = engine(runtime, counting)
    sync.sync(FlakySource([long_page(6), *pages(1)]))
    runtime.store.documents.delete("id = 'long'")  # as if the crash came before the document row
    leftover = len(chunk_ids(runtime, "long"))

    summary = sync.sync(FlakySource([long_page(1, "Brightmoor"), *pages(1)]))

    assert summary.added == 1
    assert 0 < len(chunk_ids(runtime, "long")) < leftover
    assert not runtime.store.search_text("Quillvane", 5)


def test_sync_writes_look_rows_up_through_key_indexes(runtime: Runtime, counting: CountingEmbedder,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Merges by chunk id and deletes by document go through BTREE indexes, which the sync keeps
    covering what it writes: otherwise every batch scans the whole table."""
    from bot.index import store as store_module

    monkeypatch.setattr(store_module, "KEY_INDEX_STALE_ROWS", 2)
    sync = SyncEngine(runtime.store, counting, chunk_tokens=runtime.settings.chunk_tokens, batch_documents=2)
    sync.sync(FlakySource(pages(9)))

    chunks, documents = runtime.store.chunks, runtime.store.documents
    assert {"id_idx", "doc_id_idx"} <= {index.name for index in chunks.list_indices()}
    assert "id_idx" in {index.name for index in documents.list_indices()}
    for table, index in ((chunks, "id_idx"), (chunks, "doc_id_idx"), (documents, "id_idx")):
        stats = table.index_stats(index)
        assert stats.index_type == "BTREE" and stats.num_indexed_rows >= 6
        assert stats.num_unindexed_rows <= max(2, math.isqrt(500 * stats.num_indexed_rows))


def test_the_access_filter_reads_an_index_of_the_access_lists(runtime: Runtime, counting: CountingEmbedder) -> None:
    """Both search legs prefilter on the asker's access; the sync leaves a LabelList index for it,
    and searching through it still returns exactly what the asker may read."""
    from bot.access.model import Access

    documents = pages(4)
    for document, acl in zip(documents, (["*"], ["group:hr"], ["group:it"], ["group:hr", "group:it"])):
        document.acl = acl
    engine(runtime, counting).sync(FlakySource(documents))

    assert "acl_idx" in {index.name for index in runtime.store.chunks.list_indices()}
    where = Access(frozenset({"*", "group:hr"})).where()
    found = {hit.row["doc_id"] for hit in runtime.store.search_text("Policy number says", 10, where)}
    assert found == {"p0", "p1", "p3"}
