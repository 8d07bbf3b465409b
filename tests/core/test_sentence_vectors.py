"""Sentence vectors are embedded by the sync and stored with each chunk, so answering a question embeds
no sentence: the quote is scored from the stored vectors. An index from before them still answers
(embedding as it did) and gets them at its next sync, without any chunk embedded again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.answer.retrieve import Retriever
from bot.answer.service import AnswerService
from bot.index import sentence_vectors
from bot.index.sentences import sentences_of
from bot.index.sources import local_folder
from bot.index.store import Store
from bot.index.sync import SyncEngine
from bot.runtime import Runtime
from tests.conftest import CountingEmbedder
from tests.fakes.old_index import drop_sentence_vectors

QUESTION = "How do I set up the VPN on my new laptop?"


def synced(runtime: Runtime, corpus: Path, counting: CountingEmbedder, store: Store | None = None):  # noqa: ANN201
    engine = SyncEngine(store or runtime.store, counting, chunk_tokens=runtime.settings.chunk_tokens)
    return engine.sync(local_folder(str(corpus), runtime.settings))


def stored_rows(store: Store) -> list[dict]:
    return store.chunks.search().select(["id", "text", "sentences"]).limit(None).to_list()


def answering(runtime: Runtime, counting: CountingEmbedder, store: Store | None = None) -> AnswerService:
    """An answer service whose model counts every sentence it is asked to embed."""
    return AnswerService(runtime.settings, Retriever(store or runtime.store, counting), runtime.policy)


def test_every_chunk_stores_the_vectors_of_its_own_sentences(runtime: Runtime, corpus: Path, counting: CountingEmbedder,
                                                             embedder) -> None:  # noqa: ANN001
    summary = synced(runtime, corpus, counting)

    rows = stored_rows(runtime.store)
    assert summary.sentences_embedded == len({s for row in rows for s in sentences_of(row["text"])})
    for row in rows:
        vectors = sentence_vectors.unpack(row["text"], row["sentences"])
        assert list(vectors) == list(dict.fromkeys(sentences_of(row["text"])))
        fresh = embedder.embed_documents(list(vectors))
        cosines = np.sum(np.stack(list(vectors.values())) * fresh, axis=1)
        assert cosines.min() > 0.999, "stored in float16, the vectors are the model's own"


def test_answering_embeds_no_sentence_when_the_index_stores_them(runtime: Runtime, corpus: Path,
                                                                 counting: CountingEmbedder) -> None:
    synced(runtime, corpus, counting)
    asked = CountingEmbedder(counting.inner)

    answer = answering(runtime, asked).answer(QUESTION)

    assert answer.citations and "vpn" in answer.citations[0].path
    assert asked.documents_embedded == 0


def test_an_index_from_before_sentence_vectors_answers_and_gets_them_at_its_next_sync(
        runtime: Runtime, corpus: Path, counting: CountingEmbedder) -> None:
    first = synced(runtime, corpus, counting)
    drop_sentence_vectors(runtime.settings.data_dir)
    older = Store(runtime.settings.data_dir)
    assert older.count_lacking_sentences() == older.count_chunks() > 0
    asked = CountingEmbedder(counting.inner)

    before = answering(runtime, asked, older).answer(QUESTION)

    assert before.citations and asked.documents_embedded > 0, "without stored vectors the answer embeds its sentences"
    embedded = counting.documents_embedded

    upgrade = synced(runtime, corpus, counting, older)

    assert (upgrade.unchanged, upgrade.chunks_embedded) == (5, 0), "no chunk is embedded again"
    assert older.count_lacking_sentences() == 0
    assert upgrade.sentences_embedded == first.sentences_embedded == counting.documents_embedded - embedded
    assert all(sentence_vectors.unpack(row["text"], row["sentences"]) or not sentences_of(row["text"])
               for row in stored_rows(older))
    asked_after = CountingEmbedder(counting.inner)
    after = answering(runtime, asked_after, Store(runtime.settings.data_dir)).answer(QUESTION)
    assert asked_after.documents_embedded == 0
    assert [c.snippet for c in after.citations] == [c.snippet for c in before.citations]


def test_vectors_of_another_split_of_the_text_are_not_used() -> None:
    text = "Open the VPN client. Sign in with Okta."
    blob = sentence_vectors.pack(sentences_of(text), np.eye(2, 4, dtype=np.float32))

    assert list(sentence_vectors.unpack(text, blob)) == ["Open the VPN client.", "Sign in with Okta."]
    assert sentence_vectors.unpack("Open the VPN client! Sign in with Okta.", blob) == {}
    assert sentence_vectors.unpack(text, None) == {} and sentence_vectors.unpack(text, b"garbage") == {}


def test_an_older_index_is_given_its_sentence_vectors_a_bounded_number_of_chunks_a_run(
        runtime: Runtime, corpus: Path, counting: CountingEmbedder) -> None:
    synced(runtime, corpus, counting)
    drop_sentence_vectors(runtime.settings.data_dir)
    older = Store(runtime.settings.data_dir)
    total = older.count_lacking_sentences()
    engine = SyncEngine(older, counting, chunk_tokens=runtime.settings.chunk_tokens, sentence_backfill=3)

    engine.sync(local_folder(str(corpus), runtime.settings))

    assert older.count_lacking_sentences() == total - 3
    engine.sentence_backfill = total
    engine.sync(local_folder(str(corpus), runtime.settings))
    assert older.count_lacking_sentences() == 0
