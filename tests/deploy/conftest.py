"""Deployment tests run `kb` commands in-process; keep their logging setup from outliving them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """`kb status` points structlog at CliRunner's stderr, which closes when the command returns."""
    yield
    structlog.reset_defaults()
