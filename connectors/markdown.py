"""Turning what sources store (HTML, DOCX, templated markdown) into plain markdown.

Every source ends up as markdown with its headings intact, because headings are what chunking
follows and what citations point at. Shared here so Confluence's XHTML, Drive's HTML export and a
local .html file go through one converter.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import yaml
from bs4 import BeautifulSoup
from markdownify import markdownify

from connectors.base import CODE_FENCE

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_TEMPLATE_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.DOTALL)
_TEMPLATE_PAGE = re.compile(r"\{%-?\s*(?:page|link)\s+[\"']([^\"']+)[\"'][^%]*-?%\}")
_TEMPLATE_CHANNEL = re.compile(r"\{%-?\s*slack_channel\s+[\"']([^\"']+)[\"'][^%]*-?%\}")
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_BLANK_RUNS = re.compile(r"\n{3,}")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter and the body after it; broken front matter is treated as body-less metadata."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def strip_template_tags(text: str) -> str:
    """Remove Liquid/Jinja markup that static-site handbooks carry, keeping the words a reader sees."""
    text = _TEMPLATE_COMMENT.sub("", text)
    text = _TEMPLATE_PAGE.sub(lambda m: m.group(1), text)
    text = _TEMPLATE_CHANNEL.sub(lambda m: "#" + m.group(1), text)
    return _TEMPLATE_TAG.sub("", text)


_MARKDOWN_STYLE: dict[str, Any] = {"heading_style": "ATX", "bullets": "-", "strip": ["img"]}
"""How HTML is written as markdown wherever it is met (a page, or a block inside a markdown file): "#" headings,
"-" bullets, images dropped."""


def html_to_markdown(html: str) -> tuple[str, str]:
    """(title, markdown) of an HTML page; scripts, styles and navigation chrome dropped."""
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "nav", "noscript", "head"]):
        tag.decompose()
    body = soup.body or soup
    markdown = markdownify(str(body), **_MARKDOWN_STYLE, code_language_callback=_code_language)
    return title, tidy(markdown)


_HTML_BLOCK_START = re.compile(r"^\s{0,3}<(table|ul|ol|dl)\b[^>]*>", re.IGNORECASE)
_CELL_BULLET = re.compile(r"(\|[ \t]+)-[ \t]+(?=\S)")
"""A list's first bullet at the start of a table cell: "| - Deleted after 90 days |" reads as "| Deleted after 90
days |"."""


def html_blocks_to_markdown(markdown: str) -> str:
    """`markdown` with the HTML tables and lists written inside it (`<table>`, `<ul>`, `<ol>`, `<dl>` starting a
    line) turned into markdown, code fences left alone.

    Handbooks kept in git often write a table as HTML when its cells hold lists or line breaks. Left as it is, every
    `<td>` takes word pieces of the 256 the model reads, chunks fill with tags (308 of the Sourcegraph handbook's
    chunks held `<td>`; a data retention table's were half markup), and an attribute ("valign=top") reads as a
    word the page uses. As a markdown table its rows chunk, quote and cite as rows, with the header row (its first
    row when it has no `<th>`). On 57 Sourcegraph sets the quotes held the fact in 11 more answers (shown: 6 more),
    and 3 answerable questions that had cleared the relevance floor only by a tag-filled chunk were turned away
    (session 42). A block whose closing tag never comes is left as written: nothing is lost to a broken page."""
    lines = markdown.split("\n")
    out: list[str] = []
    fenced = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if CODE_FENCE.match(line):
            fenced = not fenced
        start = None if fenced else _HTML_BLOCK_START.match(line)
        end = _block_end(lines, index, start.group(1).lower()) if start else None
        if end is None:
            out.append(line)
            index += 1
            continue
        closing = lines[end]
        after = closing[closing.lower().rfind("</") :].split(">", 1)[-1]  # "</table>: self-explanatory"
        block = "\n".join([*lines[index:end], closing[: len(closing) - len(after)]])
        converted = markdownify(block, **_MARKDOWN_STYLE, escape_asterisks=False, escape_underscores=False,
                                escape_misc=False, table_infer_header=True)
        out.extend(["", _CELL_BULLET.sub(r"\1", converted.strip()), *([after.strip()] if after.strip() else []), ""])
        index = end + 1
    return "\n".join(out)


