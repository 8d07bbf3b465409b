"""Access lists are updated in place, apart from content: an ACL-only change embeds nothing, and an
index written before that (content and ACL hashed together) is taken over without re-embedding."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bot.index.sources import local_folder
from bot.index.store import Store
from bot.index.sync import SyncEngine
from bot.runtime import Runtime
from connectors.base import Document, Skipped
from tests.conftest import CountingEmbedder
from tests.fakes.old_index import old_hash, rewrite_as_before


class StaticSource:
    """A connector serving fixed documents, without the access-listing capability."""

    def __init__(self, documents: list[Document]) -> None:
        self.name = "static"
        self.items = documents

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        yield from self.items

    def list_ids(self) -> set[str]:
        return {document.id for document in self.items}


def handbook(acl: list[str]) -> list[Document]:
    return [Document(id=f"h{n}", source="test", title=f"Rule {n}", url=f"https://wiki/h{n}", path=f"h{n}",
                     text=f"# Rule {n}\n\nRule number {n} of the handbook applies to contractors.", acl=acl)
            for n in range(3)]


def engine(store: Store, counting: CountingEmbedder, runtime: Runtime) -> SyncEngine:
    return SyncEngine(store, counting, chunk_tokens=runtime.settings.chunk_tokens)


def chunk_acls(store: Store) -> dict[str, list[str]]:
    return {row["doc_id"]: row["acl"] for row in store.chunks.search().select(["doc_id", "acl"]).limit(None).to_list()}


def test_old_hash_is_what_earlier_releases_stored() -> None:
    document = Document(id="x", source="s", title="T", url="u", path="p", text="hello", acl=["Group:HR", "a@b.com", "*"])
    # Document.content_hash() of commit 8d15ed3, the last release that hashed the access list with the content.
    assert old_hash(document) == "614b72ca84f8bbc44aeb6c8c32cb1c2e443dbc48a7e255e53e2abd0652224d93"
    assert document.content_hash() != old_hash(document)


def test_an_acl_only_change_is_written_in_place_without_embedding(runtime: Runtime, counting: CountingEmbedder) -> None:
    sync = engine(runtime.store, counting, runtime)
    sync.sync(StaticSource(handbook(["*"])))
    embedded = counting.documents_embedded
    changed = handbook(["*"])
    changed[1] = changed[1].model_copy(update={"acl": ["Group:Legal"]})

    summary = sync.sync(StaticSource(changed))

    assert (summary.added, summary.changed, summary.unchanged, summary.permissions_updated) == (0, 0, 3, 1)
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    assert chunk_acls(runtime.store) == {"h0": ["*"], "h1": ["group:legal"], "h2": ["*"]}
    assert runtime.store.document_states("static")["h1"].acl == ["group:legal"]
    assert [hit.row["doc_id"] for hit in runtime.store.search_text("contractors", 5, "array_has(acl, 'group:legal')")] \
        == ["h1"], "the updated chunks are still found, under their new access list"


def test_an_index_written_before_the_upgrade_is_not_embedded_again(runtime: Runtime, counting: CountingEmbedder,
                                                                    corpus: Path) -> None:
    folder = local_folder(str(corpus), runtime.settings)
    engine(runtime.store, counting, runtime).sync(folder)
    documents = [d for d in folder.documents() if isinstance(d, Document)]
    rewrite_as_before(runtime.settings.data_dir, documents)
    embedded = counting.documents_embedded
    upgraded = Store(runtime.settings.data_dir)

    summary = engine(upgraded, counting, runtime).sync(local_folder(str(corpus), runtime.settings))

    assert (summary.added, summary.changed, summary.unchanged, summary.permissions_updated) == (0, 0, 5, 0)
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    states = upgraded.document_states(folder.name)
    assert {doc_id: state.acl for doc_id, state in states.items()} == {d.id: ["*"] for d in documents}
    assert {doc_id: state.hash for doc_id, state in states.items()} == {d.id: d.content_hash() for d in documents}, \
        "the rows are recorded under the current hash as they pass"
    (corpus / "it" / "vpn.md").write_text("# VPN\n\nUse the Wireguardian client for the VPN now.\n")

    edited = engine(upgraded, counting, runtime).sync(local_folder(str(corpus), runtime.settings))

    assert (edited.changed, edited.unchanged) == (1, 4) and edited.chunks_embedded > 0


def test_an_older_index_takes_an_acl_change_without_embedding(runtime: Runtime, counting: CountingEmbedder) -> None:
    engine(runtime.store, counting, runtime).sync(StaticSource(handbook(["*"])))
    rewrite_as_before(runtime.settings.data_dir, handbook(["*"]))
    embedded = counting.documents_embedded
    upgraded = Store(runtime.settings.data_dir)

    summary = engine(upgraded, counting, runtime).sync(StaticSource(handbook(["group:legal"])))

    assert (summary.changed, summary.unchanged, summary.permissions_updated) == (0, 3, 3)
    assert summary.chunks_embedded == 0 and counting.documents_embedded == embedded
    assert set(map(tuple, chunk_acls(upgraded).values())) == {("group:legal",)}
