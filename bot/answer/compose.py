"""The answer without a language model: the best snippets, quoted and cited.

Quoting is honest by construction: every sentence shown is the runbook's own, with the link to the
section it came from. It is also the fallback when an LLM is configured but unavailable.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType

import numpy as np

from bot.answer.asks import Ask, asks
from bot.answer.model import Citation
from bot.answer.retrieve import Result
from bot.answer.snippets import (PROCEDURE_CHARS, QUOTE_CHARS, announces, best_quote, bonuses, bounded, lexical_scores,
                                 lexical_shares, opening, terms)
from bot.index import sentence_vectors
from bot.index.chunking import plain_heading
from bot.index.sentences import sentences_of
from bot.index.store import ChunkText
from bot.index.vector_cache import VectorCache

SentenceScorer = Callable[[str, list[list[str]], Mapping[str, np.ndarray]], list[list[float]]]
"""Given the question, each chunk's sentences and the sentence vectors the index stores, a similarity per sentence."""


def not_found(help_channels: str) -> str:
    """What kb says when nothing relevant was found: how to ask again, and where people can help
    (KB_HELP_CHANNELS: the company's own channels, which only its operators know)."""
    hint = "I couldn't find this in the runbooks. Try rewording with the name of the system or policy"
    return f"{hint}, or ask in {help_channels.strip()}." if help_channels.strip() else f"{hint}."


PLACE_WEIGHT = 1.0
"""How much a chunk's own similarity to the question counts, beside its best sentence's, when a
document's chunks compete for its quote. The chunk is embedded with its headings, which the sentences
are not: "left my badge at home" meets a section titled "Forgot your card" whose sentence only says
to call the help desk. Measured on 18F, the examples and the Sourcegraph development set: 0.6 to 1.5
gain the same questions (README), and none is lost."""


PAGE_WORDS_WEIGHT = 0.15
"""How much a chunk's share of the question's words, within its page (`words_shared`), counts when a document's
chunks compete for its quote. The sentences are scored by meaning and by the words they share within their own
chunk, so nothing compared the page's chunks by the question's words, nor saw the heading a chunk sits under
("who signs off on a sabbatical?" meets a section headed "Sabbaticals" whose sentences never say it). On 47
Sourcegraph sets (4,179 answer questions, replayed) 0.15 showed the fact in 42 more answers and 24 fewer (+16 and
+2 on the two halves of the sets; +17 in what chat shows), 0.3 in 57 more and 38 fewer, answers 3 characters longer
(README, session 38)."""


SOURCE_SHARE = 0.65
"""A document is cited only if its best chunk scores at least this share of the best chunk's retrieval
score: a strong answer no longer trails sources about something else ("Customer Health" under the
question of when an account is cut off). On 18F, the examples and the Sourcegraph development set,
no quote holding the fact came from a document below 0.7 of the lead; 0.65 keeps a margin under
that. Answers list 3.9 to 4.6 sources instead of 4.7 to 5, and no quote holding the fact is lost on
those sets or the frozen Sourcegraph ones (README)."""


LEAD_QUOTE_CHARS = 900
"""About how long a quote of the lead document may grow (others: `QUOTE_CHARS`). The lead is the likeliest
answer, and the fact asked for is often a few sentences from the one that scores best ("After 24 hours
without any action, the booking is accepted" three sentences after the out-of-policy rule). On 18F, the
examples and 13 Sourcegraph sets (1,318 questions), 900 showed the fact in 38 more answers and in 1
fewer, with answers 15% longer (1,617 → 1,861 characters on average); every quote at 700 gained 28 and at
800 37 for the same length, and the lead at 1,200 only 5 more (README). A procedure already takes 900."""


SPARE_SOURCES = 3
"""Documents read beyond the `limit` cited, to take the place of one whose quotes are all shown already."""


