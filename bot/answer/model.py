"""The answer every surface renders: the `kb ask --json` contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


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

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key not in ("source", "updated_at")}


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
        """What each source in the list under the answer shows beneath its title: the citation's
        snippet, or "" when the answer text already quotes it word for word (a snippets answer quotes
        its first three): shown twice, the same words doubled the message's length."""
        return ["" if citation.snippet and citation.snippet in self.text else citation.snippet
                for citation in self.citations]

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
