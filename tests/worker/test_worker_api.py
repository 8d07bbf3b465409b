"""`kb worker` speaks text-embeddings-inference's HTTP API and batches concurrent callers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np

from bot.index.remote_embedding import MODEL_HEADER
from bot.worker import Limits, WorkerModel
from tests.worker.conftest import CountingModel, running_worker, wait_for

TEXTS = ["How do I reset my password?", "The VPN client needs a certificate from IT before first use.",
         "Parental leave is sixteen weeks, paid in full."]


def test_embed_answers_tei_shapes_with_the_models_vectors(worker, embedder) -> None:
    single = httpx.post(f"{worker.url}/embed", json={"inputs": TEXTS[0]})
    batch = httpx.post(f"{worker.url}/embed", json={"inputs": TEXTS, "normalize": True, "truncate": False})

    assert single.status_code == 200 and batch.status_code == 200
    assert single.headers[MODEL_HEADER] == embedder.model_name
    one, many = np.array(single.json()), np.array(batch.json())
    assert one.shape == (1, 384) and many.shape == (3, 384)  # a string gets a list of one vector, as in TEI
    np.testing.assert_allclose(many, embedder.embed_documents(TEXTS), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(many, axis=1), 1.0, atol=1e-5)


def test_normalize_false_returns_the_models_own_output(worker, counting_model) -> None:
    raw = np.array(httpx.post(f"{worker.url}/embed", json={"inputs": TEXTS, "normalize": False}).json())

    # all-MiniLM-L6-v2 ends in a Normalize module, so its own output is unit length already
    np.testing.assert_allclose(raw, counting_model.inner.encode(TEXTS, normalize_embeddings=False), atol=1e-5)


def test_info_health_and_metrics(worker, embedder) -> None:
    info = httpx.get(f"{worker.url}/info").json()
    health = httpx.get(f"{worker.url}/health")
    httpx.post(f"{worker.url}/embed", json={"inputs": TEXTS})
    page = httpx.get(f"{worker.url}/metrics").text

    assert info["model_id"] == embedder.model_name
    assert info["dimension"] == 384 and info["device"] == "cpu"
    # the worker runs the bot's backend choice (auto: fp32 ONNX on a CPU) and /info says which
    assert info["backend"] == embedder.backend == "onnx float32 cpu" and info["model_dtype"] == "float32"
    assert info["model_type"] == {"embedding": {"pooling": "mean"}}
    assert info["max_input_length"] == 256 and info["max_client_batch_size"] == 8
    assert health.status_code == 200
    assert "kb_worker_texts_embedded_total" in page and "kb_worker_batch_texts_bucket" in page


def test_concurrent_requests_are_coalesced_into_one_model_call_sorted_by_length(worker, counting_model) -> None:
    counting_model.gate = threading.Event()
    requests = [[f"{'word ' * (n % 5 * 7)}question {n}"] for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(httpx.post, f"{worker.url}/embed", json={"inputs": requests[0]}, timeout=60)
        wait_for(counting_model.entered.is_set, what="the first model call")
        rest = [pool.submit(httpx.post, f"{worker.url}/embed", json={"inputs": texts}, timeout=60) for texts in requests[1:]]
        wait_for(lambda: worker.batcher.queued_requests == 7, what="seven queued requests")
        counting_model.gate.set()  # (also released by the fixture's teardown if a wait above fails)
        responses = [first.result(), *(future.result() for future in rest)]

    assert [response.status_code for response in responses] == [200] * 8
    assert len(counting_model.calls) == 2  # one call for the first request, one for the seven that queued behind it
    coalesced = counting_model.calls[1]
    assert sorted(coalesced) == sorted(text for texts in requests[1:] for text in texts)
    assert [len(text) for text in coalesced] == sorted(len(text) for text in coalesced)
    expected = counting_model.inner.encode([texts[0] for texts in requests], normalize_embeddings=True)
    got = np.array([response.json()[0] for response in responses])
    np.testing.assert_allclose(got, expected, atol=1e-5)  # every caller got its own vector back


def test_oversized_and_malformed_requests_get_tei_errors(worker) -> None:
    too_many = httpx.post(f"{worker.url}/embed", json={"inputs": ["a"] * 9})
    too_long = httpx.post(f"{worker.url}/embed", json={"inputs": ["lorem ipsum " * 200]})
    truncated = httpx.post(f"{worker.url}/embed", json={"inputs": ["lorem ipsum " * 200], "truncate": True})
    too_big = httpx.post(f"{worker.url}/embed", json={"inputs": ["x" * 30_000], "truncate": True})
    empty = httpx.post(f"{worker.url}/embed", json={"inputs": []})
    not_text = httpx.post(f"{worker.url}/embed", json={"inputs": [1, 2]})
    not_json = httpx.post(f"{worker.url}/embed", content=b"{inputs:", headers={"Content-Type": "application/json"})

    assert too_many.status_code == 413
    assert too_many.json() == {"error": "batch size 9 > maximum allowed batch size 8", "error_type": "Validation"}
    assert too_long.status_code == 413 and too_long.json()["error_type"] == "Validation"
    assert "must have less than 256 tokens" in too_long.json()["error"]
    assert truncated.status_code == 200 and len(truncated.json()) == 1
    assert too_big.status_code == 413 and "exceeds the limit of 20000 bytes" in too_big.json()["error"]
    assert empty.status_code == 400 and empty.json()["error_type"] == "Empty"
    assert not_text.status_code == 422 and not_json.status_code == 422
    assert httpx.post(f"{worker.url}/embed", json={"inputs": "still serving"}).status_code == 200


def test_a_full_queue_answers_503_with_retry_after_and_recovers(embedder) -> None:
    model = CountingModel(embedder.sentence_model)
    model.gate = threading.Event()
    served = WorkerModel(model, model_id=embedder.model_name, device="cpu")
    with running_worker(served, Limits(max_client_batch=8, max_batch=8, max_queue=4)) as worker, \
            ThreadPoolExecutor(max_workers=2) as pool:
        try:
            holding = pool.submit(httpx.post, f"{worker.url}/embed", json={"inputs": TEXTS}, timeout=60)
            wait_for(model.entered.is_set, what="the model call")
            queued = pool.submit(httpx.post, f"{worker.url}/embed", json={"inputs": ["one more"]}, timeout=60)
            wait_for(lambda: worker.batcher.backlog == 4, what="the queue to fill")  # 3 in the model + 1 waiting
            refused = httpx.post(f"{worker.url}/embed", json={"inputs": ["no room"]})
        finally:
            model.gate.set()
        results = holding.result(), queued.result()
        after = httpx.post(f"{worker.url}/embed", json={"inputs": ["room again"]})

    assert refused.status_code == 503
    assert refused.json()["error_type"] == "Overloaded"
    assert int(refused.headers["Retry-After"]) >= 1
    assert [result.status_code for result in results] == [200, 200]
    assert after.status_code == 200
