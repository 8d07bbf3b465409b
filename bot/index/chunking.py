"""Heading-aware chunking.

A chunk never spans two top-level topics by accident: it is cut at headings, carries its heading
path (what a citation shows as the section) and the anchor of its first heading (what the link
jumps to). Sizes are counted in approximate word-piece tokens because the default model reads at
most 256 of them; text past that limit would be invisible to the vector half of retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.index.sentences import is_table_rule
from connectors.base import CODE_FENCE, Document

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_LINK_OR_TAG = r"\[([^\]]*)\]\([^)]*\)|<[^>]+>"
"""A markdown link (group 1: its text, which is kept) or an HTML tag (dropped)."""
_MARKUP = re.compile(r"[*_`]+|" + _LINK_OR_TAG)
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|`+|" + _LINK_OR_TAG)
"""`_MARKUP` for reading: underscores inside a word ("snake_case") are the word's own."""


def _link_text(match: re.Match[str]) -> str:
    return match.group(1) or ""


def count_tokens(text: str) -> int:
    """Words and punctuation marks: within ~20% of BERT word pieces on English prose."""
    return len(_TOKEN.findall(text))


def plain_heading(heading: str) -> str:
    """A heading or title as a reader sees it: "**Step 2: Kick off**" is bold text, not asterisks, and
    a citation shown in Slack or Teams would print the markers (or turn them into stray bold)."""
    return " ".join(_EMPHASIS.sub(_link_text, heading).split())


def slugify(heading: str) -> str:
    """The anchor GitHub, GitLab and most static-site generators give a markdown heading."""
    plain = _MARKUP.sub(_link_text, heading).strip().lower()
    plain = re.sub(r"[^\w\- ]", "", plain)
    return plain.replace(" ", "-")


@dataclass
class Section:
    path: list[str]
    anchor: str
    blocks: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(count_tokens(block) for block in self.blocks)


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    ordinal: int
    section: str
    anchor: str
    text: str

    def search_text(self, document: Document) -> str:
        """What gets embedded and full-text indexed: the chunk with the context a reader would see."""
        heading = " › ".join(part for part in (document.title, self.section) if part)
        keywords = document.metadata.get("keywords")
        lines = [heading, f"Keywords: {keywords}" if keywords else "", self.text]
        return "\n".join(line for line in lines if line)


def sections(document: Document) -> list[Section]:
    """Split markdown at headings into sections with their heading paths; code fences are opaque."""
    stack: list[tuple[int, str]] = []
    # Sources whose pages are not rendered by a markdown site (Confluence, Notion) name their own
    # heading fragments; GitHub-style slugs are the fallback that static sites and repos use.
    anchors: dict[str, str] = document.metadata.get("section_anchors") or {}
    current = Section(path=[], anchor="")
    found = [current]
    block: list[str] = []
    in_fence = False

    def close_block() -> None:
        if block and any(line.strip() for line in block):
            current.blocks.append("\n".join(block).strip("\n"))
        block.clear()

    for line in document.text.splitlines():
        if CODE_FENCE.match(line):
            in_fence = not in_fence
            block.append(line)
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            close_block()
            level, text = len(heading.group(1)), heading.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, plain_heading(text)))
            path = [title for _, title in stack]
            # The page's own H1 usually repeats the title: it is not a section worth citing.
            if len(path) >= 1 and _same(path[0], document.title) and stack[0][0] == 1:
                path = path[1:]
            current = Section(path=path, anchor=anchors.get(text) or slugify(text))
            found.append(current)
        elif not line.strip() and not in_fence:
            close_block()
        else:
            block.append(line)
    close_block()
    return [section for section in found if section.blocks]


def _same(a: str, b: str) -> bool:
    return slugify(a) == slugify(b)


