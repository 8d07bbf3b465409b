"""KB_EMBED_BACKEND and KB_EMBED_INT8: which backend runs, the ONNX model's cache, the fall-back to torch, agreement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import structlog

from bot.config import Settings
from bot.index.chunking import chunk_document
from bot.index.embedding import LocalEmbedder, OnnxEmbedder, backend_status, chosen_backend, local_embedder
from bot.index.onnx_build import cpu_quantization
from bot.index.onnx_model import MODEL_FILE
from bot.index.sources import local_folder
from connectors.base import Document

DATA = Path(__file__).parent.parent / "data"


def test_auto_runs_onnx_on_a_cpu_and_torch_when_cuda_or_torch_is_asked_for(tmp_path: Path) -> None:
    assert (Settings().embed_backend, Settings().embed_int8) == ("auto", "none")  # fp32 ONNX: torch's 18F figures
    assert chosen_backend(Settings(embed_device="cpu")) == "onnx"
    assert chosen_backend(Settings(embed_backend="auto", embed_device="cpu")) == "onnx"
    assert chosen_backend(Settings(embed_backend="auto", embed_device="cuda")) == "torch"  # torch fp16 on CUDA
    assert chosen_backend(Settings(embed_backend="torch", embed_device="cpu")) == "torch"
    assert chosen_backend(Settings(embed_backend="onnx", embed_device="cuda")) == "onnx"
    assert type(local_embedder(Settings(embed_backend="auto", embed_device="cpu", embed_cache_dir=str(tmp_path)))) \
        is OnnxEmbedder
    assert type(local_embedder(Settings(embed_backend="torch"))) is LocalEmbedder


def test_the_onnx_model_is_built_at_first_use_and_a_second_start_builds_nothing(tmp_path: Path) -> None:
    settings = Settings(embed_backend="onnx", embed_cache_dir=str(tmp_path))
    assert backend_status(settings)["built"] is False

    first = local_embedder(settings)
    vectors = first.embed_queries(["How do I set up the VPN?"])
    built = [path for path in tmp_path.iterdir() if not path.name.startswith(".")]
    stamps = {path: path.stat().st_mtime_ns for path in built[0].iterdir()}

    second = local_embedder(settings)  # a new process would do the same: nothing in memory is shared
    again = second.embed_queries(["How do I set up the VPN?"])

    assert first.built is True and second.built is False
    assert [path.name for path in tmp_path.iterdir() if not path.name.startswith(".")] == [built[0].name]
    assert {path: path.stat().st_mtime_ns for path in built[0].iterdir()} == stamps
    assert first.backend == second.backend == "onnx float32 cpu"
    assert backend_status(settings) == {"backend": "onnx float32 cpu", "model_dir": str(built[0]), "built": True}
    np.testing.assert_array_equal(vectors, again)  # one text, one forward pass: the same vector every time


def test_another_int8_set_is_another_cached_model_and_the_first_stays(tmp_path: Path) -> None:
    up = Settings(embed_backend="onnx", embed_int8="ffn-up", embed_cache_dir=str(tmp_path))
    every = up.model_copy(update={"embed_int8": "all"})
    first = local_embedder(up)
    first.embed_queries(["VPN"])
    folder = Path(backend_status(up)["model_dir"])
    stamps = {path: path.stat().st_mtime_ns for path in folder.iterdir()}

    changed = local_embedder(every)
    changed.embed_queries(["VPN"])
    back = local_embedder(up)
    back.embed_queries(["VPN"])

    assert (first.built, changed.built, back.built) == (True, True, False)
    assert Path(backend_status(every)["model_dir"]) != folder and backend_status(every)["built"] is True
    assert changed.backend == f"onnx int8 {cpu_quantization()}" and back.backend == first.backend
    assert first.backend == f"onnx int8 ffn-up {cpu_quantization()}"
    assert {path: path.stat().st_mtime_ns for path in folder.iterdir()} == stamps
    assert len([path for path in tmp_path.iterdir() if not path.name.startswith(".")]) == 2


@pytest.mark.parametrize(("int8", "quantized"), [
    ("ffn-up", {(384, 1536)}), ("all-but-ffn-down", {(384, 1536), (384, 384)}),
    ("all", {(384, 1536), (384, 384), (1536, 384)}), ("none", set())])
def test_the_int8_set_decides_which_weight_products_are_int8_in_the_built_graph(
        tmp_path: Path, int8: str, quantized: set[tuple[int, int]]) -> None:
    import onnx

    embedder = local_embedder(Settings(embed_backend="onnx", embed_int8=int8, embed_cache_dir=str(tmp_path)))
    embedder.embed_queries(["VPN"])
    graph = onnx.load(str(embedder.sentence_model.folder / MODEL_FILE))
    shapes = {weight.name: tuple(weight.dims) for weight in graph.graph.initializer}
    int8_weights = [shapes[node.input[1]] for node in graph.graph.node if node.op_type == "MatMulInteger"]
    fp32_weights = [shapes[node.input[1]] for node in graph.graph.node
                    if node.op_type == "MatMul" and node.input[1] in shapes]

    assert set(int8_weights) == quantized  # all-MiniLM-L6-v2: hidden 384, FFN 1536, six layers
    assert len(int8_weights) + len(fp32_weights) == 36 and not set(fp32_weights) & quantized


def test_an_unknown_int8_set_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="KB_EMBED_INT8|embed_int8"):
        Settings(embed_int8="ffn-down")


def test_a_model_that_cannot_be_exported_says_why_and_runs_on_torch(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import BoW

    model_dir = tmp_path / "bow-model"
    SentenceTransformer(modules=[BoW(vocab=["vpn", "laptop", "leave", "password"])], device="cpu").save(str(model_dir))
    settings = Settings(embed_backend="onnx", embed_model=str(model_dir), embed_cache_dir=str(tmp_path / "cache"))

    with structlog.testing.capture_logs() as logs:
        embedder = local_embedder(settings)
        vectors = embedder.embed_documents(["vpn on my laptop", "annual leave"])
    again = local_embedder(settings)
    again.embed_queries(["password"])

    assert embedder.backend == "torch float32 cpu" and vectors.shape == (2, 4)
    assert "only transformer models" in embedder.fallback_reason and "BoW" in embedder.fallback_reason
    failure = next(entry for entry in logs if entry["event"] == "embedder.onnx_unavailable")
    assert failure["log_level"] == "error" and failure["using"] == "torch" and "BoW" in failure["error"]
    assert again.fallback_reason == embedder.fallback_reason and again.built is None  # no second attempt
    assert not [path for path in (tmp_path / "cache").iterdir() if path.is_dir() and not path.name.startswith(".")]
    assert "BoW" in backend_status(settings)["onnx_unavailable"]
    assert json.loads(next((tmp_path / "cache").glob("*.failed.json")).read_text())["error"] == embedder.fallback_reason


@pytest.mark.slow
@pytest.mark.parametrize(("int8", "least"), [("none", 0.9999), ("all", 0.98)])  # the default; the most int8
def test_onnx_and_torch_embeddings_agree_on_the_test_corpus(tmp_path: Path, int8: str, least: float) -> None:
    settings = Settings()
    documents = [item for item in local_folder(str(DATA / "runbooks"), settings).documents()
                 if isinstance(item, Document)]
    texts = [chunk.search_text(document) for document in documents
             for chunk in chunk_document(document, settings.chunk_tokens)]
    torch = LocalEmbedder(device="cpu")
    embedder = local_embedder(Settings(embed_backend="auto", embed_device="cpu", embed_int8=int8,
                                       embed_cache_dir=str(tmp_path)))

    assert embedder.backend.startswith("onnx")  # what auto runs on this CPU
    cosines = np.sum(embedder.embed_documents(texts) * torch.embed_documents(texts), axis=1)
    questions = ["How do I reset my password?", "can i carry over vacation days", "VPN wont connect"]
    query_cosines = np.sum(embedder.embed_queries(questions) * torch.embed_queries(questions), axis=1)

    assert len(texts) >= 5 and cosines.min() > least, cosines
    assert query_cosines.min() > least, query_cosines


class _CountingSession:
    """The model's real ONNX Runtime session, counting its forward passes and the texts in each."""

    def __init__(self, session) -> None:  # noqa: ANN001 - onnxruntime.InferenceSession
        self.session = session
        self.passes: list[int] = []

    def run(self, outputs, feeds):  # noqa: ANN001, ANN201 - InferenceSession.run's own signature
        self.passes.append(len(next(iter(feeds.values()))))
        return self.session.run(outputs, feeds)


def test_fp32_onnx_runs_texts_of_one_length_together_and_each_vector_is_the_one_it_has_alone(
        embedder) -> None:  # noqa: ANN001 - the session's Embedder
    model = embedder.sentence_model
    assert model.meta.int8 == "none"  # the default: fp32
    texts = ["Book it in Tilt.", "Send it to payroll.", "Ask in #it-help.", "Tell your manager first, then People Ops.",
             "Book it in Tilt."]
    lengths = [len(encoding.ids) for encoding in model.tokenizer.encode_batch([text.lower() for text in texts])]
    alone = np.stack([model.encode([text])[0] for text in texts])
    counting = _CountingSession(model.session)
    model.session = counting
    try:
        together = model.encode(texts, batch_size=32)
    finally:
        model.session = counting.session

    assert sorted(counting.passes) == sorted(lengths.count(length) for length in set(lengths))  # no padding computed
    assert len(counting.passes) < len(texts)
    assert np.abs(together - alone).max() < 1e-5
