"""A folder of runbooks on disk: markdown, text, HTML, PDF and DOCX.

The simplest source, and the one the demo and the evaluation sets use. Ids are the resolved file
paths, stable across syncs; `path` is relative to the indexed folder so citations read like the
runbook tree people know.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from connectors.base import Document, IncompleteListing, Skipped
from connectors.markdown import (
    MAX_PAGES,
    docx_to_markdown,
    first_heading,
    html_blocks_to_markdown,
    html_to_markdown,
    pdf_to_markdown,
    split_front_matter,
    strip_template_tags,
    tidy,
)

SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
DEFAULT_EXCLUDE = ("**/node_modules/**", "**/.git/**", "**/_site/**")


class LocalFolder:
    """Connector over one folder, walked recursively."""

    def __init__(
        self,
        root: str | Path,
        *,
        base_url: str = "",
        max_bytes: int = 20_000_000,
        max_pages: int = MAX_PAGES,
        exclude: tuple[str, ...] = DEFAULT_EXCLUDE,
    ) -> None:
        self.root = Path(root).expanduser().resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"{root} is not a folder")
        self.name = f"local:{self.root}"
        self.base_url = base_url.rstrip("/")
        self.max_bytes = max_bytes
        self.max_pages = max_pages
        self.exclude = exclude

    def _files(self) -> Iterator[Path]:
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            if path.suffix.lower() not in SUFFIXES or not path.is_file():
                continue
            if any(part.startswith(".") for part in path.relative_to(self.root).parts):
                continue
            if any(fnmatch.fnmatch("/" + relative, pattern) for pattern in self.exclude):
                continue
            yield path

    def _id(self, path: Path) -> str:
        return f"{self.name}/{path.relative_to(self.root).as_posix()}"

    def list_ids(self) -> set[str]:
        try:
            return {self._id(path) for path in self._files()}
        except OSError as error:
            raise IncompleteListing(f"could not list {self.root}: {error}") from error

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        # Files are cheap to read, so `since` is ignored: the content hash decides what changed,
        # which also catches edits that keep an old mtime (git checkout, rsync -t).
        for path in self._files():
            relative = path.relative_to(self.root).as_posix()
            try:
                yield self.read(path)
            except Exception as error:  # one broken file must never stop the folder
                yield Skipped(id=self._id(path), path=relative, reason=f"{type(error).__name__}: {error}")

    def read(self, path: Path) -> Document:
        relative = path.relative_to(self.root).as_posix()
        size = path.stat().st_size
        if size > self.max_bytes:
            raise ValueError(f"{size:,} bytes is over the {self.max_bytes:,}-byte limit (KB_MAX_DOCUMENT_BYTES)")
        if size == 0:
            raise ValueError("the file is empty")
        data = path.read_bytes()
        suffix = path.suffix.lower()
        meta: dict = {}
        if suffix in {".html", ".htm"}:
            title, text = html_to_markdown(data.decode("utf-8", "replace"))
        elif suffix == ".pdf":
            title, text = pdf_to_markdown(data, self.max_pages)
        elif suffix == ".docx":
            title, text = docx_to_markdown(data)
        else:
            raw = data.decode("utf-8")
            meta, body = split_front_matter(raw)
            text = tidy(html_blocks_to_markdown(strip_template_tags(body)))
            title = str(meta.get("title") or "").strip()
        title = title or first_heading(text) or path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
        if not text.strip():
            raise ValueError("no text found in the file")
        keywords = meta.get("keywords") or meta.get("tags")
        metadata = {"format": suffix.lstrip(".")}
        if keywords:
            metadata["keywords"] = keywords if isinstance(keywords, str) else ", ".join(map(str, keywords))
        return Document(
            id=self._id(path),
            source="local",
            title=title,
            url=f"{self.base_url}/{quote(relative)}" if self.base_url else path.as_uri(),
            path=relative,
            text=text,
            updated_at=datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc),
            metadata=metadata,
        )
