"""The answer without a language model: the best snippets, quoted and cited.

Quoting is honest by construction: every sentence shown is the runbook's own, with the link to the
section it came from. It is also the fallback when an LLM is configured but unavailable.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.answer.model import Citation
from bot.answer.retrieve import Result
from bot.answer.snippets import best_snippet, lexical_scores, sentences_of
from bot.index.vector_cache import VectorCache

SentenceScorer = Callable[[str, list[list[str]]], list[list[float]]]
"""Given the question and each chunk's sentences, a similarity per sentence."""

NOT_FOUND = (
    "I couldn't find this in the runbooks. Try rewording with the name of the system or policy, "
    "or ask in #it-help or #people-ops."
)


SENTENCE_VECTORS = 20_000
"""Sentence vectors the quote scorer keeps (about 30 MB at 384 dimensions): the chunks popular questions
retrieve are scored again and again, and embedding their sentences was most of an answer's time."""


def embedding_scorer(embedder, capacity: int = SENTENCE_VECTORS) -> SentenceScorer:  # noqa: ANN001 - any Embedder
    """Sentence similarities from the model already loaded: one call for the sentences not seen lately."""
    sentence_vectors = VectorCache(embedder.embed_documents, capacity)

    def score(question: str, chunks: list[list[str]]) -> list[list[float]]:
        flat = [sentence for sentences in chunks for sentence in sentences]
        if not flat:
            return [[] for _ in chunks]
        query = embedder.embed_queries([question])[0]
        similarities = (sentence_vectors(flat) @ query).tolist()
        out, offset = [], 0
        for sentences in chunks:
            out.append(similarities[offset : offset + len(sentences)])
            offset += len(sentences)
        return out

    return score


def citations_for(question: str, results: list[Result], limit: int, scorer: SentenceScorer | None = None,
                  lead_sections: int = 2) -> list[Citation]:
    """One citation per document in rank order, at most `limit`; the lead document may give two.

    All of a document's retrieved chunks compete for its quote, and the citation points at the
    section of the chunk that won: the best sentence is often not in the document's top chunk.
    The lead document is the likeliest answer, and its two retrieved sections often split it (the
    printing steps in one, the troubleshooting table in the other), so up to `lead_sections` of its
    chunks are quoted, in retrieval order: retrieval also weighs the section's heading, which the
    sentence scores do not see. Measured on the 18F handbook and the examples in the README.
    """
    by_doc: dict[str, list[Result]] = {}
    for result in results:
        if result.doc_id in by_doc or len(by_doc) < limit:
            by_doc.setdefault(result.doc_id, []).append(result)
    chunks = [result for group in by_doc.values() for result in group]
    sentences = [sentences_of(result.text) for result in chunks]
    semantic = scorer(question, sentences) if scorer else [None] * len(chunks)
    scored = {result.id: (sents, sem) for result, sents, sem in zip(chunks, sentences, semantic)}
    citations: list[Citation] = []
    for place, group in enumerate(by_doc.values()):
        best = sorted(group, key=lambda result: _best_score(question, *scored[result.id]), reverse=True)
        quoted = best[:1] if place else sorted(best[:lead_sections], key=group.index)  # two: in retrieval order
        by_section: dict[str, Citation] = {}
        for result in quoted:
            snippet = best_snippet(question, result.text, semantic=scored[result.id][1])
            if result.link in by_section:  # two chunks of one long section: one citation, both quotes
                by_section[result.link].snippet += f" … {snippet}"
            else:
                by_section[result.link] = citation_of(result, snippet)
        citations.extend(by_section.values())
    return citations[:limit]


def citation_of(result: Result, snippet: str) -> Citation:
    """The citation of one chunk: its section link and the quoted `snippet`."""
    return Citation(title=result.title, url=result.link, path=result.path, section=result.section, snippet=snippet,
                    doc_id=result.doc_id, source=result.source, updated_at=result.updated_at)


def _best_score(question: str, sentences: list[str], semantic: list[float] | None) -> float:
    """The chunk's best sentence score, on the same scale across chunks (unlike best_snippet's)."""
    if not sentences:
        return float("-inf")
    lexical = lexical_scores(question, sentences)
    if semantic is None:
        return max(lexical)
    return max(0.1 * lex + sem for lex, sem in zip(lexical, semantic))


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
