"""What each source turns its content into, and how it survives malformed payloads.

These call the connectors directly (no index, no model): the documents they stream are the contract.
"""

from __future__ import annotations

from google.auth.credentials import AnonymousCredentials

from connectors.base import Document, Skipped
from connectors.confluence import Confluence
from connectors.gdrive import GoogleDrive
from connectors.notion import Notion
from connectors.retry import RetryPolicy, parse_retry_after
from tests.fakes.confluence import FakeConfluence
from tests.fakes.files import make_docx, make_pdf
from tests.fakes.gdrive import DOC, FOLDER, SHEET, SHORTCUT, FakeDrive
from tests.fakes.notion import FakeNotion, block, text

FAST = RetryPolicy(attempts=2, base_delay=0.0)
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def split(items: list) -> tuple[dict[str, Document], list[Skipped]]:
    return {d.title: d for d in items if isinstance(d, Document)}, [s for s in items if isinstance(s, Skipped)]


# -- Confluence ------------------------------------------------------------------------------------
STORAGE = """<h1>Laptop policy</h1>
<ac:structured-macro ac:name="warning"><ac:parameter ac:name="title">Encryption</ac:parameter>
<ac:rich-text-body><p>Disks must be encrypted.</p></ac:rich-text-body></ac:structured-macro>
<h2>Models</h2><ul><li>MacBook Pro</li><li>ThinkPad X1</li></ul>
<table><tbody><tr><th>Role</th><th>Model</th></tr><tr><td>Engineer</td><td>MacBook Pro</td></tr></tbody></table>
<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter>
<ac:plain-text-body><![CDATA[sudo fdesetup status]]></ac:plain-text-body></ac:structured-macro>"""


def confluence_site(api: FakeConfluence) -> Confluence:
    return Confluence(api.base, ["IT"], email="bot@example.com", api_token="t", cloud=True, page_size=2, retry=FAST)


def test_confluence_page_keeps_headings_lists_tables_code_and_panels(confluence_api: FakeConfluence) -> None:
    confluence_api.add_space("IT", "IT Help")
    parent = confluence_api.add_page("IT", "Hardware", "<p>All about hardware.</p>")
    confluence_api.add_page("IT", "Laptop policy", STORAGE, parent=parent, read_groups=["it-staff"],
                            read_users=["carol@example.com"])

    docs, skipped = split(list(confluence_site(confluence_api).documents()))

    page = docs["Laptop policy"]
    assert skipped == []
    assert "> **Warning Encryption:**" in page.text and "Disks must be encrypted." in page.text
    assert "## Models" in page.text and "- ThinkPad X1" in page.text
    assert "| Engineer | MacBook Pro |" in page.text
    assert "```bash\nsudo fdesetup status\n```" in page.text
    assert page.path == "IT Help/Hardware/Laptop policy"
    assert page.url.startswith(confluence_api.base + "/spaces/IT/pages/")
    assert sorted(page.acl) == ["group:it-staff", "user:carol@example.com"]
    assert page.metadata["author"] == "Alice Admin"
    assert page.metadata["section_anchors"]["Models"] == "Models"
    assert docs["Hardware"].acl == ["space:IT"]


def test_confluence_attachments_are_parsed_and_broken_ones_skipped(confluence_api: FakeConfluence) -> None:
    confluence_api.add_space("IT", "IT Help")
    page = confluence_api.add_page("IT", "Returns", "<p>How to return equipment.</p>")
    confluence_api.add_attachment(page, "returns.pdf", PDF, make_pdf("Laptops go back to the IT desk"))
    confluence_api.add_attachment(page, "travel.docx", DOCX, make_docx("Travel", "Book trains via the portal"))
    confluence_api.add_attachment(page, "empty.pdf", PDF, b"")
    confluence_api.add_attachment(page, "photo.png", "image/png", b"\x89PNG")
    confluence_api.add_page("IT", "Broken", None)  # a page whose body is missing from the payload

    connector = confluence_site(confluence_api)
    docs, skipped = split(list(connector.documents()))

    assert "Laptops go back to the IT desk" in docs["returns.pdf"].text
    assert docs["returns.pdf"].path == "IT Help/Returns/returns.pdf"
    assert "# Travel" in docs["travel.docx"].text
    assert sorted(s.path.rsplit("/", 1)[-1] for s in skipped) == ["Broken", "empty.pdf"]
    assert not any("photo.png" in d.path for d in docs.values())
    assert len(connector.list_ids()) == 5  # two pages and three PDF/DOCX attachments; the PNG is not ours


