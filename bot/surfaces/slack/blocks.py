"""Block Kit for every message the Slack surface sends; pure functions, so they are easy to test.

Slack's limits shape this: section text at most 3,000 characters, a button value at most 2,000,
fifty blocks a message. An answer is its text, then numbered sources (at most five documents,
each a linked title and section, a one-line snippet and a context line with the source type and
age), then the feedback buttons.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.answer.citations import link_markers
from bot.answer.model import Answer, Citation, one_line
from bot.conversation.wording import ASK_A_PERSON, HELPFUL, NOT_HELPFUL, OFFER, Markup, feedback_thanks

ACTION_HELPFUL = "kb_feedback_helpful"
ACTION_NOT_HELPFUL = "kb_feedback_not_helpful"
ACTION_ESCALATE = "kb_escalate"
BLOCK_FEEDBACK = "kb_feedback"

MAX_SOURCES = 5
SECTION_LIMIT = 3000
VALUE_LIMIT = 2000

SOURCE_LABELS = {"local": "Runbooks folder", "confluence": "Confluence", "gdrive": "Google Drive", "notion": "Notion"}

Block = dict[str, Any]


def escape(text: str, *, keep_quotes: bool = False) -> str:
    """Slack's three mrkdwn escapes; with `keep_quotes`, a ">" opening a line stays a blockquote."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    if not keep_quotes:
        return text.replace(">", "&gt;")
    return "\n".join(("> " + line[1:].lstrip(" ").replace(">", "&gt;")) if line.startswith(">") else line.replace(">", "&gt;")
                     for line in text.split("\n"))


def link(url: str, label: str) -> str:
    """`<url|label>`, with the characters that would end the link encoded."""
    safe_url = url.replace(">", "%3E").replace("|", "%7C").replace("<", "%3C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def age(when: datetime | None, now: datetime | None = None) -> str | None:
    if when is None:
        return None
    now = now or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    days = max(0, (now - when).days)
    if days == 0:
        return "updated today"
    if days == 1:
        return "updated yesterday"
    if days < 60:
        return f"updated {days} days ago"
    if days < 730:
        return f"updated {days // 30} months ago"
    return f"updated {days // 365} years ago"


def _sections(text: str) -> list[Block]:
    """Long text split at line breaks into sections under Slack's per-section limit."""
    blocks, current = [], ""
    for line in text.split("\n"):
        while len(line) > SECTION_LIMIT:
            blocks.append(_mrkdwn_section(line[:SECTION_LIMIT]))
            line = line[SECTION_LIMIT:]
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(_mrkdwn_section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        blocks.append(_mrkdwn_section(current))
    return blocks[:20]


def _mrkdwn_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def source_blocks(citations: Sequence[Citation], snippets: Sequence[str], now: datetime | None = None) -> list[Block]:
    """Numbered like the [n] markers in the answer text, one section each, at most five; `snippets`
    (`Answer.source_snippets`) says what each shows under its title."""
    if not citations:
        return []
    blocks: list[Block] = [{"type": "context", "elements": [{"type": "mrkdwn", "text": "*Sources*"}]}]
    for number, (citation, snippet) in enumerate(zip(citations[:MAX_SOURCES], snippets), start=1):
        title = citation.title + (f" › {citation.section}" if citation.section else "")
        text = f"*{number}.* {link(citation.url, title)}"
        if snippet:
            text += f"\n{escape(snippet)}"
        blocks.append(_mrkdwn_section(text[:SECTION_LIMIT]))
        facts = [SOURCE_LABELS.get(citation.source, citation.source), age(citation.updated_at, now)]
        if citation.path:
            facts.append(f"`{escape(one_line(citation.path, 120))}`")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(f for f in facts if f)}]})
    return blocks


