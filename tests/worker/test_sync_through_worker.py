"""A sync through KB_EMBED_URL: same index as in-process, and a dead worker never damages it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.index.remote_embedding import EmbeddingUnavailable, RemoteEmbedder
from bot.index.sources import local_folder
from bot.index.store import ModelMismatch
from bot.index.sync import SyncEngine
from bot.runtime import Runtime
from bot.worker import WorkerModel
from tests.worker.conftest import running_worker

QUERIES = ["how do I reset my password", "VPN certificate on a new laptop", "parental leave weeks", "expense receipts"]


def _chunks(runtime: Runtime) -> list[tuple[str, str]]:
    rows = runtime.store.chunks.search().select(["id", "text"]).limit(None).to_list()
    return sorted((row["id"], row["text"]) for row in rows)


def test_sync_through_the_worker_gives_the_same_search_results(tmp_path: Path, corpus: Path, runtime: Runtime,
                                                               worker) -> None:
    remote = Runtime(Settings(data_dir=str(tmp_path / "remote-index"), embed_url=worker.url))

    local_summary = runtime.sync_engine.sync(local_folder(str(corpus), runtime.settings))
    remote_summary = remote.sync_engine.sync(local_folder(str(corpus), remote.settings))

    assert isinstance(remote.embedder, RemoteEmbedder)
    assert remote_summary.errors == [] and remote_summary.chunks_embedded == local_summary.chunks_embedded > 0
    assert remote.store.meta("embed_model") == runtime.store.meta("embed_model")
    assert _chunks(remote) == _chunks(runtime)
    for query in QUERIES:
        here, there = runtime.retriever.search(query, k=5), remote.retriever.search(query, k=5)
        assert [result.id for result in there] == [result.id for result in here], query
        np.testing.assert_allclose([r.similarity for r in there], [r.similarity for r in here], atol=1e-4)


def test_a_worker_of_another_model_is_refused_by_the_index(tmp_path: Path, corpus: Path, runtime: Runtime,
                                                           embedder) -> None:
    runtime.sync_engine.sync(local_folder(str(corpus), runtime.settings))
    other = WorkerModel(embedder.sentence_model, model_id="intfloat/e5-small-v2", device="cpu")
    with running_worker(other) as worker:
        remote = Runtime(Settings(data_dir=runtime.settings.data_dir, embed_url=worker.url))
        with pytest.raises(ModelMismatch, match="kb sync --rebuild"):
            remote.sync_engine.sync(local_folder(str(corpus), remote.settings))
    assert runtime.store.meta("embed_model") and "MiniLM" in runtime.store.meta("embed_model")


def test_workers_of_different_models_behind_one_setting_are_refused(embedder) -> None:
    same = WorkerModel(embedder.sentence_model, model_id=embedder.model_name, device="cpu")
    other = WorkerModel(embedder.sentence_model, model_id="intfloat/e5-small-v2", device="cpu")
    with running_worker(same) as first, running_worker(other) as second:
        remote = RemoteEmbedder(f"{first.url},{second.url}")
        with pytest.raises(ModelMismatch, match="different models"):
            remote.model_name


def test_a_worker_redeployed_with_another_model_mid_sync_fails_the_batch(worker, worker_model) -> None:
    remote = RemoteEmbedder(worker.url, info_ttl=3600)
    assert remote.model_name == worker_model.model_id
    worker_model.model_id = "intfloat/e5-small-v2"  # what /info and every response now say

    with pytest.raises(ModelMismatch, match="now serves intfloat/e5-small-v2"):
        remote.embed_documents(["a chunk"])


def test_a_dead_worker_is_skipped_for_a_live_one(worker, embedder, unused_port: int) -> None:
    remote = RemoteEmbedder(f"http://127.0.0.1:{unused_port},{worker.url}", request_texts=2, backoff=0.01)

    vectors = remote.embed_documents(["one", "two", "three", "four", "five"])

    np.testing.assert_allclose(vectors, embedder.embed_documents(["one", "two", "three", "four", "five"]), atol=1e-5)


def test_no_worker_answering_is_a_clear_error(unused_port: int) -> None:
    remote = RemoteEmbedder(f"http://127.0.0.1:{unused_port}", retries=1, backoff=0.01)

    with pytest.raises(EmbeddingUnavailable, match=rf"no embedding worker answered /info .*127.0.0.1:{unused_port}"):
        remote.model_name


class StopsWorkerAfterFirstDocument:
    """The real local folder connector; the worker dies once the sync has started reading it."""

    def __init__(self, inner, worker) -> None:  # noqa: ANN001 - LocalFolder, RunningWorker
        self.inner, self.worker = inner, worker
        self.name = inner.name

    def documents(self, since=None) -> Iterator:  # noqa: ANN001
        for number, item in enumerate(self.inner.documents(since)):
            yield item
            if number == 0:
                self.worker.stop()

    def list_ids(self) -> set[str]:
        return self.inner.list_ids()


def test_a_worker_dying_mid_sync_fails_the_sync_and_leaves_the_index_as_it_was(tmp_path: Path, corpus: Path,
                                                                                 worker) -> None:
    settings = Settings(data_dir=str(tmp_path / "index"), embed_url=worker.url)
    runtime = Runtime(settings)
    runtime.embedder = RemoteEmbedder(worker.url, retries=2, backoff=0.01)
    engine = SyncEngine(runtime.store, runtime.embedder, chunk_tokens=settings.chunk_tokens)
    assert engine.sync(local_folder(str(corpus), settings)).errors == []
    before, documents_before = _chunks(runtime), runtime.store.count_documents()
    cursor_before = runtime.store.cursor(local_folder(str(corpus), settings).name)
    (corpus / "it" / "vpn.md").write_text("# VPN\n\nThe VPN now uses passkeys instead of certificates.\n")
    (corpus / "hr" / "expenses.txt").unlink()

    summary = engine.sync(StopsWorkerAfterFirstDocument(local_folder(str(corpus), settings), worker))

    assert len(summary.errors) == 1
    assert "EmbeddingUnavailable: no embedding worker answered /embed after 3 attempts" in summary.errors[0]
    assert "Connection refused" in summary.errors[0] or "ConnectError" in summary.errors[0]
    assert summary.deleted == 0 and summary.chunks_embedded == 0
    assert _chunks(runtime) == before  # the old VPN text and the deleted file's chunks are all still there
    assert runtime.store.count_documents() == documents_before
    run = runtime.store.last_runs()[local_folder(str(corpus), settings).name]
    assert run["ok"] is False and run["cursor"] == cursor_before


@pytest.fixture()
def unused_port() -> int:
    """A port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