def test_confluence_data_center_uses_a_personal_access_token(confluence_api: FakeConfluence) -> None:
    confluence_api.add_space("IT", "IT Help")
    confluence_api.add_page("IT", "VPN", "<p>Use the VPN.</p>")
    connector = Confluence(confluence_api.base, ["IT"], personal_token="pat-123", cloud=False, retry=FAST)

    assert len(list(connector.documents())) == 1
    request, _ = confluence_api.requests[0]
    assert request.headers["authorization"] == "Bearer pat-123"


def test_confluence_incremental_query_asks_for_lastmodified(confluence_api: FakeConfluence) -> None:
    from datetime import datetime, timezone

    confluence_api.add_space("IT", "IT Help")
    confluence_api.add_page("IT", "Old", "<p>old</p>", when=datetime(2023, 1, 1, tzinfo=timezone.utc))
    confluence_api.add_page("IT", "New", "<p>new</p>")

    docs, _ = split(list(confluence_site(confluence_api).documents(since=datetime(2024, 6, 1, tzinfo=timezone.utc))))

    assert list(docs) == ["New"]
    first, _ = confluence_api.requests[0]
    assert 'lastmodified >= "2024/05/31 00:00"' in first.query["cql"]


# -- Google Drive ---------------------------------------------------------------------------------------
def drive(api: FakeDrive, **kwargs: object) -> GoogleDrive:
    return GoogleDrive(AnonymousCredentials(), api_endpoint=f"{api.url}/drive/v3/", retry=FAST, **kwargs)  # type: ignore[arg-type]


def test_drive_formats_shortcuts_trash_and_permissions(drive_api: FakeDrive) -> None:
    root = drive_api.add("IT", FOLDER, "root")
    elsewhere = drive_api.add("Elsewhere", FOLDER, "root")
    drive_api.add("Wifi", DOC, root, "<html><body><h1>Wifi</h1><h2>Guests</h2><p>Use the guest SSID.</p></body></html>",
                  permissions=[{"type": "domain", "role": "reader", "domain": "example.com"}])
    drive_api.add("Loaners", SHEET, root, "Model,Count\nThinkPad,4\nMacBook,2\n",
                  permissions=[{"type": "group", "role": "reader", "emailAddress": "IT@example.com"}])
    drive_api.add("Returns", PDF, root, make_pdf("Return laptops to the IT desk"))
    drive_api.add("Travel", DOCX, root, make_docx("Travel", "Trains via the portal"))
    drive_api.add("Empty", PDF, root, b"")
    drive_api.add("Phones.md", "text/markdown", root,
                  "# Phones\n\n<table>\n<tr><td>Model</td><td>Owner</td></tr>\n<tr><td>Pixel</td><td>IT</td></tr>\n</table>\n")
    drive_api.add("Old", DOC, root, "<p>gone</p>", trashed=True)
    target = drive_api.add("Shared runbook", DOC, elsewhere, "<h1>Shared</h1><p>Reached by a shortcut.</p>")
    drive_api.add("Link to runbook", SHORTCUT, root, target=target)
    drive_api.add("Second link", SHORTCUT, root, target=target)
    drive_api.add("Loop", SHORTCUT, root, target=root)  # a shortcut back to the folder itself

    connector = drive(drive_api, folders=[root], page_size=3)
    docs, skipped = split(list(connector.documents()))

    assert "## Guests" in docs["Wifi"].text and docs["Wifi"].acl == ["domain:example.com"]
    assert "| ThinkPad | 4 |" in docs["Loaners"].text and docs["Loaners"].acl == ["group:it@example.com"]
    assert "Return laptops to the IT desk" in docs["Returns"].text
    assert "# Travel" in docs["Travel"].text
    assert "| Model | Owner |\n| --- | --- |\n| Pixel | IT |" in docs["Phones.md"].text  # HTML in markdown: a table
    assert docs["Shared runbook"].path == "IT/Shared runbook"
    assert "Old" not in docs
    assert [s.path for s in skipped] == ["IT/Empty"]
    assert connector.list_ids() == {d.id for d in docs.values()} | {s.id for s in skipped}


