"""Documents per second each connector streams from its fake server: fetch plus conversion to markdown.

    .venv/bin/python benchmarks/connectors_bench.py [--pages 2000]

No index and no embedding model are involved: this measures the connectors alone (the real client
libraries over local HTTP), which is the part a connector change can make slower. Embedding speed
is measured elsewhere and dominates a real sync.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from google.auth.credentials import AnonymousCredentials  # noqa: E402

from connectors.base import Document  # noqa: E402
from connectors.confluence import Confluence  # noqa: E402
from connectors.gdrive import GoogleDrive  # noqa: E402
from connectors.notion import Notion  # noqa: E402
from tests.fakes.confluence import FakeConfluence  # noqa: E402
from tests.fakes.gdrive import DOC, FOLDER, FakeDrive  # noqa: E402
from tests.fakes.notion import FakeNotion, block, text  # noqa: E402

PARAGRAPH = ("Employees request parental leave through the HR portal at least four weeks ahead; "
             "managers approve within two working days and payroll adjusts the next run. ")


def confluence(pages: int) -> tuple[FakeConfluence, Confluence]:
    api = FakeConfluence()
    api.start()
    api.add_space("HR", "Human Resources")
    for number in range(pages):
        api.add_page("HR", f"Policy {number}", f"<h1>Policy {number}</h1><h2>Scope</h2><p>{PARAGRAPH * 4}</p>"
                     f"<ul><li>Step one</li><li>Step two</li></ul>")
    return api, Confluence(api.base, ["HR"], email="bench@example.com", api_token="t", cloud=True, page_size=50)


def gdrive(pages: int) -> tuple[FakeDrive, GoogleDrive]:
    api = FakeDrive()
    api.start()
    root = api.add("Handbook", FOLDER, "root")
    folders = [api.add(f"Section {n}", FOLDER, root) for n in range(20)]
    for number in range(pages):
        api.add(f"Policy {number}", DOC, folders[number % 20],
                f"<html><body><h1>Policy {number}</h1><h2>Scope</h2><p>{PARAGRAPH * 4}</p></body></html>")
    return api, GoogleDrive(AnonymousCredentials(), folders=[root], api_endpoint=f"{api.url}/drive/v3/")


def notion(pages: int) -> tuple[FakeNotion, Notion]:
    api = FakeNotion()
    api.start()
    root = api.add_page("Handbook", [block("paragraph", {"rich_text": text("Start here.")})])
    sections = [api.add_page(f"Section {n}", [block("paragraph", {"rich_text": text("Section.")})], parent=root)
                for n in range(20)]
    for number in range(pages - 21):
        api.add_page(f"Policy {number}", [block("heading_2", {"rich_text": text("Scope")}),
                                          block("paragraph", {"rich_text": text(PARAGRAPH * 4)}),
                                          block("bulleted_list_item", {"rich_text": text("Step one")})],
                     parent=sections[number % 20])
    return api, Notion("ntn_bench", pages=[root], base_url=api.url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    print(f"connector throughput, {args.pages} pages each, fake servers on 127.0.0.1; "
          "fetch + convert only (no index, no embedding model)")
    for name, build in (("confluence", confluence), ("gdrive", gdrive), ("notion", notion)):
        api, connector = build(args.pages)
        try:
            started = time.perf_counter()
            count = sum(isinstance(item, Document) for item in connector.documents())
            seconds = time.perf_counter() - started
            requests = len(api.requests)
            listed = len(connector.list_ids())
        finally:
            api.stop()
        print(f"{name:>10}: {count} documents in {seconds:.1f}s = {count / seconds:.0f} documents/s "
              f"({requests} HTTP requests; list_ids: {listed})")


if __name__ == "__main__":
    main()