SENTENCE_VECTORS = 20_000
"""Sentence vectors the quote scorer keeps (about 30 MB at 384 dimensions) for sentences the index
stores none for (chunks synced before it stored them): popular questions retrieve them again and again."""


def embedding_scorer(embedder, capacity: int = SENTENCE_VECTORS) -> SentenceScorer:  # noqa: ANN001 - any Embedder
    """Sentence similarities from the stored sentence vectors, and from the model already loaded for
    sentences without one (one call for those not seen lately)."""
    cache = VectorCache(embedder.embed_documents, capacity)

    def score(question: str, chunks: list[list[str]], known: Mapping[str, np.ndarray]) -> list[list[float]]:
        flat = [sentence for sentences in chunks for sentence in sentences]
        if not flat:
            return [[] for _ in chunks]
        query = embedder.embed_queries([question])[0]
        usable = {sentence: known[sentence] for sentence in flat
                  if sentence in known and known[sentence].shape == query.shape}
        missing = [sentence for sentence in flat if sentence not in usable]
        embedded = dict(zip(missing, cache(missing))) if missing else {}
        similarities = (np.stack([usable.get(sentence, embedded.get(sentence)) for sentence in flat]) @ query).tolist()
        out, offset = [], 0
        for sentences in chunks:
            out.append(similarities[offset : offset + len(sentences)])
            offset += len(sentences)
        return out

    return score


