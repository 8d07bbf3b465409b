"""Each source as a fake server plus the real connector pointed at it, behind one small interface.

The behaviour every source must share (first sync, no-op re-sync, edits, deletions, rate limits,
outages, resuming a crashed sync) is written once against `Source`; what is particular to a source
lives in its own test module. The benchmark builds on the same pieces.
"""

from __future__ import annotations

import re
from typing import Any

from google.auth.credentials import AnonymousCredentials

from connectors.confluence import Confluence
from connectors.gdrive import GoogleDrive
from connectors.notion import Notion
from connectors.retry import RetryPolicy
from tests.fakes.confluence import FakeConfluence
from tests.fakes.gdrive import DOC, FOLDER, FakeDrive
from tests.fakes.http import FakeAPI
from tests.fakes.notion import FakeNotion, block, text

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.0)
"""Back-off without waiting (Retry-After in tests is 0), so retry tests take no wall time."""

CORPUS = {
    "vpn": ("VPN", "Connect to the corporate VPN with the GlobalProtect client before opening the intranet."),
    "leave": ("Parental leave", "Parental leave is sixteen weeks at full pay for every new parent."),
    "expenses": ("Expenses", "Submit expense receipts within thirty days through the finance portal."),
    "printers": ("Printers", "Printers on floor three need a badge tap to release print jobs."),
}


class Source:
    """One source under test: its fake API, its connector, and how to change its content."""

    kind: str
    api: FakeAPI
    keys: dict[str, str]  # corpus key -> the source's own item id

    def connector(self) -> Any: ...
    def doc_id(self, key: str) -> str: ...
    def edit(self, key: str, sentence: str) -> None: ...
    def delete(self, key: str) -> None: ...
    def content_fetches(self) -> list[str]:
        """Corpus keys whose content (not metadata) was requested, each once, in the order first requested."""
        ...
    def listing_pattern(self) -> str:
        """A path regex for the listing calls, where an outage stops the whole source."""
        ...
    def break_after_first_batch(self) -> None:
        """Make the sync fail for good part-way, after some documents were written."""
        ...

    def _fetched(self, pattern: str) -> list[str]:
        by_item = {item: key for key, item in self.keys.items()}
        found = []
        for path in self.api.paths(status=200):
            match = re.search(pattern, path)
            if match and match.group(1) in by_item:
                found.append(by_item[match.group(1)])
        return list(dict.fromkeys(found))  # a long page takes several paginated requests


class ConfluenceSource(Source):
    kind = "confluence"

    def __init__(self, api: FakeConfluence) -> None:
        self.api = api
        api.add_space("HR", "Human Resources")
        api.add_space("IT", "IT Help")
        self.keys = {}
        for key, (title, sentence) in CORPUS.items():
            space = "HR" if key in ("leave", "expenses") else "IT"
            self.keys[key] = api.add_page(space, title, f"<h1>{title}</h1><p>{sentence}</p>")

    def connector(self) -> Confluence:
        return Confluence(self.api.base, ["HR", "IT"], email="bot@example.com", api_token="secret", cloud=True,
                          page_size=2, retry=FAST_RETRY)

    def doc_id(self, key: str) -> str:
        return f"confluence:{self.keys[key]}"

    def edit(self, key: str, sentence: str) -> None:
        self.api.edit(self.keys[key], f"<h1>{CORPUS[key][0]}</h1><p>{sentence}</p>")

    def delete(self, key: str) -> None:
        self.api.delete(self.keys[key])

    def content_fetches(self) -> list[str]:
        return self._fetched(r"^GET /wiki/rest/api/content/(\d+)$")

    def listing_pattern(self) -> str:
        return r"/content/search$"

    def break_after_first_batch(self) -> None:
        self.api.fail(self.listing_pattern(), 500, times=100, after=1)  # the second result page never comes


class DriveSource(Source):
    kind = "gdrive"

    def __init__(self, api: FakeDrive) -> None:
        self.api = api
        self.root = api.add("Handbook", FOLDER, "root")
        sub = api.add("Policies", FOLDER, self.root)
        self.keys = {}
        for key, (title, sentence) in CORPUS.items():
            parent = self.root if key in ("vpn", "printers") else sub
            html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{sentence}</p></body></html>"
            self.keys[key] = api.add(title, DOC, parent, html)

    def connector(self) -> GoogleDrive:
        return GoogleDrive(AnonymousCredentials(), folders=[self.root], api_endpoint=f"{self.api.url}/drive/v3/",
                           page_size=2, retry=FAST_RETRY)

    def doc_id(self, key: str) -> str:
        return f"gdrive:{self.keys[key]}"

    def edit(self, key: str, sentence: str) -> None:
        title = CORPUS[key][0]
        self.api.edit(self.keys[key], f"<html><body><h1>{title}</h1><p>{sentence}</p></body></html>")

    def delete(self, key: str) -> None:
        self.api.files[self.keys[key]].trashed = True  # trashed reads as deleted

    def content_fetches(self) -> list[str]:
        return self._fetched(r"^GET /drive/v3/files/([^/]+)/export$")

    def listing_pattern(self) -> str:
        return r"^/drive/v3/files$"

    def break_after_first_batch(self) -> None:
        self.api.fail(self.listing_pattern(), 500, times=100, after=2)  # the sub-folder's listing fails


class NotionSource(Source):
    kind = "notion"

    def __init__(self, api: FakeNotion) -> None:
        self.api = api
        self.keys = {}
        title, sentence = CORPUS["vpn"]
        self.root = self.keys["vpn"] = api.add_page(title, [block("paragraph", {"rich_text": text(sentence)})])
        for key in ("leave", "expenses", "printers"):
            title, sentence = CORPUS[key]
            self.keys[key] = api.add_page(title, [block("paragraph", {"rich_text": text(sentence)})], parent=self.root)
        api.pages[self.root].edited = api.clock  # the seeded tree is old

    def connector(self) -> Notion:
        return Notion("ntn_test", pages=[self.root], base_url=self.api.url, page_size=2, retry=FAST_RETRY)

    def doc_id(self, key: str) -> str:
        return f"notion:{self.keys[key]}"

    def edit(self, key: str, sentence: str) -> None:
        self.api.edit(self.keys[key], [block("paragraph", {"rich_text": text(sentence)})])

    def delete(self, key: str) -> None:
        self.api.trash(self.keys[key])

    def content_fetches(self) -> list[str]:
        return self._fetched(r"^GET /v1/blocks/([^/]+)/children$")

    def listing_pattern(self) -> str:
        return r"^/v1/pages/"

    def break_after_first_batch(self) -> None:
        # The last child page's blocks cannot be read: earlier pages are written, the walk is incomplete.
        self.api.fail(f"^/v1/blocks/{self.keys['printers']}/children$", 500, times=100)
