"""Chunks follow headings, carry their section path and anchor, and respect the size limit."""

from __future__ import annotations

from bot.index.chunking import chunk_document, count_tokens, slugify
from connectors.base import Document


def doc(text: str, title: str = "VPN access") -> Document:
    return Document(id="t:1", source="local", title=title, url="file:///vpn.md", path="vpn.md", text=text)


def test_chunks_carry_heading_path_and_anchor() -> None:
    text = "# VPN access\n\nIntro.\n\n## Installing the client\n\nDownload it.\n\n### On Linux\n\nUse apt.\n\n## Troubleshooting\n\nReinstall."
    chunks = chunk_document(doc(text), max_tokens=200, merge_below=0)
    assert [(c.section, c.anchor) for c in chunks] == [
        ("", "vpn-access"),
        ("Installing the client", "installing-the-client"),
        ("Installing the client › On Linux", "on-linux"),
        ("Troubleshooting", "troubleshooting"),
    ]
    assert chunks[1].text == "Download it."


def test_heading_inside_code_fence_is_not_a_section() -> None:
    text = "## Install\n\n```\n# not a heading\nsudo apt install x\n```\n\n## Next\n\nText."
    chunks = chunk_document(doc(text), merge_below=0)
    assert [c.section for c in chunks] == ["Install", "Next"]
    assert "# not a heading" in chunks[0].text


def test_small_section_absorbs_its_subsections_but_not_its_siblings() -> None:
    text = "## Leave\n\nShort.\n\n### Birth parents\n\n18 weeks.\n\n## Expenses\n\nReceipts."
    chunks = chunk_document(doc(text, title="Handbook"), merge_below=64)
    assert [c.section for c in chunks] == ["Leave", "Expenses"]
    assert "18 weeks." in chunks[0].text and "Receipts." not in chunks[0].text


def test_no_chunk_exceeds_the_limit_even_for_one_huge_paragraph() -> None:
    sentence = "Employees may carry over up to five days of unused vacation into the next year. "
    text = "## Carry-over\n\n" + sentence * 60 + "\n\n- item one\n- item two\n" + "x" * 5000
    chunks = chunk_document(doc(text), max_tokens=120)
    assert len(chunks) > 5
    assert all(count_tokens(c.text) <= 130 for c in chunks)  # a merged heading line may add a few
    assert all(c.section == "Carry-over" for c in chunks)


def test_a_table_cut_into_chunks_repeats_its_header_row_in_each() -> None:
    rows = "\n".join(f"| Team {n} | Manager {n} | #team-{n} |" for n in range(60))
    text = f"## Teams\n\nWho runs what.\n\n| Team | Manager | Slack channel |\n|---|---|---|\n{rows}"
    chunks = chunk_document(doc(text, title="Handbook"), max_tokens=120)

    tables = [chunk.text for chunk in chunks if "| Team " in chunk.text]
    assert len(tables) > 3
    assert all(text.count("| Team | Manager | Slack channel |\n|---|---|---|\n") == 1 for text in tables)
    assert all(count_tokens(text) <= 120 for text in tables)
    assert sum(text.count("#team-") for text in tables) == 60  # every row once


def test_anchor_matches_github_style_slugs() -> None:
    assert slugify("How to request *parental* leave (US)") == "how-to-request-parental-leave-us"
    assert slugify("2FA / MFA") == "2fa--mfa"


def test_search_text_adds_title_section_and_keywords() -> None:
    document = doc("## Connecting\n\nUse the token.").model_copy(update={"metadata": {"keywords": "remote, tunnel"}})
    chunk = chunk_document(document)[0]
    assert chunk.search_text(document).splitlines()[:2] == ["VPN access › Connecting", "Keywords: remote, tunnel"]


def test_source_given_anchors_win_over_slugs() -> None:
    document = doc("## Request access\n\nUse the form.").model_copy(
        update={"metadata": {"section_anchors": {"Request access": "Request-access"}}})
    assert chunk_document(document)[0].anchor == "Request-access"


def test_headings_are_stored_as_read_without_their_markdown_emphasis() -> None:
    """Handbooks bold their step headings; a citation in Slack or Teams must not print the asterisks."""
    text = "## **Step 2: Kick off your leave**\n\nOpen Tilt.\n\n### _Non-US_ teammates\n\nUse the `Leave` form."
    chunks = chunk_document(doc(text), merge_below=0)
    assert [(c.section, c.anchor) for c in chunks] == [
        ("Step 2: Kick off your leave", "step-2-kick-off-your-leave"),
        ("Step 2: Kick off your leave › Non-US teammates", "non-us-teammates"),
    ]
