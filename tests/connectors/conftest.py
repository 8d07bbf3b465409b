"""Fixtures for the connector tests: each fake server on a random local port, and `source`,
which runs a test once per source (see tests/fakes/sources.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.confluence import FakeConfluence
from tests.fakes.gdrive import FakeDrive
from tests.fakes.http import FakeAPI
from tests.fakes.notion import FakeNotion
from tests.fakes.sources import ConfluenceSource, DriveSource, NotionSource, Source


def _serve(api: FakeAPI) -> Iterator[FakeAPI]:
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture()
def confluence_api() -> Iterator[FakeConfluence]:
    yield from _serve(FakeConfluence())  # type: ignore[misc]


@pytest.fixture()
def drive_api() -> Iterator[FakeDrive]:
    yield from _serve(FakeDrive())  # type: ignore[misc]


@pytest.fixture()
def notion_api() -> Iterator[FakeNotion]:
    yield from _serve(FakeNotion())  # type: ignore[misc]


@pytest.fixture(params=["confluence", "gdrive", "notion"])
def source(request: pytest.FixtureRequest) -> Source:
    if request.param == "confluence":
        return ConfluenceSource(request.getfixturevalue("confluence_api"))
    if request.param == "gdrive":
        return DriveSource(request.getfixturevalue("drive_api"))
    return NotionSource(request.getfixturevalue("notion_api"))
