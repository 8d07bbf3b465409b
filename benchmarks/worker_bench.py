"""Chunks per second: embedding in-process versus through `kb worker` over HTTP (and on a GPU when present).

    .venv/bin/python benchmarks/worker_bench.py [--chunks 256] [--json]

The worker runs as a real `kb worker` process on a local port; the client is the RemoteEmbedder a
sync uses (concurrent requests of 32 texts). Texts are ~230 word-piece tokens, like real chunks.
On a CPU-only machine both paths share the same cores, so the worker can only add overhead (JSON,
HTTP); its point is a GPU elsewhere, which this script measures too when torch sees one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def chunk_texts(count: int, tokens: int = 230) -> list[str]:
    """Distinct pseudo-chunks built from the test runbooks' vocabulary, each about `tokens` long."""
    words = " ".join(path.read_text(errors="ignore") for path in sorted((REPO / "tests" / "data").rglob("*.*"))).split()
    rng = random.Random(7)
    return [" ".join(rng.choice(words) for _ in range(int(tokens * 0.58))) for _ in range(count)]


def rate(embed, texts: list[str]) -> float:  # noqa: ANN001 - embed_documents of any embedder
    embed(texts[:32])  # warm-up: first calls allocate and tune kernels
    started = time.perf_counter()
    vectors = embed(texts)
    elapsed = time.perf_counter() - started
    assert len(vectors) == len(texts)
    return len(texts) / elapsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_worker(port: int, device: str) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "KB_EMBED_DEVICE": device, "KB_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("kb worker exited during startup")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("kb worker did not become healthy in 180 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=256)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import torch

    from bot.index.embedding import LocalEmbedder
    from bot.index.remote_embedding import RemoteEmbedder

    texts = chunk_texts(args.chunks)
    local = LocalEmbedder(device="cpu")
    tokens = sum(len(ids) for ids in local.sentence_model.tokenizer(texts)["input_ids"]) / len(texts)
    results: dict[str, float | str | None] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "chunks": len(texts),
        "mean_tokens": round(tokens, 1),
        "in_process_cpu": round(rate(local.embed_documents, texts), 1),
    }
    port = free_port()
    worker = start_worker(port, "cpu")
    try:
        remote = RemoteEmbedder(f"http://127.0.0.1:{port}", concurrency=4, request_texts=32)
        results["worker_cpu"] = round(rate(remote.embed_documents, texts), 1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    if torch.cuda.is_available():
        gpu = LocalEmbedder(device="cuda", batch_size=128)
        results["gpu"] = torch.cuda.get_device_name(0)
        results["in_process_gpu_fp16"] = round(rate(gpu.embed_documents, texts), 1)
        port = free_port()
        worker = start_worker(port, "cuda")
        try:
            results["worker_gpu_fp16"] = round(rate(RemoteEmbedder(f"http://127.0.0.1:{port}").embed_documents, texts), 1)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    else:
        results["gpu"] = None  # no CUDA device here: GPU fp16 figures not measured

    if args.json:
        print(json.dumps(results))
        return
    print(f"machine: {results['machine']}; {results['chunks']} chunks of ~{results['mean_tokens']} tokens")
    print(f"in-process (CPU, fp32):  {results['in_process_cpu']:>8} chunks/s")
    print(f"kb worker  (CPU, fp32):  {results['worker_cpu']:>8} chunks/s  (same cores, over local HTTP)")
    if results["gpu"]:
        print(f"in-process ({results['gpu']}, fp16): {results['in_process_gpu_fp16']:>8} chunks/s")
        print(f"kb worker  ({results['gpu']}, fp16): {results['worker_gpu_fp16']:>8} chunks/s")
    else:
        print("GPU: none on this machine (torch.cuda.is_available() is False); GPU fp16 figures not measured")


if __name__ == "__main__":
    main()
