"""The answer core: one call that every surface (CLI, Slack, Teams) makes.

Order matters: the question is checked, then the policy decides whether a person must take it
(before any retrieval, so regulated questions never get runbook text), then retrieval, then
composition. Surfaces only translate events in and render the `Answer` out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import structlog

from bot import metrics
from bot.answer.chat_terms import translated
from bot.answer.compose import (citations_for, embedding_scorer, not_found, not_found_about, snippets_answer,
                                with_neighbours)
from bot.answer.coverage import (DISTINCTIVE, asked_thing, asks_meaning, distinctive_unmentioned, named, spellings,
                                 telling_terms, unmentioned)
from bot.answer.grounded import GroundedWriter, Partial
from bot.answer.model import Answer
from bot.answer.question import check_question
from bot.answer.retrieve import Result, Retriever, documents_ranked
from bot.answer.snippets import terms
from bot.config import Settings
from bot.index import sentence_vectors
from bot.policy import AnswerEverything, Policy

log = structlog.get_logger(__name__)

PROMPT_TURNS = 6
"""Earlier messages of a thread the model sees (retrieval uses fewer: old turns blur the query)."""


CLAUSE = re.compile(r"(?<=[?!.\u2600-\u27bf\ufe0f\U0001f300-\U0001faff])\s+|\s*\n\s*")
"""Where a chat message's clauses end: after a question mark, exclamation or full stop, after an emoji
(chat's punctuation: "my grandpa passed away last night 💔 can i step away for a few days?"), or at
a line break."""

MAX_CLAUSES = 4
"""Clauses searched alone, at most (a search each): a long message pasted whole costs four searches, not forty."""

RESCUE_PAGES = 3
"""Pages whose sentences may vouch for a question whose best chunk is weak: the three the answer would
lead with (each read once; their sentence vectors are stored with their chunks)."""

PROMPT_SECTION_WINDOW = 3
"""Chunks of a cited section the model sees on each side of a matched one (~200 tokens each)."""


_OWN_ASK = re.compile(r"^\W*(?:and |also |or |plus |if not,? |if so,? )?(?:who|how|where|what|which|when|can|could|do|does|is|are)\b",
                      re.IGNORECASE)
_BACK = re.compile(r"\b(it|its|that|this|they|them|those|these|one|ones|there|if (?:so|yes|we do|you do))\b",
                   re.IGNORECASE)


def another_ask(question: str, thing: str) -> bool:
    """Whether the message asks something else besides "do we have X?" ("does our insurance cover couples
    counseling? who can tell me what my plan pays for"): a further question that does not point back at X
    ("is there a secret santa? who organizes it" does) and names a topic of its own in two words or more
    ("…? how do i join" leaves X implied). Such a message is answered, not judged "not found"."""
    clauses = [clause for clause in CLAUSE.split(question) if clause.strip()]
    about_thing = set(terms(thing))
    return any(_OWN_ASK.search(clause) and not _BACK.search(clause) and len(set(terms(clause)) - about_thing) >= 2
               for clause in clauses if thing.lower() not in clause.lower())


class AnswerService:
    def __init__(self, settings: Settings, retriever: Retriever, policy: Policy | None = None,
                 writer: GroundedWriter | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.policy = policy or AnswerEverything()
        self.writer = writer
        """Writes generated answers when an Anthropic key is set; None: the snippets answer only."""
        self.sentence_scorer = embedding_scorer(retriever.embedder)

    def relevant(self, question: str, where: str | None = None) -> list[Result]:
        """Chunks worth citing; empty when even the best match is too weak to trust.

        A section that answers in one sentence among many on other things can score under
        `min_relevance` as a whole ("where can my visitors park?" against a page of office odds and
        ends): its results still count when a sentence of the top pages is `min_sentence_relevance`
        close to the question. Failing that, a clause of it may clear the bar alone (`a_clause_answers`),
        or the question said in the runbooks' words (`said_formally`).
        """
        results = self._search(question, where)
        if not results:
            return []
        if max(result.similarity for result in results) < self.settings.min_relevance \
                and not self.a_sentence_answers(question, results, where):
            results = self.a_clause_answers(question, where) or self.said_formally(question, where)
            if not results:
                return []
        floor = self.settings.min_relevance * 0.8  # weaker companions of a good match are noise
        return [result for result in results if result.similarity >= floor]

    def a_clause_answers(self, question: str, where: str | None = None) -> list[Result]:
        """What the question's own ask retrieves when chat around it blurs the whole ("is there a budget for
        a desk for wfh? my back is dying"): each clause of three words or more is searched alone (the first
        `MAX_CLAUSES`), and the first whose best chunk clears `min_relevance` gives the results."""
        clauses = [clause for clause in CLAUSE.split(question) if len(clause.split()) >= 3]
        if len(clauses) < 2:
            return []
        for clause in clauses[:MAX_CLAUSES]:
            results = self._clearing(clause, where)
            if results:
                return results
        return []

    def said_formally(self, question: str, where: str | None = None) -> list[Result]:
        """What the question retrieves with its chat words in the runbooks' ("when's the all hands?" as
        "when's the company meeting?", `bot.answer.chat_terms.translated`) when that clears
        `min_relevance`: the model reads meaning, and slang it never saw is far from every section.
        Only a question otherwise turned away is searched again, so no answer found as asked changes."""
        table = self.retriever.chat_terms
        formal = translated(question, table) if table is not None else question
        return self._clearing(formal, where) if formal != " ".join(question.split()) else []

    def _search(self, query: str, where: str | None) -> list[Result]:
        """The answer's search: twice the chunks it cites, a few a document."""
        return self.retriever.search(query, k=self.settings.top_k * 2, per_doc=self.settings.max_chunks_per_doc,
                                     where=where)

    def _clearing(self, query: str, where: str | None) -> list[Result]:
        """`_search`'s results for `query` when its best chunk clears `min_relevance`, else none."""
        results = self._search(query, where)
        return results if results and max(result.similarity for result in results) >= self.settings.min_relevance else []

    def a_sentence_answers(self, question: str, results: list[Result], where: str | None = None) -> bool:
        """Whether a sentence of the top `RESCUE_PAGES` pages of `results` is `min_sentence_relevance`
        close to `question`, by the sentence vectors stored at sync (one read of those pages; an index
        synced before they were stored has none, and keeps the chunk rule alone).

        Measured on 18F, the examples and the Sourcegraph development set (README): at 0.45 it answers
        both 18F questions the chunk rule turned away, and turns away no unanswerable question it
        caught; at 0.42 it also lets through one the examples caught.
        """
        threshold = self.settings.min_sentence_relevance
        if threshold <= 0:
            return False
        query = self.retriever.corrected(question)
        pages = self.retriever.documents(documents_ranked(results)[:RESCUE_PAGES], query, where)
        vector = self.retriever.embedder.embed_queries([query])[0]
        stored = sentence_vectors.known(pair for page in pages.values() for chunk in page for pair in chunk.stored)
        return any(known.shape == vector.shape and float(known @ vector) >= threshold for known in stored.values())

    @metrics.measured_answer
    def answer(self, question: str, *, history: Sequence[str] = (), where: str | None = None,
               on_text: Partial | None = None) -> Answer:
        """Answer `question`; `history` holds the thread's earlier messages, oldest first.

        A follow-up ("and for contractors?") means little alone, so retrieval also sees the last
        earlier messages; snippets are still chosen for the question itself. With a writer, the
        model gets the question, the history and the snippets, and `on_text` (called from another
        thread) sees the answer while it is written; when generation fails or its citations do
        not hold, the snippets answer is given as without a writer.
        """
        checked = check_question(question, self.settings.max_question_chars)
        if checked.problem:
            return Answer(question=checked.text, text=checked.problem, no_answer=True)
        turns = [turn for turn in history if turn.strip()]
        decision = self.policy.classify(checked.text, turns)
        if decision is not None:
            log.info("answer.escalated", category=decision.category, queue=decision.queue)
            return Answer(question=checked.text, text=decision.reply, escalated=True, queue=decision.queue,
                          category=decision.category)
        context = turns[-2:]
        query = " ".join([*context, checked.text])[-self.settings.max_question_chars :] if context else checked.text
        results = self.relevant(query, where)
        if not results:
            log.info("answer.not_found")
            return Answer(question=checked.text, text=not_found(self.settings.help_channels), no_answer=True)
        corrected = self.retriever.corrected(checked.text)
        thing = self.absent_thing(corrected, results, where)

        def sections(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
            return self.retriever.store.section_chunks(keys, where)

        if thing is None and self.writer is not None:
            # The model reads whole sections (bounded), not the matched chunks alone: the rule's
            # exception or the procedure's first step is often in the chunk next to the match.
            given = with_neighbours(results[: self.settings.top_k], sections, PROMPT_SECTION_WINDOW)
            written = self.writer.write(checked.text, given, turns[-PROMPT_TURNS:], on_text)
            if written is not None:
                return written
        def documents(doc_ids: list[str]) -> dict[str, list[Result]]:
            return self.retriever.documents(doc_ids, corrected, where)

        citations = citations_for(corrected, results, self.settings.top_k, self.sentence_scorer, sections=sections,
                                  documents=documents)
        if thing is not None:
            log.info("answer.not_found", reason="not_mentioned")
            text = not_found_about(thing, citations, meaning=asks_meaning(corrected))
            return Answer(question=checked.text, text=text, citations=citations, no_answer=True)
        return Answer(question=checked.text, text=snippets_answer(citations), citations=citations)

    def absent_thing(self, question: str, results: list[Result], where: str | None = None) -> str | None:
        """The X of a "do we have X?" question when the runbooks never mention it, else None.

        X is absent when one of its telling words is in no chunk at all (KB_NOT_MENTIONED=index), or
        also when no retrieved section is about it (retrieved: `bot.answer.coverage.unmentioned`, or none names
        any of its particular words: `distinctive_unmentioned`) and no
        chunk of the pages it would cite names it word for word (`bot.answer.coverage.named`). A message
        that asks something else too (`another_ask`) is not judged here. X's chat
        words are judged as the runbooks' words for them (`bot.answer.chat_terms.translated`); the reply
        still names X as the asker wrote it.
        Other question shapes are never judged here: the relevance threshold covers them.
        """
        mode = self.settings.not_mentioned
        thing = asked_thing(question) if mode != "off" else None
        if thing is None or another_ask(question, thing):
            return None
        table = self.retriever.chat_terms
        # "wfh stipend": the runbooks say "remote"; translated whole first, so that stopwords trimmed off
        # the thing ("an all hands") do not break a chat phrase apart.
        judged = asked_thing(question, judged=True) or thing  # "a gaming laptop" is judged as "laptop"
        said = (asked_thing(translated(question, table), judged=True) or translated(judged, table)) \
            if table is not None else judged
        if any(not any(map(self.retriever.store.mentions, spellings(term))) for term in telling_terms(said)):
            return thing
        if mode != "retrieved":
            return None
        found = [f"{r.title} {r.section} {r.text}" for r in results]
        if not unmentioned(said, found) and not distinctive_unmentioned(
                said, found, lambda word: self.retriever.store.chunks_mentioning(word, DISTINCTIVE, where)):
            return None
        # Retrieval keeps two chunks a page; the section that names X ("Does Sourcegraph offer short term
        # disability?") can be the page's third. The pages the answer would cite are read whole before saying
        # no, for X named word for word: a single word is met by chance somewhere on a long page.
        pages = self.retriever.documents(documents_ranked(results)[:RESCUE_PAGES], question, where)
        texts = [f"{r.title} {r.section} {r.text}" for page in pages.values() for r in page]
        return None if any(named(said, text) for text in texts) else thing