def _table_parts(block: str) -> tuple[str, str] | None:
    """The header row with its rule, and the rows, of a markdown table that `block` is; None for other blocks."""
    lines = block.strip("\n").split("\n")
    if len(lines) > 2 and lines[0].lstrip().startswith("|") and is_table_rule(lines[1]):
        return "\n".join(lines[:2]), "\n".join(lines[2:])
    return None


def _split_long(block: str, limit: int) -> list[str]:
    """Break a block over the limit at lines, then sentence ends, then words; never mid-word.

    A table cut into pieces repeats its header row at the top of each: "| AI | Rishabh | #team-ai |" says which
    column is the channel only beside "| Team | Manager | Slack |", for the model and for a reader of the quote.
    On the Sourcegraph handbook 735 of 10,920 chunks began mid-table without one; with it, 57 sets showed the fact
    in 2 more answers and in none fewer (session 42). Pages synced before keep their chunks until they change
    (`kb sync --rebuild` re-chunks everything)."""
    if count_tokens(block) <= limit:
        return [block]
    table = _table_parts(block)
    if table is not None and count_tokens(table[0]) * 3 <= limit:
        head, rows = table
        return [f"{head}\n{piece}" for piece in _split_long(rows, limit - count_tokens(head))]
    if "\n" in block.strip():
        units, joiner = block.split("\n"), "\n"
    elif len(sentences := _SENTENCE_END.split(block)) > 1:
        units, joiner = sentences, " "
    elif len(words := block.split()) > 1:
        units, joiner = words, " "
    else:  # one enormous "word" (a long URL or base64 blob): cut it, it is not prose anyway
        size = max(1, len(block) * limit // count_tokens(block))
        return [block[start : start + size] for start in range(0, len(block), size)]
    pieces: list[str] = []
    current: list[str] = []
    size = 0  # tokens in `current`: no token spans the whitespace joiner, so the parts' counts add up
    for unit in units:
        for part in _split_long(unit, limit):
            tokens = count_tokens(part)
            if current and size + tokens > limit:
                pieces.append(joiner.join(current))
                current, size = [], 0
            current.append(part)
            size += tokens
    if current:
        pieces.append(joiner.join(current))
    return [piece for piece in pieces if piece.strip()]


def chunk_document(document: Document, max_tokens: int = 200, merge_below: int = 64) -> list[Chunk]:
    """Chunks of at most `max_tokens`, cut at headings.

    A small section absorbs the subsections that follow it while the chunk is under `merge_below`
    tokens, since a heading followed by one line embeds poorly on its own. Only descendants are
    absorbed, so the chunk's heading path stays true for everything in it.
    """
    groups: list[tuple[Section, list[str]]] = []
    for section in sections(document):
        blocks = [piece for block in section.blocks for piece in _split_long(block, max_tokens)]
        previous = groups[-1] if groups else None
        if (
            previous is not None
            and _is_within(section.path, previous[0].path)
            and _tokens(previous[1]) < merge_below
            and _tokens(previous[1]) + section.tokens <= max_tokens
        ):
            heading = "#" * min(len(section.path) + 1, 6) + " " + section.path[-1]
            previous[1].extend([heading, *blocks])
            continue
        current: list[str] = []
        size = 0
        for block in blocks:
            tokens = count_tokens(block)
            if current and size + tokens > max_tokens:
                groups.append((section, current))
                current, size = [], 0
            current.append(block)
            size += tokens
        if current:
            groups.append((section, current))
    return [
        Chunk(
            id=f"{document.id}#{ordinal}",
            doc_id=document.id,
            ordinal=ordinal,
            section=" › ".join(section.path),
            anchor=section.anchor,
            text="\n\n".join(blocks),
        )
        for ordinal, (section, blocks) in enumerate(groups)
    ]


def _is_within(path: list[str], parent: list[str]) -> bool:
    return len(path) > len(parent) and path[: len(parent)] == parent


def _tokens(blocks: list[str]) -> int:
    return sum(count_tokens(block) for block in blocks)
