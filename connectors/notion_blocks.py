"""Notion blocks to markdown.

Notion returns a page as a tree of typed blocks rather than HTML, so this is the one converter
that cannot go through `html_to_markdown`. Each block type maps to the markdown a reader would
write for it; a type this module does not know is logged and left out, because Notion adds block
types over time and a new one must never stop a sync. Child pages and databases are not inlined:
they are documents of their own, and the walk in `connectors.notion` follows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog

from connectors.markdown import tidy

log = structlog.get_logger(__name__)

SILENT = {"divider", "table_of_contents", "breadcrumb", "link_to_page", "column_list", "column", "synced_block",
          "template", "child_page", "child_database", "table_row", "unsupported"}
"""Types with no text of their own (their children, if any, are still converted)."""

FetchChildren = Callable[[str], Iterable[dict[str, Any]]]


@dataclass
class Converted:
    """A page's markdown and the sub-pages and databases found in it, in reading order."""

    markdown: str
    child_pages: list[tuple[str, str]] = field(default_factory=list)
    child_databases: list[tuple[str, str]] = field(default_factory=list)
    skipped_types: set[str] = field(default_factory=set)
    anchors: dict[str, str] = field(default_factory=dict)


def rich_text(items: list[dict[str, Any]] | None) -> str:
    """Notion rich text as inline markdown: code, bold, italic and links kept."""
    parts = []
    for item in items or []:
        text = item.get("plain_text")
        if text is None:
            text = (item.get("text") or {}).get("content", "")
        notes = item.get("annotations") or {}
        if text.strip():
            if notes.get("code"):
                text = f"`{text}`"
            if notes.get("bold"):
                text = f"**{text}**"
            if notes.get("italic"):
                text = f"_{text}_"
            if item.get("href"):
                text = f"[{text}]({item['href']})"
        parts.append(text)
    return "".join(parts)


def blocks_to_markdown(blocks: Iterable[dict[str, Any]], fetch_children: FetchChildren) -> Converted:
    """Convert top-level blocks; `fetch_children(block_id)` lists a block's children when it has any."""
    result = Converted("")
    lines = _convert(blocks, fetch_children, result, depth=0)
    result.markdown = tidy("\n".join(lines))
    return result


def _convert(blocks: Iterable[dict[str, Any]], fetch: FetchChildren, result: Converted, depth: int) -> list[str]:
    lines: list[str] = []
    indent = "  " * depth
    number = 0
    for block in blocks:
        kind = block.get("type")
        if not kind or block.get("in_trash") or block.get("archived"):
            continue
        body = block.get(kind) or {}
        number = number + 1 if kind == "numbered_list_item" else 0
        children: list[str] = []
        if block.get("has_children") and kind not in ("child_page", "child_database"):
            child_depth = depth + 1 if kind in ("bulleted_list_item", "numbered_list_item", "to_do") else depth
            if kind == "table":
                children = _table(list(fetch(block["id"])), body)
            else:
                children = _convert(fetch(block["id"]), fetch, result, child_depth)
        text = rich_text(body.get("rich_text"))
        if kind in ("heading_1", "heading_2", "heading_3"):
            level = int(kind[-1])
            lines += ["", "#" * level + " " + text, ""]
            result.anchors.setdefault(text, block.get("id", "").replace("-", ""))
            lines += children
        elif kind == "paragraph":
            lines += [indent + text, ""] + children
        elif kind == "bulleted_list_item":
            lines += [f"{indent}- {text}"] + children
        elif kind == "numbered_list_item":
            lines += [f"{indent}{number}. {text}"] + children
        elif kind == "to_do":
            lines += [f"{indent}- [{'x' if body.get('checked') else ' '}] {text}"] + children
        elif kind == "toggle":
            lines += [f"{indent}**{text}**", ""] + children + [""]
        elif kind in ("quote", "callout"):
            icon = (body.get("icon") or {}).get("emoji", "") if kind == "callout" else ""
            quoted = [f"{icon} {text}".strip()] + [line for line in children if line.strip()]
            lines += ["", *(f"{indent}> {line}" for line in quoted), ""]
        elif kind == "code":
            language = body.get("language", "")
            language = "" if language == "plain text" else language
            code = "".join(item.get("plain_text", "") for item in body.get("rich_text") or [])
            lines += ["", f"```{language}", code, "```", ""]
        elif kind == "table":
            lines += [""] + children + [""]
        elif kind == "equation":
            lines += ["", f"$$ {body.get('expression', '')} $$", ""]
        elif kind in ("bookmark", "embed", "link_preview", "image", "file", "pdf", "video", "audio"):
            caption = rich_text(body.get("caption"))
            target = body.get("url") or (body.get("external") or {}).get("url") or (body.get("file") or {}).get("url", "")
            if caption or kind in ("bookmark", "link_preview"):
                lines += [f"{indent}{caption or target}" + (f" ({target})" if caption and kind == "bookmark" else ""), ""]
        elif kind == "child_page":
            result.child_pages.append((block["id"], body.get("title", "")))
        elif kind == "child_database":
            result.child_databases.append((block["id"], body.get("title", "")))
        elif kind in SILENT:
            lines += children
        else:
            result.skipped_types.add(kind)
            log.warning("notion.unknown_block", type=kind, block=block.get("id"))
    return lines


def _table(rows: list[dict[str, Any]], table: dict[str, Any]) -> list[str]:
    cells = [[rich_text(cell).replace("|", "\\|").replace("\n", " ") for cell in (row.get("table_row") or {}).get("cells", [])]
             for row in rows if row.get("type") == "table_row"]
    if not cells:
        return []
    width = max(table.get("table_width") or 0, *(len(row) for row in cells))
    cells = [row + [""] * (width - len(row)) for row in cells]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * width]
    return lines + ["| " + " | ".join(row) + " |" for row in cells[1:]]