def test_drive_shared_drive_is_walked_recursively(drive_api: FakeDrive) -> None:
    drive_api.add_drive("0AShared", "People Team")
    sub = drive_api.add("Benefits", FOLDER, "0AShared")
    deeper = drive_api.add("Dental", FOLDER, sub)
    drive_api.add("Dental plan", DOC, deeper, "<p>Dental covers two cleanings a year.</p>")

    docs, _ = split(list(drive(drive_api, shared_drives=["0AShared"]).documents()))

    assert docs["Dental plan"].path == "People Team/Benefits/Dental/Dental plan"


# -- Notion ----------------------------------------------------------------------------------------------
def test_notion_blocks_become_markdown_and_unknown_types_are_skipped(notion_api: FakeNotion) -> None:
    root = notion_api.add_page("Onboarding", [
        block("heading_2", {"rich_text": text("First day")}),
        block("bulleted_list_item", {"rich_text": text("Collect your badge")},
              [block("bulleted_list_item", {"rich_text": text("at reception")})]),
        block("numbered_list_item", {"rich_text": text("Set up MFA")}),
        block("numbered_list_item", {"rich_text": text("Join #it-help")}),
        block("toggle", {"rich_text": text("Where do I park?")}, [block("paragraph", {"rich_text": text("Level -2.")})]),
        block("callout", {"rich_text": text("Never share your password."), "icon": {"type": "emoji", "emoji": "⚠️"}}),
        block("code", {"rich_text": text("ssh-keygen -t ed25519"), "language": "shell"}),
        block("table", {"table_width": 2, "has_column_header": True}, [
            block("table_row", {"cells": [text("Day"), text("Task")]}),
            block("table_row", {"cells": [text("Mon"), text("Laptop")]}),
        ]),
        block("ai_meeting_notes_v9", {"whatever": True}),  # a block type from the future
        {"_children": []},  # a block with no type at all
        block("paragraph", {"rich_text": text("Welcome aboard.", bold=True)}),
    ])
    database = notion_api.add_database("Equipment", root)
    notion_api.add_page("Monitor", [block("paragraph", {"rich_text": text("27 inch, ask IT.")})], in_database=database,
                        properties={"Status": {"id": "s", "type": "select", "select": {"name": "In stock"}}})

    docs, skipped = split(list(Notion("ntn_x", pages=[root], base_url=notion_api.url, page_size=4,
                                      retry=FAST).documents()))

    page = docs["Onboarding"]
    assert skipped == []
    assert "## First day" in page.text
    assert "- Collect your badge\n  - at reception" in page.text
    assert "1. Set up MFA\n2. Join #it-help" in page.text
    assert "**Where do I park?**" in page.text and "Level -2." in page.text
    assert "> ⚠️ Never share your password." in page.text
    assert "```shell\nssh-keygen -t ed25519\n```" in page.text
    assert "| Mon | Laptop |" in page.text
    assert "**Welcome aboard.**" in page.text
    assert page.metadata["skipped_block_types"] == ["ai_meeting_notes_v9"]
    assert docs["Monitor"].path == "Onboarding/Equipment/Monitor"
    assert "- Status: In stock" in docs["Monitor"].text
    assert "Equipment" in docs


def test_notion_finds_a_new_sub_page_under_an_unchanged_tree(notion_api: FakeNotion) -> None:
    root = notion_api.add_page("Handbook", [block("paragraph", {"rich_text": text("Start here.")})])
    child = notion_api.add_page("IT", [block("paragraph", {"rich_text": text("IT things.")})], parent=root)
    notion_api.pages[root].edited = notion_api.clock
    connector = Notion("ntn_x", pages=[root], base_url=notion_api.url, retry=FAST)
    first = {d.id: d.updated_at for d in connector.documents() if isinstance(d, Document)}
    notion_api.add_page("Printers", [block("paragraph", {"rich_text": text("Badge tap.")})], parent=child)

    second = [d for d in Notion("ntn_x", pages=[root], base_url=notion_api.url, retry=FAST)
              .changed_documents(None, first) if isinstance(d, Document)]

    assert sorted(d.title for d in second) == ["IT", "Printers"]  # the edited parent and its new page
    assert second[-1].path == "Handbook/IT"


def test_retry_after_accepts_seconds_and_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: go now
    assert parse_retry_after("soon") is None
    assert RetryPolicy(max_delay=5).delay(0, "120") == 5  # a huge Retry-After is capped
