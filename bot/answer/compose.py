"""The answer without a language model: the best snippets, quoted and cited.

Quoting is honest by construction: every sentence shown is the runbook's own, with the link to the
section it came from. It is also the fallback when an LLM is configured but unavailable.
"""

from __future__ import annotations

from bot.answer.model import Citation
from bot.answer.retrieve import Result
from bot.answer.snippets import best_snippet

NOT_FOUND = (
    "I couldn't find this in the runbooks. Try rewording with the name of the system or policy, "
    "or ask in #it-help or #people-ops."
)


def citations_for(question: str, results: list[Result], limit: int) -> list[Citation]:
    """One citation per document (its best chunk), in rank order, at most `limit`."""
    citations: list[Citation] = []
    seen: set[str] = set()
    for result in results:
        if result.doc_id in seen:
            continue
        seen.add(result.doc_id)
        citations.append(
            Citation(
                title=result.title,
                url=result.link,
                path=result.path,
                section=result.section,
                snippet=best_snippet(question, result.text),
                doc_id=result.doc_id,
                source=result.source,
                updated_at=result.updated_at,
            )
        )
        if len(citations) == limit:
            break
    return citations


def snippets_answer(citations: list[Citation], shown: int = 3) -> str:
    """Markdown a person can read in a thread: the lead quote, then the other relevant sections."""
    lines = []
    for number, citation in enumerate(citations[:shown], start=1):
        where = citation.title + (f" › {citation.section}" if citation.section else "")
        if number == 1:
            lines.append(f"From *{where}* [{number}]:\n> {citation.snippet}")
        else:
            if number == 2:
                lines.append("\nAlso relevant:")
            lines.append(f"• *{where}* [{number}]: {citation.snippet}")
    return "\n".join(lines)