def _block_end(lines: list[str], start: int, tag: str) -> int | None:
    """The index of the line that closes the `tag` block opened on `lines[start]` (nested ones counted), or None."""
    opening = re.compile(rf"<{tag}\b", re.IGNORECASE)
    closing = re.compile(rf"</{tag}\s*>", re.IGNORECASE)
    depth = 0
    for index in range(start, len(lines)):
        depth += len(opening.findall(lines[index])) - len(closing.findall(lines[index]))
        if depth <= 0:
            return index
    return None


def _code_language(pre: Any) -> str | None:
    """The language of a <pre> block from `data-language` or a `language-x` class, so fences keep it."""
    for element in (pre, pre.find("code")):
        if element is None:
            continue
        if element.get("data-language"):
            return str(element["data-language"])
        for name in element.get("class") or []:
            if name.startswith("language-"):
                return name.removeprefix("language-")
    return None


def docx_to_markdown(data: bytes) -> tuple[str, str]:
    """(title, markdown) of a Word file; Heading n styles become markdown headings, tables rows."""
    import docx  # python-docx; imported here so sources that never see DOCX do not pay for it

    document = docx.Document(BytesIO(data))
    title = (document.core_properties.title or "").strip()
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            text = paragraph.text.strip()
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style == "Title":
                title = title or text
                lines.append(f"# {text}")
            elif style.startswith("Heading"):
                level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
                lines.append("#" * min(level, 6) + " " + text)
            elif "List" in style:
                lines.append(f"- {text}")
            else:
                lines.append(text)
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            rows = [[cell.text.strip().replace("|", "\\|") for cell in row.cells] for row in table.rows]
            if rows:
                lines.append("| " + " | ".join(rows[0]) + " |")
                lines.append("|" + "---|" * len(rows[0]))
                lines.extend("| " + " | ".join(row) + " |" for row in rows[1:])
    return title, tidy("\n\n".join(lines))


MAX_PAGES = 500
"""Default page limit: a PDF longer than a book is an export or a scan dump, not a runbook."""


def pdf_to_markdown(data: bytes, max_pages: int = MAX_PAGES) -> tuple[str, str]:
    """(title, text) of a PDF; pages become sections so citations can say which page.

    The page count is checked before any text is extracted: extraction is the slow part, and a
    hostile or accidental 100,000-page file must cost nothing.
    """
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(data))
    if len(reader.pages) > max_pages:
        raise ValueError(f"{len(reader.pages):,} pages is over the {max_pages:,}-page limit (KB_MAX_DOCUMENT_PAGES)")
    title = ""
    if reader.metadata is not None and reader.metadata.title:
        title = str(reader.metadata.title).strip()
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        text = (page.extract_text() or "").strip()
        if text:
            pages.append(f"## Page {number}\n\n{text}")
    if not pages:
        raise ValueError("the PDF has no extractable text (scanned images need OCR)")
    return title, tidy("\n\n".join(pages))


def csv_to_markdown(text: str, max_rows: int = 5000) -> str:
    """A CSV (a spreadsheet export) as a markdown table, header first, so rows chunk as table rows."""
    import csv
    from io import StringIO

    rows = [row for row in csv.reader(StringIO(text)) if any(cell.strip() for cell in row)][:max_rows]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    cells = [[cell.strip().replace("|", "\\|").replace("\n", " ") for cell in row] + [""] * (width - len(row))
             for row in rows]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def tidy(markdown: str) -> str:
    """Trailing spaces and runs of blank lines removed, so hashes do not change on whitespace noise."""
    lines = [line.rstrip() for line in markdown.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def first_heading(markdown: str) -> str:
    """The first ATX heading's text, the natural title of a page that names itself."""
    for line in markdown.splitlines():
        match = re.match(r"^#{1,6}\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1).strip()
    return ""