def citations_for(question: str, results: list[Result], limit: int, scorer: SentenceScorer | None = None,
                  lead_sections: int = 2, sections: SectionReader | None = None,
                  documents: DocumentReader | None = None) -> list[Citation]:
    """Citations in document rank order, at most `limit`: one or two per document, up to three for the lead.

    All of a document's retrieved chunks compete for its quote, and the citation points at the
    section of the chunk that won: the best sentence is often not in the document's top chunk.
    The lead document is the likeliest answer, and its two retrieved sections often split it (the
    printing steps in one, the troubleshooting table in the other), so up to `lead_sections` of its
    chunks are quoted, in retrieval order: retrieval also weighs the section's heading, which the
    sentence scores do not see. Measured on the 18F handbook and the examples in the README. Its quotes
    may grow longer than the others' (`LEAD_QUOTE_CHARS`). Every quote carries the best sentence outside its window
    when it scores near the best (`bot.answer.snippets.RUNNER_UP_MARGIN`).

    With `sections`, the lead document's chunks are read with their neighbours in the same section
    (`SECTION_WINDOW`): a procedure's first steps or the deadline a rule gives are often in the
    chunk next to the one that matched. With `documents`, the rest of each cited document is read too:
    retrieval keeps two chunks of a document, and the one holding the fact asked for is often the
    page's third. Its other chunks are scored from their stored sentence vectors (`candidates`), and
    the best is quoted as well, after the others, if its best sentence beats one of theirs. When retrieval
    kept a single chunk of the lead document, the page's best other chunk is quoted beside it whatever it
    scores: one chunk is often the section next to the fact ("back from parental leave, anything hr wants
    me to fill out?" retrieved the managers' section on returns, not the teammates' step beside it). On 22
    sets (1,948 answer questions) that showed the fact in 13 more answers and in the message itself in 5
    more, answers 2.7% longer (README). At most `limit` citations are kept, in that order, but the first
    `MIN_SOURCES` documents are each cited before any extra quote (`shown_citations`). On 18F, the examples
    and three Sourcegraph sets (README) this gained two questions on the examples and as many as it lost
    elsewhere; reading the lead document alone was a net loss on two of the Sourcegraph sets. Keeping every document
    instead (more citations than the five Slack and Teams list) would count quotes nobody sees.

    The documents are then put in the order of how well their pages answer (`by_answering`): the first leads.
    A document is cited at all only if its best chunk scores `SOURCE_SHARE` of the lead's, and a
    document's chunks compete by their best sentence plus their own similarity (`PLACE_WEIGHT`) and their share of the
    question's words within the page, headings included (`PAGE_WORDS_WEIGHT`).
    A quote that ends announcing a list its chunk does not hold ("Bring these on your last day:")
    is continued from the next chunk of its section (`continuation`): chunks are cut by length.
    A procedure written as "Step 1: …" sections leads with its outline (`steps_outline`).
    A quote that repeats one already cited (a copied page) is left out, and up to `SPARE_SOURCES` more
    documents stand by to fill the place: on the four Sourcegraph development sets, 20 of 383 answers
    showed a quote twice, 3 (a copy that adds to what was shown) after.
    """
    wants = asks(question)
    by_doc: dict[str, list[Result]] = {}
    floor = SOURCE_SHARE * max((result.score for result in results), default=0.0)
    for result in results:
        if result.doc_id in by_doc or (len(by_doc) < limit + SPARE_SOURCES and result.score >= floor):
            by_doc.setdefault(result.doc_id, []).append(result)
    groups = list(by_doc.values())
    pages = documents([group[0].doc_id for group in groups]) if documents is not None and groups else {}
    # The searches read no sentence vectors: those of the cited documents' chunks come with their pages.
    on_pages = sentence_vectors.known(pair for page in pages.values() for chunk in page for pair in chunk.stored)
    groups = by_answering(question, groups, pages, scorer, on_pages)
    if sections is not None and groups:
        groups[0] = with_neighbours(groups[0], sections)
    scored = _scored(question, [result for group in groups for result in group], scorer, on_pages)
    shared = {chunk.id: share for page in pages.values() for chunk, share in zip(page, words_shared(question, page))}

    def score(result: Result) -> float:
        return (_chunk_score(question, *scored[result.id], wants) + PLACE_WEIGHT * result.similarity
                + PAGE_WORDS_WEIGHT * shared.get(result.id, 0.0))

    quotes: list[list[Citation]] = []  # each document's citations, in the documents' order
    quoted_already: list[str] = []
    for place, group in enumerate(groups):
        if sum(map(bool, quotes)) >= MIN_SOURCES and sum(map(len, quotes)) >= limit:
            break  # what follows could not be shown: the places are taken
        best = sorted(group, key=score, reverse=True)
        quoted = best[:1] if place else sorted(best[:lead_sections], key=group.index)  # two: in retrieval order
        if documents is not None:
            more = candidates(question, group, pages.get(group[0].doc_id, []), wants, lead=not place)
            scored.update(_scored(question, more, scorer, on_pages))
            ranked = sorted(more, key=score, reverse=True)
            if not place and len(quoted) < lead_sections and ranked:
                quoted.append(ranked.pop(0))  # retrieval kept one chunk of the lead: its page's next best too
            if ranked and score(ranked[0]) > min(map(score, quoted), default=float("-inf")):
                quoted.append(ranked[0])  # the document's best place retrieval missed, after what it found
        by_section: dict[str, Citation] = {}
        length = QUOTE_CHARS if place else LEAD_QUOTE_CHARS
        for result in quoted:
            snippet, gist = best_quote(question, result.text, length, semantic=scored[result.id][1], wants=wants,
                                       runner_up=True)
            if announces(snippet):
                snippet = f"{snippet} {continuation(result, pages.get(result.doc_id, []))}".rstrip()
            words = word_key(snippet)
            if any(words in earlier for earlier in quoted_already):
                continue  # a copied page: the quote is shown already, and its place goes to the next source
            quoted_already.append(words)
            if result.link in by_section:  # two chunks of one long section: one citation, both quotes
                cited = by_section[result.link]
                fresh = unquoted(snippet, cited.snippet)
                if fresh:
                    cited.snippet = f"{cited.snippet.removesuffix('…').rstrip()} … {fresh}"
            else:
                by_section[result.link] = citation_of(result, snippet, gist)
        outline = steps_outline(group, pages.get(group[0].doc_id, [])) if not place and Ask.PROCEDURE in wants else None
        if outline is not None:  # the procedure's steps lead, in place of its first step's own quote
            first, text = outline
            by_section = {first.link: citation_of(first, text), **{k: v for k, v in by_section.items() if k != first.link}}
        quotes.append(list(by_section.values()))
    return shown_citations(quotes, limit)


