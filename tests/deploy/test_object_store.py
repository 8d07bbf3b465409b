"""An object-store KB_DATA_DIR is never treated as a local folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Settings
from bot.index.sync_lock import SyncInProgress, sync_lock


def test_locations_under_an_object_store_uri_keep_their_scheme(tmp_path: Path) -> None:
    remote = Settings(data_dir="s3://kb-bucket/index/")
    local = Settings(data_dir=str(tmp_path / "index"))

    assert remote.data_uri("beir", "scifact") == "s3://kb-bucket/index/beir/scifact"
    assert local.data_uri("beir", "scifact") == str(tmp_path / "index" / "beir" / "scifact")
    with pytest.raises(ValueError, match="not a local folder"):
        remote.data_path


def test_the_sync_lock_of_an_object_store_index_creates_no_local_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    lock = sync_lock("s3://kb-bucket/index")

    with lock.hold("schedule"):
        with pytest.raises(SyncInProgress):
            with sync_lock("s3://kb-bucket/index").hold("chat"):
                pass

    assert os.listdir(tmp_path) == []  # no "s3:" folder, no lock file
