"""A tiny corpus with public and restricted documents, indexed once with the real model and LanceDB.

Documents go in through the real sync engine from in-memory sources, each carrying the access list
its source would give it: so what is tested is exactly what a Confluence or Drive sync writes.
The Slack and Teams fixtures are the wire-level ones of tests/surfaces, pointed at this index.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.index.embedding import Embedder
from bot.runtime import Runtime
from connectors.base import Document, Skipped
from tests.surfaces.conftest import corpus_runtime, slack_bot, teams_bot  # noqa: F401 - fixtures shared with tests/surfaces

ALICE = "alice@corp.com"
"""In group hr-team (KB_ACCESS_FILE), and named on the board offsite file itself."""
BOB = "bob@corp.com"
"""An employee in no group."""

RESTRICTED_QUESTION = "What is the codename of the 2027 laptop refresh?"
RESTRICTED_TITLE = "Laptop refresh plan"
RESTRICTED_URL = "https://wiki.corp.com/spaces/HR/pages/900"
PERSONAL_TITLE = "Board offsite"
PUBLIC_TITLES = {"VPN", "Laptops", "Printers"}


def _doc(doc_id: str, source: str, path: str, title: str, body: str, acl: list[str], url: str) -> Document:
    return Document(id=doc_id, source=source, title=title, url=url, path=path, text=f"# {title}\n\n{body}", acl=acl)


CORPUS = [
    _doc("local:it/vpn.md", "local", "it/vpn.md", "VPN",
         "Connect to the corporate VPN with the GlobalProtect client. The portal address is vpn.corp.com; "
         "sign in with your single sign-on account before opening the intranet.", ["*"], "https://git.corp.com/it/vpn.md"),
    _doc("local:it/laptops.md", "local", "it/laptops.md", "Laptops",
         "Request a new laptop through the IT portal. Standard laptops are replaced every three years; "
         "broken laptops go to the IT desk on floor two.", ["*"], "https://git.corp.com/it/laptops.md"),
    _doc("confluence:900", "confluence", "Human Resources/Laptop refresh plan", RESTRICTED_TITLE,
         "The confidential laptop refresh for 2027 is codenamed Bluebird. Every employee laptop will be "
         "replaced in March 2027 and the budget is four million euros.", ["group:HR-Team"], RESTRICTED_URL),
    _doc("gdrive:offsite", "gdrive", "Board/Board offsite", PERSONAL_TITLE,
         "The board offsite takes place in Lisbon on the twelfth of May; the agenda covers the Bluebird "
         "laptop refresh codename and its budget.", [f"user:{ALICE.upper()}"], "https://docs.google.com/document/d/offsite"),
    _doc("confluence:901", "confluence", "IT Help/Printers", "Printers",
         "Printers on floor three need a badge tap to release print jobs. Printing from a laptop works over "
         "the office wifi.", ["space:IT"], "https://wiki.corp.com/spaces/IT/pages/901"),
]


class StaticSource:
    """A connector serving fixed documents: the sync engine cannot tell it from a real one."""

    def __init__(self, name: str, documents: list[Document]) -> None:
        self.name = name
        self._documents = documents

    def documents(self, since: datetime | None = None) -> Iterator[Document | Skipped]:
        yield from self._documents

    def list_ids(self) -> set[str]:
        return {document.id for document in self._documents}


@pytest.fixture(scope="session")
def access_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("access") / "access.yaml"
    path.write_text(f"group:hr-team: [{ALICE}]\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def secure_runtime(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, access_file: Path) -> Runtime:
    """The corpus above, indexed once; regulated-topic routing off so every question is answered."""
    settings = Settings(data_dir=str(tmp_path_factory.mktemp("secure-index")), policy_enabled=False,
                        access_file=str(access_file), public_principals=["space:IT"])
    runtime = Runtime(settings)
    runtime.embedder = embedder
    for source in ("local", "confluence", "gdrive"):
        summary = runtime.sync_engine.sync(StaticSource(source, [d for d in CORPUS if d.source == source]))
        assert not summary.errors, summary.errors
    return runtime