@dataclass
class FeedbackRef:
    """What a feedback button carries back: enough to store the feedback without a lookup."""

    answer_id: str
    question: str
    doc_ids: list[str] = field(default_factory=list)
    asker: str = ""
    """Who asked: in a channel everyone sees the buttons, and only the asker may hand the question
    to a person ("" on buttons posted before askers were kept: anyone, as then)."""

    def encode(self) -> str:
        """JSON under Slack's 2,000-character value limit: documents first, then as much question as fits."""
        doc_ids = list(self.doc_ids)

        def packed(question: str) -> str:
            return json.dumps({"a": self.answer_id, "u": self.asker, "q": question, "d": doc_ids}, ensure_ascii=False)

        while len(packed("")) > VALUE_LIMIT // 2 and doc_ids:
            doc_ids.pop()
        room = VALUE_LIMIT - len(packed(""))
        question = self.question[:room]
        while (excess := len(json.dumps(question, ensure_ascii=False)) - 2 - room) > 0:
            question = question[: len(question) - excess]
        return packed(question)

    @classmethod
    def decode(cls, value: str | None) -> FeedbackRef | None:
        try:
            data = json.loads(value or "")
            return cls(str(data["a"]), str(data.get("q", "")), [str(d) for d in data.get("d", [])], str(data.get("u", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def may_hand_over(self, user: str) -> bool:
        return not self.asker or self.asker == user


def feedback_block(ref: FeedbackRef) -> Block:
    value = ref.encode()
    return {
        "type": "actions",
        "block_id": BLOCK_FEEDBACK,
        "elements": [
            {"type": "button", "action_id": ACTION_HELPFUL, "text": {"type": "plain_text", "text": HELPFUL},
             "value": value},
            {"type": "button", "action_id": ACTION_NOT_HELPFUL, "text": {"type": "plain_text", "text": NOT_HELPFUL},
             "value": value},
        ],
    }


def answer_blocks(answer: Answer, ref: FeedbackRef | None, now: datetime | None = None) -> list[Block]:
    urls = [citation.url for citation in answer.citations[:MAX_SOURCES]]
    text = link_markers(escape(answer.text, keep_quotes=True), urls, lambda number, url: link(url, f"[{number}]"))
    blocks = _sections(text)
    blocks.extend(source_blocks(answer.citations, answer.source_snippets(), now))
    if ref is not None:
        blocks.append(feedback_block(ref))
    return blocks


def draft_text(text: str) -> str:
    """An answer being written: its text so far, marked as unfinished (sources come with the final edit)."""
    shown = escape(text, keep_quotes=True)[:SECTION_LIMIT]
    return shown if shown.endswith("…") else shown + " …"


def answer_text(answer: Answer) -> str:
    """The notification and screen-reader text: the answer itself, without the sources."""
    return one_line(answer.text, 2900) if answer.text else "…"


def feedback_done_blocks(blocks: Sequence[Block], helpful: bool) -> list[Block]:
    """The answer as it was, with the buttons replaced by a thank-you (so nobody clicks twice)."""
    note = feedback_thanks(helpful)
    kept = [block for block in blocks if block.get("block_id") != BLOCK_FEEDBACK]
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{note}_"}]})
    return kept


def escalation_offer_blocks(ref: FeedbackRef) -> list[Block]:
    return [
        _mrkdwn_section(OFFER),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": ACTION_ESCALATE, "style": "primary",
             "text": {"type": "plain_text", "text": ASK_A_PERSON}, "value": ref.encode()},
        ]},
    ]


MARKUP = Markup(
    command="/kb ",
    how_to_ask=("Mention me in a channel (`@kb how do I reset my password?`) or send me a direct message; "
                "I answer in the thread, and follow-ups in that thread keep the context."),
    reports_to="send you progress and the summary in a direct message",
    groups="Slack user groups",
    bold=lambda text: f"*{text}*",
    bullet="• ",
    line_break="\n",
    marks={"progress": ":arrows_counterclockwise:", "failed": ":x:", "warning": ":warning:", "done": ":white_check_mark:"},
    escape=escape,
    escape_text=escape,
)
"""How kb's sentences (`bot.conversation.wording`) are written in Slack."""


def report_blocks(text: str, details: Sequence[str] = ()) -> list[Block]:
    """A reindex report: its line, and the errors it lists under it (small print)."""
    blocks = [_mrkdwn_section(escape(text)[:SECTION_LIMIT])]
    if details:
        shown = "\n".join(f"• {escape(line)}" for line in details)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": shown[:SECTION_LIMIT]}]})
    return blocks
