"""Adaptive Cards for Teams: the answer, its numbered sources, the helpful / not-helpful buttons and,
after "not helpful", the offer to pass the question to a person.

Pure functions from `Answer` to card JSON, so rendering is testable without Teams. The buttons are
`Action.Submit`: Teams sends their `data` back as a message activity whose `value` is that data,
which `FeedbackData.decode` turns into what `ChatServices.record_feedback` stores (and
`FeedbackData.decode_ask_person` into an escalation). The data is bounded (Teams rejects cards over
~28 KB), so long questions are cut, never the card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.answer.citations import link_markers
from bot.answer.model import Answer, Citation, one_line
from bot.conversation.wording import ASK_A_PERSON, HELPFUL, NOT_FOUND, NOT_HELPFUL, OFFER, Markup, feedback_thanks

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"
"""1.4 renders on every Teams client (desktop, web, mobile); 1.5 does not yet everywhere."""
ACTION_KEY = "kb_action"
ACTION_FEEDBACK = "feedback"
ACTION_ASK_PERSON = "ask_person"
MAX_SOURCES = 5
QUESTION_CHARS = 500
ANSWER_CHARS = 2000

Card = dict[str, Any]


def md_escape(text: str) -> str:
    """Teams' TextBlock markdown treats [ ] ( ) * _ as syntax; a title must not break its own link."""
    return "".join("\\" + ch if ch in "[]()*_`" else ch for ch in text)


SOURCE_FIELDS = ("title", "url", "path", "section", "snippet", "doc_id")


@dataclass
class FeedbackData:
    """What a feedback button carries back: enough to store a row, and to redraw the card.

    Teams sends back only the button's data, never the card, and replacing the buttons with the
    verdict means sending the whole card again: so the sources travel too (snippets already cut to
    one line), rather than a per-process cache that a restart would empty. The same data rides on
    the "Ask a person" button, with who asked: in a channel everyone sees that button, and only the
    asker may hand their question over.
    """

    answer_id: str
    question: str
    answer: str = ""
    doc_ids: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    asker: str = ""
    """The asker's first Teams identity (AAD object id, else Teams user id); empty on cards from before it was kept."""

    @classmethod
    def of(cls, answer_id: str, answer: Answer, asker: str = "") -> FeedbackData:
        cited = answer.citations[:MAX_SOURCES]  # the snippets as the card shows them: none under a quoted source
        sources = [{**{name: str(getattr(c, name) or "") for name in SOURCE_FIELDS}, "snippet": shown}
                   for c, shown in zip(cited, answer.source_snippets())]
        return cls(answer_id, answer.question, answer.text, answer.cited_documents(MAX_SOURCES), sources, asker)

    def to_answer(self) -> Answer:
        """The answer as the card showed it (for redrawing the card with the verdict)."""
        citations = [Citation(**{name: source.get(name, "") for name in SOURCE_FIELDS}) for source in self.sources]
        return Answer(question=self.question, text=self.answer, citations=citations)

    def submit_data(self, helpful: bool) -> dict[str, Any]:
        return {ACTION_KEY: ACTION_FEEDBACK, "helpful": helpful, **self._fields()}

    def ask_person_data(self) -> dict[str, Any]:
        return {ACTION_KEY: ACTION_ASK_PERSON, **self._fields()}

    def _fields(self) -> dict[str, Any]:
        return {"answer_id": self.answer_id, "question": self.question[:QUESTION_CHARS],
                "answer": self.answer[:ANSWER_CHARS], "doc_ids": list(self.doc_ids), "sources": self.sources,
                "asker": self.asker}

    @staticmethod
    def decode(value: Any) -> tuple[FeedbackData, bool] | None:
        """The data and the verdict from a feedback button's `value`; None when it is not ours or malformed."""
        data = FeedbackData._parse(value, ACTION_FEEDBACK)
        helpful = value.get("helpful") if data is not None else None
        return (data, helpful) if data is not None and isinstance(helpful, bool) else None

    @staticmethod
    def decode_ask_person(value: Any) -> FeedbackData | None:
        """The data from an "Ask a person" button's `value`; None when it is not ours or malformed."""
        return FeedbackData._parse(value, ACTION_ASK_PERSON)

    @staticmethod
    def _parse(value: Any, action: str) -> FeedbackData | None:
        """Every field checked and cut to its bound: a submitted value is whatever the client sent."""
        if not isinstance(value, Mapping) or value.get(ACTION_KEY) != action:
            return None
        answer_id, doc_ids = value.get("answer_id"), value.get("doc_ids") or []
        if not isinstance(answer_id, str) or not answer_id or not isinstance(doc_ids, list):
            return None
        sources = value.get("sources") if isinstance(value.get("sources"), list) else []
        sources = [{name: str(source.get(name) or "")[:ANSWER_CHARS] for name in SOURCE_FIELDS}
                   for source in sources[:MAX_SOURCES] if isinstance(source, Mapping)]
        return FeedbackData(answer_id, str(value.get("question") or "")[:QUESTION_CHARS],
                            str(value.get("answer") or "")[:ANSWER_CHARS], [str(d) for d in doc_ids][:MAX_SOURCES],
                            sources, str(value.get("asker") or "")[:200])


