"""The local folder source reads every supported format and never lets one bad file stop the rest."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from connectors.base import Document, Skipped
from connectors.localdir import LocalFolder
from tests.conftest import DATA
from tests.fakes.files import make_pdf


def read_all(folder: Path) -> dict[str, Document | Skipped]:
    return {item.path: item for item in LocalFolder(folder).documents()}


def test_reads_markdown_text_and_html_with_titles_and_relative_paths() -> None:
    items = read_all(DATA / "runbooks")
    assert set(items) == {"hr/expenses.txt", "hr/parental-leave.md", "it/password-reset.md", "it/printers.html", "it/vpn.md"}
    assert items["it/password-reset.md"].title == "Resetting your Keystone password"  # front matter
    assert items["it/password-reset.md"].metadata["keywords"].startswith("password")
    assert "title:" not in items["it/password-reset.md"].text
    html = items["it/printers.html"]
    assert html.title == "Office printers"
    assert "## Secure release" in html.text and "console.log" not in html.text and "Home | IT" not in html.text
    assert items["hr/expenses.txt"].title == "Expenses"


def test_ids_are_stable_and_unique_per_folder() -> None:
    first = LocalFolder(DATA / "runbooks")
    assert first.list_ids() == LocalFolder(DATA / "runbooks").list_ids()
    assert all(doc_id.startswith(first.name + "/") for doc_id in first.list_ids())


def test_pdf_and_docx_become_markdown_with_headings(tmp_path: Path) -> None:
    (tmp_path / "calendar.pdf").write_bytes(make_pdf("Office closed on 26 December"))
    word = docx.Document()
    word.add_heading("Travel form guide", level=1)
    word.add_paragraph("Fill in the cost centre.")
    word.add_heading("Approvals", level=2)
    word.add_paragraph("Your manager approves in Ledger.")
    word.save(str(tmp_path / "travel.docx"))
    items = read_all(tmp_path)
    assert "Office closed on 26 December" in items["calendar.pdf"].text
    assert items["travel.docx"].title == "Travel form guide"
    assert "## Approvals" in items["travel.docx"].text


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", ""),
        ("empty.md", b"", "empty"),
        ("fake.docx", b"PK\x03\x04 not a zip", ""),
        ("latin1.md", "# Caf\xe9\n\nbad bytes".encode("latin-1"), ""),
    ],
)
def test_corrupt_or_empty_file_is_skipped_with_a_reason_and_the_rest_read(tmp_path: Path, name: str, content: bytes,
                                                                         reason: str) -> None:
    (tmp_path / "good.md").write_text("# Good\n\nFine text.")
    (tmp_path / name).write_bytes(content)
    items = read_all(tmp_path)
    assert isinstance(items["good.md"], Document)
    skipped = items[name]
    assert isinstance(skipped, Skipped) and skipped.reason
    assert reason in skipped.reason


def test_oversized_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_text("# Big\n\n" + "word " * 1000)
    items = {item.path: item for item in LocalFolder(tmp_path, max_bytes=100).documents()}
    assert isinstance(items["big.md"], Skipped) and "limit" in items["big.md"].reason


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a folder"):
        LocalFolder(tmp_path / "nope")


HTML_IN_MARKDOWN = """# Data retention

How long each system keeps what it holds.

<table>
  <tr>
   <td><strong>System</strong></td>
   <td><strong>Retention period</strong></td>
  </tr>
  <tr>
   <td>Chat</td>
   <td>Deleted after 180 days
<p>
exports on request</td>
  </tr>
  <tr>
   <td>Review tool</td>
   <td><ul><li>Deleted 90 days after someone leaves</li></ul></td>
  </tr>
</table>

Ask in <kbd>#it-help</kbd> for an exception:

<ul>
  <li>say which channel</li>
  <li>say why</li>
</ul>

```html
<table><tr><td>a literal example</td></tr></table>
```

<table>
  <tr><td>never closed
"""


def test_html_tables_and_lists_inside_markdown_become_markdown_and_code_stays_as_written(tmp_path: Path) -> None:
    (tmp_path / "retention.md").write_text(HTML_IN_MARKDOWN, encoding="utf-8")

    text = read_all(tmp_path)["retention.md"].text

    assert "| **System** | **Retention period** |\n| --- | --- |" in text  # the first row heads the table
    assert "| Chat | Deleted after 180 days exports on request |" in text
    assert "| Review tool | Deleted 90 days after someone leaves |" in text  # a one-item list in a cell reads as text
    assert "- say which channel\n- say why" in text
    assert "<td>" not in text.split("```html")[0]
    assert "```html\n<table><tr><td>a literal example</td></tr></table>\n```" in text  # code is the page's own
    assert text.rstrip().endswith("<table>\n  <tr><td>never closed")  # a block never closed: kept, nothing lost
