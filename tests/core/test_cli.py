"""The kb command as scripts use it: JSON out, clear errors, the contract's fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.index.embedding import Embedder


@pytest.fixture()
def kb(embedder: Embedder):  # noqa: ANN201 - the session model is cached per process, so commands reuse it
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # noqa: ANN202
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run


def test_sync_then_ask_search_and_status_as_json(kb, corpus: Path, tmp_path: Path) -> None:  # noqa: ANN001
    data = str(tmp_path / "idx")
    synced = kb("sync", "--path", str(corpus), "--json", "--data-dir", data)
    assert synced.exit_code == 0, synced.output
    summary = json.loads(synced.stdout)
    contract = {"added", "changed", "deleted", "unchanged", "chunks_embedded", "seconds", "errors"}
    assert set(summary) == contract | {"permissions_updated", "sentences_embedded"}, "keys may be added to the contract, never removed"
    assert summary["added"] == 5 and summary["chunks_embedded"] > 0

    again = json.loads(kb("sync", "--path", str(corpus), "--json", "--data-dir", data).stdout)
    assert again["chunks_embedded"] == 0 and again["unchanged"] == 5

    answer = json.loads(kb("ask", "how do I reset my Keystone password?", "--json", "--data-dir", data).stdout)
    assert answer["citations"][0]["path"] == "it/password-reset.md" and answer["no_answer"] is False

    results = json.loads(kb("search", "secure print release badge", "-k", "3", "--json", "--data-dir", data).stdout)
    assert results[0]["path"] == "it/printers.html"
    assert set(results[0]) == {"doc_id", "title", "url", "path", "section", "score", "text"}

    lines = kb("ask", "--jsonl", "--data-dir", data, input="expense receipts\n\nparental leave weeks\n").stdout.splitlines()
    assert [json.loads(line)["citations"][0]["path"] for line in lines] == ["hr/expenses.txt", "hr/parental-leave.md"]

    batches = kb("search", "--jsonl", "-k", "2", "--data-dir", data, input="vpn\nprinter\n").stdout.splitlines()
    assert len(batches) == 2 and all(len(json.loads(line)) == 2 for line in batches)

    status = json.loads(kb("status", "--json", "--data-dir", data).stdout)
    assert status["documents"] == 5 and status["model"]["dimension"] == 384
    assert status["chunks_without_sentence_vectors"] == 0 < status["chunks"]
    assert next(iter(status["sources"].values()))["ok"] is True


def test_human_output_lists_numbered_sources(kb, corpus: Path, tmp_path: Path) -> None:  # noqa: ANN001
    data = str(tmp_path / "idx")
    kb("sync", "--path", str(corpus), "--data-dir", data)
    result = kb("ask", "how many weeks of parental leave do birth parents get?", "--data-dir", data)
    assert result.exit_code == 0
    assert "Sources" in result.stdout and "[1] Parental leave" in result.stdout
    assert "hr/parental-leave.md" in result.stdout


def test_empty_folder_and_empty_index_give_clear_messages(kb, tmp_path: Path) -> None:  # noqa: ANN001
    empty = tmp_path / "empty"
    empty.mkdir()
    data = str(tmp_path / "idx")
    synced = kb("sync", "--path", str(empty), "--data-dir", data)
    assert synced.exit_code == 0 and "No documents found" in synced.output
    asked = kb("ask", "anything", "--data-dir", data)
    assert asked.exit_code == 1 and "index is empty" in asked.output
    missing = kb("sync", "--path", str(tmp_path / "nope"), "--data-dir", data)
    assert missing.exit_code == 1 and "not a folder" in missing.output


def test_corrupt_file_is_reported_and_the_rest_indexed(kb, corpus: Path, tmp_path: Path) -> None:  # noqa: ANN001
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    summary = json.loads(kb("sync", "--path", str(corpus), "--json", "--data-dir", str(tmp_path / "idx")).stdout)
    assert summary["added"] == 5
    assert len(summary["errors"]) == 1 and summary["errors"][0].startswith("broken.pdf:")
