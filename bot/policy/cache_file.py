"""Files the policy keeps under KB_EMBED_CACHE_DIR/policy/ (its vectors, the wording view's weights)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import structlog

log = structlog.get_logger(__name__)


def write_atomically(path: Path, write: Callable[[BinaryIO], None], suffix: str) -> None:
    """`write` into a temporary file beside `path`, then renamed over it: processes starting together never
    read half a file. A folder that cannot be written (a read-only home) is logged and nothing else
    happens: what was computed still serves this process."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=suffix, delete=False) as handle:
            write(handle)
        os.replace(handle.name, path)
    except OSError as error:
        log.warning("policy.cache_unwritable", path=str(path), error=str(error))
