"""An index on object storage, over the real S3 protocol: moto's S3 server on a local port.

LanceDB (and the sync lock, through obstore) reach it exactly as they reach AWS, with the usual
variables (AWS_ENDPOINT, AWS_ALLOW_HTTP, credentials): sync, an unchanged re-sync, answers, a
serving process that sees another process's sync, and syncs started at once.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import obstore
import pytest
from moto.server import ThreadedMotoServer
from obstore.store import from_url
from typer.testing import CliRunner

from bot import cli
from bot.cli import SYNC_BUSY_EXIT, app
from bot.config import Settings
from bot.index import sync_lock as sync_lock_module
from bot.index.embedding import Embedder
from bot.index.sources import local_folder
from bot.index.sync_lock import LOCK_FILE, SyncInProgress, sync_lock
from bot.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
_buckets = itertools.count()


@dataclass
class S3:
    endpoint: str
    env: dict[str, str]

    def new_index(self) -> str:
        """An empty bucket of its own; its index URI."""
        import boto3

        bucket = f"kb-test-{next(_buckets)}"
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        return f"s3://{bucket}/kb"

    def kb(self, *args: str) -> subprocess.Popen:
        """`kb ARGS` in a process of its own, as an admin or a CronJob runs it."""
        return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env={**os.environ, **self.env},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[ThreadedMotoServer]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def s3(moto_s3: ThreadedMotoServer, monkeypatch: pytest.MonkeyPatch) -> S3:
    host, port = moto_s3.get_host_and_port()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
           "AWS_ENDPOINT": f"http://{host}:{port}", "AWS_ALLOW_HTTP": "true", "KB_LOG_FORMAT": "json",
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return S3(env["AWS_ENDPOINT"], env)


def _finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def test_locations_under_an_object_store_uri_keep_their_scheme(tmp_path: Path) -> None:
    remote = Settings(data_dir="s3://kb-bucket/index/")
    local = Settings(data_dir=str(tmp_path / "index"))

    assert remote.data_uri("beir", "scifact") == "s3://kb-bucket/index/beir/scifact"
    assert local.data_uri("beir", "scifact") == str(tmp_path / "index" / "beir" / "scifact")
    with pytest.raises(ValueError, match="not a local folder"):
        remote.data_path


def test_sync_resync_and_ask_on_s3(s3: S3, corpus: Path, embedder: Embedder) -> None:
    index = s3.new_index()
    kb = CliRunner()

    synced = kb.invoke(app, ["sync", "--path", str(corpus), "--json", "--data-dir", index], catch_exceptions=False)
    again = kb.invoke(app, ["sync", "--path", str(corpus), "--json", "--data-dir", index], catch_exceptions=False)
    answer = kb.invoke(app, ["ask", "how do I reset my Keystone password?", "--json", "--data-dir", index],
                       catch_exceptions=False)

    assert synced.exit_code == 0, synced.output
    first = json.loads(synced.stdout)
    assert first["added"] == 5 and first["chunks_embedded"] > 0
    assert json.loads(again.stdout)["chunks_embedded"] == 0 and json.loads(again.stdout)["unchanged"] == 5
    cited = json.loads(answer.stdout)
    assert cited["no_answer"] is False and cited["citations"][0]["path"] == "it/password-reset.md"
    bucket = from_url(index.rsplit("/kb", 1)[0])
    stored = {item["path"] for batch in obstore.list(bucket, "kb") for item in batch}
    assert any(path.startswith("kb/chunks.lance/") for path in stored)  # in the bucket, not a local folder
    assert not (REPO / "s3:").exists()
    assert f"kb/{LOCK_FILE}" not in stored  # released


def test_a_serving_process_sees_another_process_sync(s3: S3, corpus: Path, embedder: Embedder) -> None:
    index = s3.new_index()
    serving = Runtime(Settings(data_dir=index, read_consistency=0))
    serving.embedder = embedder
    serving.sync_engine.sync(local_folder(str(corpus), serving.settings))
    question = "what is the parking garage code for the Zephyr building?"
    assert not any("parking.md" in hit.path for hit in serving.retriever.search(question, k=5))

    (corpus / "it" / "parking.md").write_text("# Parking\n\nThe Zephyr building's parking garage code is 4417. "
                                             "Visitors get a day pass from reception.\n")
    code, out, err = _finish(s3.kb("sync", "--path", str(corpus), "--json", "--data-dir", index))

    assert code == 0, err
    assert json.loads(out)["added"] == 1
    assert any(hit.path.endswith("parking.md") for hit in serving.retriever.search(question, k=5))  # same open tables


def test_a_sync_is_refused_while_another_process_holds_the_lock(s3: S3, corpus: Path, embedder: Embedder) -> None:
    index = s3.new_index()

    with sync_lock(index).hold("schedule"):  # what kb serve's nightly sync holds
        code, out, err = _finish(s3.kb("sync", "--path", str(corpus), "--json", "--data-dir", index))

    assert code == SYNC_BUSY_EXIT
    assert "already running (schedule (pid" in err and "nothing was changed" in " ".join(err.split())
    code, out, err = _finish(s3.kb("sync", "--path", str(corpus), "--json", "--data-dir", index))
    assert code == 0 and json.loads(out)["added"] == 5  # the refused run left nothing behind


def test_two_syncs_at_once_one_runs_and_nothing_is_lost_or_duplicated(s3: S3, corpus: Path, embedder: Embedder) -> None:
    index = s3.new_index()

    first, second = (s3.kb("sync", "--path", str(corpus), "--json", "--data-dir", index) for _ in range(2))
    results = [_finish(first), _finish(second)]

    codes = sorted(code for code, _, _ in results)
    summaries = [json.loads(out) for code, out, _ in results if code == 0]
    # Overlapping runs: one syncs, the other is refused. Should one finish before the other takes the
    # lock, the later one finds everything unchanged. Either way each chunk is written once.
    assert codes in ([0, SYNC_BUSY_EXIT], [0, 0]), results
    assert sum(summary["added"] for summary in summaries) == 5
    reader = Runtime(Settings(data_dir=index))
    single = Runtime(Settings(data_dir=s3.new_index()))
    single.embedder = reader.embedder = embedder
    single.sync_engine.sync(local_folder(str(corpus), single.settings))
    assert reader.store.count_documents() == 5
    assert reader.store.count_chunks() == single.store.count_chunks()
    for code, _, err in results:
        if code == SYNC_BUSY_EXIT:
            assert "a sync of this index is already running" in err


def test_the_object_store_lock_is_one_object_and_no_local_folder(s3: S3, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    index = s3.new_index()
    store = from_url(index)

    with sync_lock(index).hold("schedule"):
        held = json.loads(bytes(obstore.get(store, LOCK_FILE).bytes()))
        with pytest.raises(SyncInProgress):
            with sync_lock(index).hold("chat"):
                pass

    assert held["holder"].startswith("schedule (pid ")
    assert os.listdir(tmp_path) == []  # no "s3:" folder, no lock file
    with pytest.raises(FileNotFoundError):
        obstore.get(store, LOCK_FILE)


def test_a_lock_left_by_a_dead_process_is_taken_over_once_stale(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    index = s3.new_index()
    store = from_url(index)
    obstore.put(store, LOCK_FILE, json.dumps({"holder": "kb sync (pid 4242 on gone)", "since": 1.0}).encode())

    with pytest.raises(SyncInProgress, match=r"kb sync \(pid 4242 on gone\)"):
        with sync_lock(index).hold("schedule"):
            pass
    monkeypatch.setattr(sync_lock_module, "STALE_AFTER", 0.0)  # as if it had not been rewritten for ten minutes
    with sync_lock(index).hold("schedule"):
        assert json.loads(bytes(obstore.get(store, LOCK_FILE).bytes()))["holder"].startswith("schedule (pid ")


def test_the_busy_exit_status_is_documented() -> None:
    docs = (REPO / "docs" / "deployment.md").read_text()
    assert f"exits {cli.SYNC_BUSY_EXIT}" in docs