MIN_SOURCES = 3
"""Documents cited whenever that many have a quote, before any document's second or third. The lead quotes up to
three places and the next document two, which filled the five places Slack and Teams show with two pages; the third,
cut, was often the one that answered ("can i use PTO days for a paid freelance gig?": the outside-employment page
after three quotes of the time-off page). On ten check sets (900 answer questions) three showed the fact in 5 more
answers and in none fewer; four gained 13 and lost 17, five gained 21 and lost 56: the lead's further quotes hold the
fact as often as a fourth page does (README, session 37)."""


def shown_citations(cited: list[list[Citation]], limit: int) -> list[Citation]:
    """At most `limit` of the documents' citations (`cited`, in the documents' order): the first of each of the
    first `MIN_SOURCES` documents, then the rest in order; shown document by document, as ranked."""
    places = [(document, 0) for document, citations in enumerate(cited) if citations][:MIN_SOURCES]
    rest = [(document, index) for document, citations in enumerate(cited) for index in range(len(citations))
            if (document, index) not in places]
    kept = sorted(places + rest[: max(0, limit - len(places))])
    return [cited[document][index] for document, index in kept]  # what Slack and Teams show: five sources


TITLE_WEIGHT = 0.2
"""How much a cited page gains, when the pages are put in order (`by_answering`), for the share of its title's
words the question uses: "is there an employee assistance program I can call?" names its page."""

BEST_SENTENCE_WEIGHT = 0.5
"""How much the best sentence of a cited page adds (`by_answering`), from its stored sentence vector."""

TOP_SENTENCES = 3
TOP_SENTENCES_WEIGHT = 1.0
"""How much the mean similarity of a page's `TOP_SENTENCES` closest sentences adds (`by_answering`)."""


def by_answering(question: str, groups: list[list[Result]], pages: Mapping[str, list[Result]],
                 scorer: SentenceScorer | None, on_pages: Mapping[str, np.ndarray]) -> list[list[Result]]:
    """The cited documents' chunk groups in the order of how well each page answers: its best chunk's
    retrieval score as a share of the best, plus the share of its title's words the question uses
    (`TITLE_WEIGHT`), plus how close its own sentences come to the question (`BEST_SENTENCE_WEIGHT` of the
    closest, `TOP_SENTENCES_WEIGHT` of the mean of the closest three), read from the sentence vectors stored
    with the pages: nothing is embedded to order them, and without them (an index synced before they were
    kept) the title and the retrieval score decide.

    A chunk is retrieved by its headings and words as much as by what it says: "my teammate's father died, is
    there a budget to send flowers?" led with the travel page's budgets for meetups, ahead of the page on
    celebrating teammates that says there is no budget for life events. The lead takes the longest quotes, so
    which page leads matters. On 18F, the examples and 14 Sourcegraph sets (1,408 questions) the gold page led
    923 answers in retrieval order and 991 in this one, and the quotes showed the fact in 24 more answers
    (README). Sentences overrate a page that names the thing in passing: the examples' bereavement page, whose
    contacts list the assistance line, now leads "is there an employee assistance program I can call?"
    ahead of that program's own page, which the title's share does not make up for.
    """
    if len(groups) < 2:
        return groups
    top = max(result.score for group in groups for result in group) or 1.0
    asked = set(terms(question))
    # One call for every page: only sentences with a stored vector, so the scorer embeds nothing.
    stored = [[sentence for chunk in pages.get(group[0].doc_id, []) for sentence in sentences_of(chunk.text)
               if sentence in on_pages] for group in groups]
    similarities = scorer(question, stored, on_pages) if scorer is not None else [[] for _ in groups]

    def merit(group: list[Result], similarity: list[float]) -> float:
        title = set(terms(plain_heading(group[0].title)))
        named = len(title & asked) / len(title) if title else 0.0
        closest = sorted(similarity, reverse=True) or [0.0]
        near = BEST_SENTENCE_WEIGHT * closest[0] + TOP_SENTENCES_WEIGHT * float(np.mean(closest[:TOP_SENTENCES]))
        return max(result.score for result in group) / top + TITLE_WEIGHT * named + near

    ranked = sorted(zip(groups, similarities), key=lambda pair: merit(*pair), reverse=True)
    return [group for group, _ in ranked]


