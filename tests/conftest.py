"""Shared fixtures: real parts everywhere (the real model, a real LanceDB in a temp dir)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
for variable in ("KB_DATA_DIR", "KB_LOCAL_PATHS", "KB_EMBED_URL", "KB_EMBED_MODEL", "ANTHROPIC_API_KEY", "KB_ADMINS"):
    os.environ.pop(variable, None)

from bot.config import Settings  # noqa: E402
from bot.index.embedding import Embedder, get_embedder  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run (it takes seconds)."""
    return get_embedder(Settings())


@pytest.fixture(scope="session", autouse=True)
def policy_vectors(embedder: Embedder) -> None:
    """The bundled policy's vectors, in the cache every runtime reads, before any test waits on a reply: built cold
    (a fresh machine, or a changed pool of labelled questions) they take about a minute on two cores, longer than a
    surface test waits for the bot to post."""
    rt = Runtime(Settings())
    rt.embedder = embedder  # the policy is built as every runtime builds it, with the session's model
    rt.policy.classify("how do i request leave?")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the small test runbooks, for tests that edit or delete files."""
    target = tmp_path / "runbooks"
    shutil.copytree(DATA / "runbooks", target)
    return target


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path / "index"))


@pytest.fixture()
def runtime(settings: Settings, embedder: Embedder) -> Runtime:
    rt = Runtime(settings)
    rt.embedder = embedder  # the session's model: same configuration, loaded once
    return rt


class CountingEmbedder:
    """The real embedder, counting what it is asked to embed (to prove unchanged text is skipped)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.documents_embedded = 0

    def embed_documents(self, texts: list[str]):  # noqa: ANN201
        self.documents_embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_queries(self, texts: list[str]):  # noqa: ANN201
        return self.inner.embed_queries(texts)


@pytest.fixture()
def counting(embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


def synced_runtime(tmp_path: Path, embedder: Embedder, pages: dict[str, str], **settings: object) -> Runtime:
    """A runtime over runbooks written from `pages` (file name: markdown) and synced with the session's model:
    for tests whose point is in a page of their own."""
    from bot.index.sources import local_folder

    folder = tmp_path / "runbooks"
    folder.mkdir()
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    rt = Runtime(Settings(data_dir=str(tmp_path / "index"), **settings))
    rt.embedder = embedder
    rt.sync_engine.sync(local_folder(str(folder), rt.settings))
    return rt


@pytest.fixture(scope="session")
def example_runtime(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Runtime:
    """The bundled example runbooks indexed once per run, for answer-quality tests."""
    rt = Runtime(Settings(data_dir=str(tmp_path_factory.mktemp("examples-index"))))
    rt.embedder = embedder
    from bot.index.sources import local_folder

    rt.sync_engine.sync(local_folder(str(REPO / "examples" / "runbooks"), rt.settings))
    return rt