def _text(text: str, **extra: Any) -> Card:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def source_blocks(citations: Sequence[Citation], snippets: Sequence[str]) -> list[Card]:
    """Numbered like the [n] markers in the answer: linked title, section, then a one-line snippet
    (`snippets`, from `Answer.source_snippets`: none under a source the answer text already quotes)."""
    blocks: list[Card] = []
    for number, (citation, snippet) in enumerate(zip(citations[:MAX_SOURCES], snippets), start=1):
        title = md_escape(citation.title or citation.path or "source")
        linked = f"[{title}]({citation.url})" if citation.url else title
        section = f" — {md_escape(citation.section)}" if citation.section else ""
        blocks.append(_text(f"{number}. {linked}{section}", spacing="Small"))
        if snippet:
            blocks.append(_text(snippet, isSubtle=True, size="Small", spacing="None"))
    return blocks


def answer_card(answer: Answer, feedback: FeedbackData | None, *, verdict: bool | None = None,
                offer: FeedbackData | None = None, handed_over: str | None = None) -> Card:
    """The card for one answer; `feedback` None leaves the buttons off (nothing cited, or escalated).

    `verdict` is the feedback already given: the card is redrawn with a thank-you where the buttons were.
    `offer` (after "not helpful") adds the question "pass it to a person?" and its button; `handed_over`
    is what became of that (the escalation's outcome), shown where the button was.
    """
    urls = [citation.url for citation in answer.citations[:MAX_SOURCES]]
    text = link_markers(answer.text, urls, lambda number, url: f"[\\[{number}\\]]({url})")  # [n] → its section
    body: list[Card] = [_text(text or NOT_FOUND)]
    if answer.citations:
        body.append(_text("Sources", weight="Bolder", spacing="Medium", separator=True))
        body.extend(source_blocks(answer.citations, answer.source_snippets()))
    if verdict is not None:
        body.append(_text(("👍 " if verdict else "👎 ") + feedback_thanks(verdict), isSubtle=True, spacing="Medium",
                          separator=True))
    if handed_over:
        body.append(_text(f"🙋 {handed_over}", spacing="Small"))
    elif offer is not None:
        body.append(_text(OFFER, spacing="Small"))
    card: Card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                  "version": CARD_VERSION, "body": body}
    if feedback is not None:
        card["actions"] = [
            {"type": "Action.Submit", "title": HELPFUL, "data": feedback.submit_data(True)},
            {"type": "Action.Submit", "title": NOT_HELPFUL, "data": feedback.submit_data(False)},
        ]
    elif offer is not None and not handed_over:
        card["actions"] = [ask_person_action(offer)]
    return card


def ask_person_action(offer: FeedbackData) -> Card:
    return {"type": "Action.Submit", "title": ASK_A_PERSON, "style": "positive", "data": offer.ask_person_data()}


def offer_card(offer: FeedbackData) -> Card:
    """The offer on its own, for when the answer card can no longer be redrawn."""
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": [_text(OFFER)], "actions": [ask_person_action(offer)]}


def draft_card(text: str) -> Card:
    """An answer being written: its text so far and a note that the sources follow."""
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": [_text(text), _text("Writing…", isSubtle=True, size="Small")]}


def answer_summary(answer: Answer) -> str:
    """The activity's plain text: what notifications and screen readers show beside the card."""
    return one_line(answer.text or "kb answer", 200)


def report_text(text: str, details: Sequence[str] = ()) -> str:
    """A reindex report in one message: its line, then the errors it lists."""
    return text + ("\n\n" + "\n".join(f"- {line}" for line in details) if details else "")


MARKUP = Markup(
    command="",
    how_to_ask="Send me a message in a personal chat, or @mention me in a channel; I reply in the thread.",
    reports_to="post progress and the summary here",
    groups="AAD groups",
    bold=lambda text: f"**{text}**",
    bullet="- ",
    line_break="\n\n",
    marks={"progress": "🔄", "failed": "❌", "warning": "⚠️", "done": "✅"},
    escape_text=md_escape,
)
"""How kb's sentences (`bot.conversation.wording`) are written in Teams' markdown."""