_STEP_HEADING = re.compile(r"^(step|phase|stage)\s*\d+\b", re.IGNORECASE)


def steps_outline(group: list[Result], page: list[Result]) -> tuple[Result, str] | None:
    """The outline of a procedure written as sections ("Step 1: Notify your manager", "Step 2: Formally
    kick off the leave"), when one of `group` (the lead document's chunks) is such a section: each step's
    heading with its opening sentence, in page order, within `PROCEDURE_CHARS`; and the first step's
    chunk, whose link the outline takes. None when the page has no such steps (two at least).

    A numbered list is quoted whole (`best_snippet`); steps written as headings were quoted one section
    at a time, and the step that matched the question best is rarely the one the asker is at ("already
    told my manager, how do I officially kick off the leave?" got step 1). On the development sets it
    showed the fact in three more answers (the leave and accommodation requests) and lost none (README).
    """
    parent = next((found[0] for result in group if (found := _step_of(result.section))), None)
    if parent is None:
        return None
    steps: dict[str, Result] = {}  # each step's heading and its first chunk, in page order
    for chunk in page:
        found = _step_of(chunk.section)
        if found and found[0] == parent:
            steps.setdefault(found[1], chunk)
    if len(steps) < 2:
        return None
    lines = [f"{plain_heading(step)} — {next(iter(sentences_of(chunk.text)), '')}" for step, chunk in steps.items()]
    return next(iter(steps.values())), bounded(lines, 0, len(lines), PROCEDURE_CHARS)


def _step_of(section: str) -> tuple[str, str] | None:
    """(parent sections, the step's heading) of a section headed "Step 2: …" ("Phase", "Stage"), else None."""
    *parent, last = section.split(" › ")
    return (" › ".join(parent), last) if _STEP_HEADING.match(last) else None


def unquoted(snippet: str, earlier: str) -> str:
    """`snippet` without its opening sentences that `earlier` (a quote of the same section) shows already: a
    quote ending on "Bring these on your last day:" is continued from the next chunk, which may be quoted too."""
    sentences = sentences_of(snippet)
    shown = word_key(earlier)
    while sentences and word_key(sentences[0]) in shown:
        sentences.pop(0)
    return " ".join(sentences)


def word_key(text: str) -> str:
    """`text`'s words alone, lower case, for telling a copy from its original: copies differ in markup and spacing."""
    return " ".join(re.findall(r"\w+", text.lower()))


def continuation(result: Result, page: list[Result]) -> str:
    """What follows `result` in its section, for a quote that ends announcing it ("…set up two-factor
    verification:") where the chunk ends: the opening of the page's next chunk, when it is in the
    same section ("" when there is none, or the page was not read)."""
    held = [index for index, chunk in enumerate(page) if chunk.text in result.text]
    after = held[-1] + 1 if held else None
    if after is None or after >= len(page) or page[after].section != result.section:
        return ""
    return opening(page[after].text)


SectionReader = Callable[[list[tuple[str, str]]], dict[tuple[str, str], list[ChunkText]]]
"""Every chunk of each (doc_id, section), in order: `Store.section_chunks` with the asker's filter."""

SECTION_WINDOW = 1
"""Chunks of the same section read on each side of a retrieved one (chunks are ~200 tokens)."""


