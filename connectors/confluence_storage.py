"""Confluence storage format (XHTML with `ac:`/`ri:` macros) to markdown.

Storage format is HTML plus Confluence's own elements. Rather than a second converter, the macros
are rewritten into the plain HTML they stand for (a panel becomes a blockquote with its title, a
code macro a <pre> with its language, an expand its body) and the result goes through the shared
`html_to_markdown`, so Confluence pages chunk and cite like every other source.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from connectors.markdown import html_to_markdown

PANELS = {"info": "Info", "note": "Note", "warning": "Warning", "tip": "Tip", "panel": "", "success": "Success",
          "error": "Error"}
"""Panel macros, and the label a reader sees on each (the generic panel has only its title)."""

DROPPED_MACROS = {"toc", "children", "pagetree", "recently-updated", "jira", "anchor", "livesearch", "contentbylabel",
                  "attachments", "gallery", "roadmap", "status-handy"}
"""Macros that render navigation or live data: no runbook text to index."""


def storage_to_markdown(xhtml: str) -> str:
    """Markdown of a page body in storage format; unknown macros keep their rich-text body."""
    soup = BeautifulSoup(xhtml or "", "html.parser")
    for macro in reversed(soup.find_all(["ac:structured-macro", "ac:macro"])):  # innermost first
        _replace_macro(soup, macro)
    for link in soup.find_all("ac:link"):
        body = link.find(["ac:link-body", "ac:plain-text-link-body"])
        target = link.find(["ri:page", "ri:attachment", "ri:blog-post"])
        text = body.get_text() if body else (target.get("ri:content-title") or target.get("ri:filename") or "") if target else ""
        link.replace_with(text)
    for tag in soup.find_all(["ac:image", "ac:emoticon", "ac:placeholder", "ri:user"]):
        tag.decompose()
    for task_list in soup.find_all("ac:task-list"):
        items = [task.find("ac:task-body") for task in task_list.find_all("ac:task")]
        ul = soup.new_tag("ul")
        for body in items:
            li = soup.new_tag("li")
            li.append(body.get_text(" ", strip=True) if body else "")
            ul.append(li)
        task_list.replace_with(ul)
    for tag in soup.find_all(re.compile(r"^(ac|ri):")):
        tag.unwrap()
    _, markdown = html_to_markdown(str(soup))
    return markdown


def _replace_macro(soup: BeautifulSoup, macro: Tag) -> None:
    name = (macro.get("ac:name") or "").lower()
    params = {p.get("ac:name", ""): p.get_text() for p in macro.find_all("ac:parameter", recursive=False)}
    body = macro.find("ac:rich-text-body", recursive=False)
    if name in DROPPED_MACROS:
        macro.decompose()
        return
    if name in ("code", "noformat"):
        pre = soup.new_tag("pre")
        code = soup.new_tag("code")
        if params.get("language"):
            code["class"] = f"language-{params['language']}"
        plain = macro.find("ac:plain-text-body", recursive=False)
        code.string = plain.get_text() if plain else ""
        pre.append(code)
        macro.replace_with(pre)
        return
    wrapper = soup.new_tag("blockquote" if name in PANELS else "div")
    label = " ".join(part for part in (PANELS.get(name, ""), params.get("title", "")) if part)
    if label:
        strong = soup.new_tag("strong")
        strong.string = label + ":" if name in PANELS else label
        paragraph = soup.new_tag("p")
        paragraph.append(strong)
        wrapper.append(paragraph)
    if body is not None:
        for child in list(body.contents):
            wrapper.append(child.extract())
    else:
        plain = macro.find("ac:plain-text-body", recursive=False)
        if plain is not None:
            paragraph = soup.new_tag("p")
            paragraph.string = plain.get_text()
            wrapper.append(paragraph)
    macro.replace_with(wrapper)


def heading_anchors(page_title: str, markdown: str, *, cloud: bool) -> dict[str, str]:
    """Heading -> the fragment Confluence gives it, so a citation can link into the section.

    Cloud's editor anchors a heading by its text with spaces as hyphens; Data Center prefixes the
    page title, both with spaces removed.
    """
    anchors: dict[str, str] = {}
    for line in markdown.splitlines():
        match = re.match(r"^#{1,6}\s+(.+?)\s*$", line)
        if not match:
            continue
        heading = match.group(1)
        if cloud:
            anchors[heading] = re.sub(r"\s+", "-", heading.strip())
        else:
            anchors[heading] = re.sub(r"\s+", "", page_title) + "-" + re.sub(r"\s+", "", heading)
    return anchors
