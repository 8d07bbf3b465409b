"""The answer every surface renders: the `kb ask --json` contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


SNIPPET_CHARS = 200
"""How much of a source Slack and Teams show under its title in the sources list: a hint, a line or two.
From the quote's best sentence on (`Citation.hint`), on 47 Sourcegraph sets (4,274 answer questions) the hints
showed the fact in 40 more answers at 200 characters, 11 at 160 and 57 at 240, none fewer, the hint 173
characters long on average (the best sentence alone at 160: 105); the sentence alone at 200 gained 16 (README)."""


def one_line(text: str, limit: int = SNIPPET_CHARS) -> str:
    """`text` on one line, cut at a word boundary with "…" past `limit`: a hint, not a quote to scroll."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return (flat[:limit].rsplit(" ", 1)[0] or flat[: limit - 1]) + "…"


@dataclass
class Citation:
    """A source the answer points at: numbered [n] in the answer text, n = position + 1."""

    title: str
    url: str
    path: str
    section: str
    snippet: str
    doc_id: str
    source: str = "local"
    updated_at: datetime | None = None
    gist: str = ""
    """The snippet's sentence that answers best: what the one-line hint in the sources list shows
    ("" when unknown: the snippet's opening). A quote starts with what its best sentence depends on,
    so its first 160 characters are often that context, not the fact."""

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key not in ("source", "updated_at", "gist")}

    def hint(self) -> str:
        """One line of the quote from its best sentence on: that sentence is often short, or a lead-in
        ("Once you learn that a teammate is resigning, please follow the below process:") whose point is
        in the sentence after it."""
        start = self.snippet.find(self.gist) if self.gist else -1
        return one_line(self.snippet[start:] if start >= 0 else self.gist or self.snippet)


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    escalated: bool = False
    queue: str | None = None
    category: str | None = None
    no_answer: bool = False
    generated: bool = False
    """Written by the language model from the cited snippets (False: the snippets quoted as they are)."""
    uncited: list[str] = field(default_factory=list)
    """Generated sentences that carry no citation: kept, but flagged so reviewers can check them."""

    def cited_documents(self, limit: int | None = None) -> list[str]:
        """The documents behind the first `limit` citations, each once: one document can give two
        citations (two of its sections), and feedback and escalations count documents."""
        return list(dict.fromkeys(citation.doc_id for citation in self.citations[:limit]))

    def source_snippets(self) -> list[str]:
        """What each source in the list under the answer shows beneath its title: one line of the
        citation's quote from its best sentence on (`Citation.hint`), or "" when the answer text already
        quotes the snippet word for word (a snippets answer quotes its first three): shown twice, the
        same words doubled the message's length."""
        return ["" if citation.snippet and citation.snippet in self.text else citation.hint()
                for citation in self.citations]

    def shown(self) -> str:
        """All the text a chat surface shows of this answer: the message and the sources' hints."""
        return " ".join([self.text, *(hint for hint in self.source_snippets() if hint)])

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "citations": [citation.to_json() for citation in self.citations],
            "escalated": self.escalated,
            "queue": self.queue,
            "category": self.category,
            "no_answer": self.no_answer,
            "generated": self.generated,
            "uncited": list(self.uncited),
        }