def with_neighbours(group: list[Result], sections: SectionReader, window: int = SECTION_WINDOW) -> list[Result]:
    """`group`'s chunks widened to `window` neighbours on each side in their section; retrieved chunks
    of one section become one (at most `2 * window + 2` chunks: far-apart hits of a long section stay apart)."""
    keys = list(dict.fromkeys((result.doc_id, result.section) for result in group))
    texts = sections(keys)
    widened: list[Result] = []
    for key in keys:
        members = [result for result in group if (result.doc_id, result.section) == key]
        parts = texts.get(key, [])
        chunk_texts = [part.text for part in parts]
        found = [chunk_texts.index(result.text) for result in members if result.text in chunk_texts]
        low, high = (max(0, min(found) - window), min(len(parts), max(found) + window + 1)) if found else (0, 0)
        if not found or high - low > 2 * window + 2:
            widened.extend(members)
        else:
            joined = "\n\n".join(chunk_texts[low:high])
            widened.append(replace(members[0], text=joined, stored=tuple(parts[low:high])))
    return widened


DocumentReader = Callable[[list[str]], dict[str, list[Result]]]
"""Every chunk of each document with its similarity to the question, by document: `Retriever.documents`."""

LEAD_EXTRA_CHUNKS = 2
"""Chunks of the lead document beyond the retrieved ones that compete for its quote when the index
stores no sentence vectors for them (each costs its sentences' embedding); with them, every chunk does."""


def candidates(question: str, group: list[Result], chunks: list[Result], wants: frozenset[Ask],
               lead: bool) -> list[Result]:
    """The chunks of `group`'s document (`chunks`: all of them) that compete with its retrieved ones for a
    quote: every other one when the index stores their sentence vectors (scoring them costs a dot
    product); otherwise only for the lead document, and only the few `more_of` picks, embedded now."""
    if all(chunk.stored and all(blob is not None for _, blob in chunk.stored) for chunk in chunks):
        return more_of(question, group, chunks, wants, extra=None)
    return more_of(question, group, chunks, wants) if lead else []


def more_of(question: str, group: list[Result], chunks: list[Result], wants: frozenset[Ask] = frozenset(),
            extra: int | None = LEAD_EXTRA_CHUNKS) -> list[Result]:
    """Chunks of `group`'s document that `group` does not hold, worth scoring for the quote: all of them
    (`extra` None), or the `extra` closest in meaning (the stored vectors) and the `extra` sharing the
    most words, with the kind of fact asked for (`_chunk_score` without the model: nothing is embedded to choose)."""
    held = [result.text for result in group]
    unseen = [chunk for chunk in chunks if not any(chunk.text in text for text in held)]
    if extra is None:
        return unseen
    by_meaning = sorted(unseen, key=lambda chunk: -chunk.similarity)[:extra]
    by_words = sorted(unseen, key=lambda chunk: -_chunk_score(question, sentences_of(chunk.text), None, wants))[:extra]
    chosen = {chunk.id for chunk in by_meaning + by_words}
    return [chunk for chunk in unseen if chunk.id in chosen]


def words_shared(question: str, page: list[Result]) -> list[float]:
    """How many of the question's words each chunk of `page` says, its heading included, words rare on the page
    counting more, as a share of the page's best (`PAGE_WORDS_WEIGHT`)."""
    return lexical_shares(question, [f"{chunk.section} {chunk.text}" for chunk in page])


Scored = dict[str, tuple[list[str], list[float] | None]]
"""Each chunk's sentences and their similarities to the question (None without a scorer), by chunk id."""


def _scored(question: str, chunks: list[Result], scorer: SentenceScorer | None,
            on_pages: Mapping[str, np.ndarray] = MappingProxyType({})) -> Scored:
    """`chunks`' sentences, scored by the model in one call (none when there is no scorer), from the
    sentence vectors stored with them or with the pages read (`on_pages`) where there are some."""
    sentences = [sentences_of(result.text) for result in chunks]
    own = sentence_vectors.known(pair for result in chunks for pair in result.stored) if scorer else {}
    known = ChainMap(own, on_pages)
    semantic = scorer(question, sentences, known) if scorer else [None] * len(chunks)
    return {result.id: (sents, sem) for result, sents, sem in zip(chunks, sentences, semantic)}


def citation_of(result: Result, snippet: str, gist: str = "") -> Citation:
    """The citation of one chunk: its section link, the quoted `snippet` and the sentence it was built around."""
    # Indexes synced before headings were stored plain still hold their markdown emphasis.
    return Citation(title=plain_heading(result.title), url=result.link, path=result.path,
                    section=plain_heading(result.section), snippet=snippet, gist=gist,
                    doc_id=result.doc_id, source=result.source, updated_at=result.updated_at)


def _chunk_score(question: str, sentences: list[str], semantic: list[float] | None,
                 wants: frozenset[Ask] = frozenset()) -> float:
    """How well the chunk's sentences answer, on the same scale across chunks (unlike best_snippet's): its two
    best sentence scores added (`SENTENCES_SCORED`; a lone sentence counts for both), each with FACT_BONUS when
    it holds the kind of fact asked for, as in the quote. Without the model (`semantic` None), the best
    sentence's shared words alone: what picks chunks worth embedding."""
    if not sentences:
        return float("-inf")
    lexical = lexical_scores(question, sentences)
    bonus = bonuses(question, sentences, wants)
    if semantic is None:
        return max(lex + extra for lex, extra in zip(lexical, bonus))
    each = sorted((0.1 * lex + sem + extra for lex, sem, extra in zip(lexical, semantic, bonus)), reverse=True)
    best = each[:SENTENCES_SCORED]
    return sum(best) * SENTENCES_SCORED / len(best)


SENTENCES_SCORED = 2
"""Sentences whose scores make a chunk's (`_chunk_score`). A chunk is chosen for its quote, which is a few
sentences: one sentence close to the question by chance ("Who do I contact about my reimbursement…" for
"will my manager see my receipts?") used to carry a chunk over the one whose question and answer both meet it.
On 28 sets (2,303 answer questions, `kb ask`), the best sentence alone showed the fact in 1,755 answers; the two best
added, a lone sentence counting twice, in 1,766 (plain sums: 1,767, with answers 1% longer; the second
weighed 0.15, 0.3, 0.5 or 0.75: 1,757 to 1,763) (README)."""


def not_found_about(thing: str, citations: list[Citation], shown: int = 3, meaning: bool = False) -> str:
    """"Not found" naming what was asked about, with the closest sections still listed to look at; with `meaning`,
    the question asked what a term means, which runbooks that never say it cannot tell."""
    cannot = "what it means here" if meaning else "whether we have it"
    if thing.count("(") > thing.count(")"):  # "a docs linter (vale or similar)" ends at "or": the aside is closed
        thing += ")"
    lines = [f"I couldn't find anything about *{thing}* in the runbooks, so I can't tell you {cannot}."]
    if citations:
        lines.append("The closest sections:")
        lines.extend(f"• *{_where(citation)}* [{number}]" for number, citation in enumerate(citations[:shown], start=1))
    return "\n".join(lines)


def _where(citation: Citation) -> str:
    return citation.title + (f" › {citation.section}" if citation.section else "")


def snippets_answer(citations: list[Citation], shown: int = 3) -> str:
    """Markdown a person can read in a thread: the lead quote, then the other relevant sections."""
    lines = []
    for number, citation in enumerate(citations[:shown], start=1):
        where = _where(citation)
        if number == 1:
            lines.append(f"From *{where}* [{number}]:\n> {citation.snippet}")
        else:
            if number == 2:
                lines.append("\nAlso relevant:")
            lines.append(f"• *{where}* [{number}]: {citation.snippet}")
    return "\n".join(lines)
