"""Picking the sentences of a chunk that answer the question.

Without a language model the answer *is* the quoted runbook text, so which sentences get quoted
matters: the window of consecutive sentences that shares the most (rarer) words with the
question, kept short enough to read in a chat thread.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from bot.answer.asks import Ask, asks, holds, instructs
from bot.answer.audience import asker_region, audience_bonuses
from bot.index.sentences import Piece, pieces_of

_WORD = re.compile(r"[a-z0-9]+")
_FIRST_STEP = re.compile(r"^1[.)] ")
STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further get got had has have having he her
    here hers him his how i if in into is it its itself just let me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself hi hey hello thanks thank please pls plz anyone know need
    want wanna gonna im ive id dont cant wont whats hows""".split()
)


FACT_BONUS = 0.15
"""How much a sentence holding the kind of fact asked for (a number, an address, a tool) gains
over one that only shares the topic; see `bot.answer.asks`."""

QUOTE_CHARS = 600
"""About how long a quote may grow around its best sentence. The fact asked for is often a sentence
or two from the one that scores best (the amount after the rule, the address after "contact"): on
18F, the examples and the Sourcegraph development set, 450 characters showed it in 116 of 179
answers and 600 in 126, with answers about a fifth longer (`kb eval`'s answer_chars, README); past
600 the gain flattens (650: one more)."""

PROCEDURE_CHARS = 900
"""The most a quoted procedure may take; longer lists end with "…" and the link has the rest."""

OPENING_CHARS = 300
"""The most a quote ending in "…the following:" takes from the next chunk of its section (`opening`)."""

FOLLOWING_BONUS = 0.1
"""How much a following sentence is preferred over an equally relevant preceding one when a quote
grows: runbooks tend to announce a step and then give it ("If you lose your laptop, do this:")."""


_SAME = {
    **dict.fromkeys("daily days".split(), "day"),
    **dict.fromkeys("weekly weeks wk wks".split(), "week"),
    **dict.fromkeys("monthly months mo mos".split(), "month"),
    **dict.fromkeys("yearly annual annually years yr yrs".split(), "year"),
    **dict.fromkeys("hourly hours hr hrs".split(), "hour"),
    **dict.fromkeys("minutes min mins".split(), "minute"),
    **dict.fromkeys("max maximum cap".split(), "max"),
    **dict.fromkeys("pw pwd passwords".split(), "password"),
    **dict.fromkeys("mgr mgmt".split(), "manager"),
    **dict.fromkeys("acct accounts".split(), "account"),
    **dict.fromkeys("longer length lengths".split(), "long"),
    **dict.fromkeys("chars char characters".split(), "character"),
}
"""Words that name the same unit, frequency or thing in chat and in runbooks: a question asks for the
"daily" allowance or the amount "per yr", and the runbook gives "$80 per day" or "an annual $250". A
number is found by its unit, so the unit must meet. On the Sourcegraph development set +1, elsewhere same. A length
asked ("how long should my password be?", "is there a length…?") meets the runbook's "15 characters or longer": on 63
sets (session 45) 7 more answers showed the fact and none fewer."""


def terms(text: str) -> list[str]:
    """Lower-cased content words, crudely stemmed so 'requests' meets 'request'."""
    return [_stem(_SAME.get(word, word)) for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


@lru_cache(maxsize=65536)
def _term_set(text: str) -> frozenset[str]:
    """`terms` as a set, kept for sentences scored again (every chunk of a cited document, each answer)."""
    return frozenset(terms(text))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def lexical_scores(question: str, sentences: list[str]) -> list[float]:
    """How many of the question's words each sentence shares, rarer words (within the chunk) counting more."""
    wanted = _term_set(question)
    counts: dict[str, int] = {}
    bags = [_term_set(sentence) for sentence in sentences]
    for bag in bags:
        for term in bag:
            counts[term] = counts.get(term, 0) + 1
    weight = {term: math.log(1 + len(sentences) / count) for term, count in counts.items()}
    return [sum(weight[term] for term in bag & wanted) for bag in bags]


def lexical_shares(question: str, texts: list[str]) -> list[float]:
    """`lexical_scores` as a share of the best of `texts` (all 0 when none shares a word): one scale, whatever
    the question's words weigh."""
    lexical = lexical_scores(question, texts)
    top = max(lexical, default=0.0) or 1.0
    return [value / top for value in lexical]


def sentence_scores(question: str, sentences: list[str], semantic: list[float] | None = None,
                    wants: frozenset[Ask] = frozenset()) -> list[float]:
    """How well each sentence answers the question, on one scale within a chunk.

    Shared words (scaled to the chunk's best) catch names and numbers, the embedding similarity
    (`semantic`) catches paraphrase, and a sentence that holds the kind of fact the question asks
    for (`wants`: a number for "how long", an address for "who do I tell") gets `FACT_BONUS`: the
    sentence next to it shares as many words but does not answer.
    """
    scores = lexical_shares(question, sentences)
    if semantic is not None and len(semantic) == len(sentences):
        scores = [0.5 * lex + sem for lex, sem in zip(scores, semantic)]
    return [score + bonus for score, bonus in zip(scores, bonuses(question, sentences, wants))]


def bonuses(question: str, sentences: list[str], wants: frozenset[Ask]) -> list[float]:
    """What each sentence gains beside its words and meaning: the kind of fact asked for
    (`fact_bonuses`), and being for the asker's region, or losing it for another's (`bot.answer.audience`)."""
    region = asker_region(question)
    return [fact + audience for fact, audience in zip(fact_bonuses(sentences, wants), audience_bonuses(region, sentences))]


def fact_bonuses(sentences: list[str], wants: frozenset[Ask]) -> list[float]:
    """FACT_BONUS for each sentence holding a kind of fact the question asks for, else 0. A procedure's
    numbered steps are handled by quoting the list whole, not by a bonus; a procedure given in one
    sentence ("To request leave, please login to Tilt…") gains it (`bot.answer.asks.instructs`)."""
    return [FACT_BONUS if any(instructs(sentence) if kind is Ask.PROCEDURE else holds(sentence, kind) for kind in wants)
            else 0.0 for sentence in sentences]


def best_snippet(question: str, text: str, max_chars: int = QUOTE_CHARS, semantic: list[float] | None = None,
                 wants: frozenset[Ask] | None = None) -> str:
    """What to quote from `text` for `question` (`best_quote`'s text)."""
    return best_quote(question, text, max_chars, semantic, wants)[0]


def best_quote(question: str, text: str, max_chars: int = QUOTE_CHARS, semantic: list[float] | None = None,
               wants: frozenset[Ask] | None = None, runner_up: bool = False) -> tuple[str, str]:
    """What to quote from `text` for `question`: the fact asked for, with what it depends on; and the
    sentence the quote was built around (its gist: what a one-line hint of it should show).

    `wants` is what the question asks for (`bot.answer.asks`; derived from the question when not
    given). A procedure gets its whole numbered list, from the line that introduces it, within
    `PROCEDURE_CHARS`, and when the list is cut there and the step that matches the question best lies
    past the cut ("how do i get my laptop wiped with tech ops?" of a resignation procedure), that step
    after the "…": 4 more answers on 22 sets showed the fact, none fewer (README). Otherwise the best
    sentence (`sentence_scores`) is quoted with the sentence it depends on (a table's header row, a list's
    lead-in, the sentence "This" or "It" refers to) and grows one neighbour at a time, the more relevant
    of the two first (a following one wins ties), while the quote fits in ~max_chars. It never ends on a
    sentence announcing what follows ("…is responsible for:"): what it announces comes with it.
    With `runner_up` (the answer's quotes), a quote that gained no sentence for a kind of fact also carries the best
    sentence outside it that scores near its best (`_runner_up`); so does a procedure's list that gained no step past
    its cut: "can i mark it as a blocker myself?" reads as a how-to, and the rule after the list says who may. On 64
    sets (session 46) the procedure questions' quotes showed the fact in 2 more answers of 632 and in none fewer,
    their answers 0.8% longer.
    """
    pieces = pieces_of(text)
    sentences = [piece.text for piece in pieces]
    if not sentences:
        return "", ""
    wants = asks(question) if wants is None else wants
    scores = sentence_scores(question, sentences, semantic, wants)
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if Ask.PROCEDURE in wants:
        steps = _procedure(pieces, scores)
        if steps is not None:
            cap = max(max_chars, PROCEDURE_CHARS)
            first, end = _with_prose_before(pieces, *steps, cap)
            cut = _fitting(sentences, first, end, cap)
            quote = _joined(sentences, first, cut, end)
            asked = max(range(cut, end), key=scores.__getitem__, default=None)
            if asked is not None and scores[asked] > max(scores[first:cut]):
                quote = f"{quote} {sentences[asked]}"  # the step the question is about, past the cut
            elif runner_up:
                extra = _runner_up(sentences, scores, best, first, end, None)
                if extra is not None:
                    quote = _with_apart(quote, sentences[extra], before=extra < first)
            return quote, sentences[first]
    start = _list_start(sentences, best, max_chars)
    end, length = best + 1, sum(len(sentence) + 1 for sentence in sentences[start:best + 1]) - 1
    context = _depends_on(pieces, best)
    if context is not None and context >= start - 1 and length + len(sentences[context]) < max_chars + 80:
        length += sum(len(sentence) + 1 for sentence in sentences[context:start])
        start, context = context, None
    elif context is not None and length + len(sentences[context]) + 3 < max_chars + 80:
        length += len(sentences[context]) + 3  # quoted ahead of the rest, with " … " between
    else:
        context = None
    while True:
        fitting = [index for index in (end, start - 1)
                   if 0 <= index < len(sentences) and index != context and length + len(sentences[index]) + 1 <= max_chars]
        if not fitting:
            break
        grow = max(fitting, key=lambda index: scores[index] + (FOLLOWING_BONUS if index == end else 0.0))
        length += len(sentences[grow]) + 1
        start, end = min(start, grow), max(end, grow + 1)
    while start < best and pieces[start].item is not None and pieces[start].item not in (start, best) \
            and pieces[start].numbered:
        start += 1  # grown back into the tail of a numbered step: begin at the next whole sentence
    while end < len(sentences) and announces(sentences[end - 1]) and end != context:
        end += 1  # "…is responsible for:" says nothing without what it announces (cut below if long)
    snippet = " ".join(sentences[start:end])
    if context is not None and context < start:
        snippet = _with_apart(snippet, sentences[context], before=True)
    if len(snippet) > max_chars + 160:
        snippet = snippet[:max_chars + 160].rsplit(" ", 1)[0] + "…"
    extra = _fact_outside(sentences, scores, wants, start, end, context)
    if extra is None and runner_up:
        extra = _runner_up(sentences, scores, best, start, end, context)
    if extra is not None:
        snippet = _with_apart(snippet, sentences[extra], before=extra < start)
    quoted = [index for index in (*range(start, end), context, extra) if index is not None]
    return snippet, sentences[_gist(sentences, scores, wants, best, quoted)]


def _with_apart(quote: str, sentence: str, *, before: bool) -> str:
    """`quote` with a sentence from elsewhere in its text, on the side it comes from, with "…" between: nothing added
    reads as if it were contiguous."""
    return f"{sentence} … {quote}" if before else f"{quote} … {sentence}"


def _gist(sentences: list[str], scores: list[float], wants: frozenset[Ask], best: int, quoted: list[int]) -> int:
    """The quoted sentence a one-line hint of the quote shows: the best, unless the question asks for a kind of
    fact (a number, a contact, a place) that the best does not hold and another quoted sentence does: a source
    listed under the answer shows one line, and "how long…" wants the line with the number. On 22 sets the
    hints showed the fact in 7 more answers and in 2 fewer (README)."""
    kinds = [kind for kind in FACT_KINDS if kind in wants]
    if not kinds or any(holds(sentences[best], kind) for kind in kinds):
        return best
    holding = [index for index in quoted if any(holds(sentences[index], kind) for kind in kinds)]
    return max(holding, key=scores.__getitem__, default=best)


FACT_KINDS = (Ask.QUANTITY, Ask.CONTACT, Ask.PLACE)
"""Kinds of fact a quote must hold when the question asks for one (a procedure is quoted as its list)."""

FACT_SENTENCE_CHARS = 300
"""The longest sentence `_fact_outside` adds to a quote: a long one would double the quote for one number."""


def _fact_outside(sentences: list[str], scores: list[float], wants: frozenset[Ask], start: int, end: int,
                  context: int | None) -> int | None:
    """The sentence to add to a quote `sentences[start:end]` that holds no fact of the kind asked for
    (a number for "how long", an address for "who do I tell"): the best-scoring one of the chunk that
    holds one, or None. The quote grows around the sentence that shares the question's words and
    meaning best, and in a long section the sentence with the number can sit past the length budget
    (the list item "check-ins are 25-minute meetings" above five items that share the question's words).
    Added with "…" between, so nothing reads as if it were contiguous. On 18F, the examples and 17
    Sourcegraph sets it showed the fact in 2 more answers and in none fewer, answers 3 characters longer
    (README); requiring the added sentence to score near the best (margins 0.2, 0.5) gained 1 and 2."""
    kinds = [kind for kind in FACT_KINDS if kind in wants]
    shown = sentences[start:end] + ([sentences[context]] if context is not None else [])
    if not kinds or any(holds(sentence, kind) for sentence in shown for kind in kinds):
        return None
    outside = [index for index in _outside(sentences, start, end, context)
               if any(holds(sentences[index], kind) for kind in kinds)]
    return max(outside, key=scores.__getitem__, default=None)


def _outside(sentences: list[str], start: int, end: int, context: int | None) -> list[int]:
    """The sentences a quote `sentences[start:end]` (with `context`) may add after "…": those it does not show,
    of at most `FACT_SENTENCE_CHARS`."""
    return [index for index in range(len(sentences)) if not start <= index < end and index != context
            and len(sentences[index]) <= FACT_SENTENCE_CHARS]


RUNNER_UP_MARGIN = 0.6
"""How far below the best sentence's score the best sentence outside a quote may score and still be added
(`_runner_up`)."""


def _runner_up(sentences: list[str], scores: list[float], best: int, start: int, end: int,
               context: int | None) -> int | None:
    """The sentence to add to a quote `sentences[start:end]`: the best-scoring one outside it (of at most
    `FACT_SENTENCE_CHARS`) within `RUNNER_UP_MARGIN` of the best, or None. A long section often answers in two
    places: the rule where the question's words meet, and the exception, the amount or the "any additional time
    off will be unpaid" a few paragraphs on, past the window that grows around the best sentence. On 32 sets
    (2,848 answer questions), for the lead document's quotes, margins of 0.15, 0.3 and 0.6 showed the fact in 9, 19
    and 27 more answers and in none fewer, answers 0.8%, 1.4% and 2.7% longer; for every quote at 0.6, 37 more and
    none fewer, answers 3.9% longer; at 1.0, one more than 0.6 for answers 1.6% longer still (README)."""
    near = [index for index in _outside(sentences, start, end, context)
            if scores[index] >= scores[best] - RUNNER_UP_MARGIN]
    return max(near, key=scores.__getitem__, default=None)


_ANAPHOR = re.compile(r"^(this|that|these|those|it|they|such|its|their|then|otherwise|in that case|if so|if not)\b",
                      re.IGNORECASE)


def _depends_on(pieces: list[Piece], index: int) -> int | None:
    """The sentence `pieces[index]` cannot be read without, if any: a table row's header row, a list
    item's lead-in ("To request leave:"), the sentence a "This…" or "It…" sentence refers to."""
    piece = pieces[index]
    if piece.block is not None and index != piece.block:
        if pieces[piece.block].header and not piece.header:
            return piece.block
        lead = piece.block - 1
        if lead >= 0 and pieces[lead].block is None and pieces[lead].text.rstrip().endswith(":"):
            return lead
    if piece.block is None and index > 0 and _ANAPHOR.match(piece.text):
        return index - 1
    return None


def _procedure(pieces: list[Piece], scores: list[float]) -> tuple[int, int] | None:
    """The numbered list to quote for a how-to question, as (first, end) sentence indexes with its
    lead-in: the list holding (or introduced by) one of the three best sentences; None if none does."""
    for index in sorted(range(len(pieces)), key=lambda i: -scores[i])[:3]:
        piece = pieces[index]
        if index + 1 < len(pieces) and pieces[index + 1].block == index + 1 and pieces[index + 1].numbered \
                and _introduces(piece.text):
            piece = pieces[index + 1]  # the lead-in of a list (prose, or the end of an item above it)
        if piece.block is not None and piece.numbered:
            first, end = piece.block, _block_end(pieces, piece.block)
            if first > 0 and _introduces(pieces[first - 1].text):
                first -= 1
            return first, end
    return None


def _with_prose_before(pieces: list[Piece], first: int, end: int, max_chars: int) -> tuple[int, int]:
    """A procedure's steps with the prose before them in its chunk, as much as fits in `max_chars` with the
    steps: runbooks often say what the steps are for, or the shortcut, just above the list ("You can use
    your personal email address to reset your password. … 1. Go to the login page"); the heading-aware
    chunk keeps that prose within the list's own section."""
    room = max_chars - sum(len(piece.text) + 1 for piece in pieces[first:end])
    while first > 0 and pieces[first - 1].block is None and len(pieces[first - 1].text) + 1 <= room:
        room -= len(pieces[first - 1].text) + 1
        first -= 1
    return first, end


_LEAD_IN = re.compile(r"\b(below|following|as follows|these steps|the steps)\b", re.IGNORECASE)


def announces(text: str) -> bool:
    """Whether a sentence ends by announcing what follows ("Here are a few guides you might find useful:"):
    a quote must not end on one."""
    return text.rstrip().endswith(":")


def opening(text: str, max_chars: int = OPENING_CHARS) -> str:
    """The start of a chunk that continues a quote ending in `announces`: its first list (bounded, "…"
    when cut) or its first sentence."""
    pieces = pieces_of(text)
    if not pieces:
        return ""
    end = _block_end(pieces, 0) if pieces[0].block == 0 else 1
    return bounded([piece.text for piece in pieces], 0, end, max_chars)


def _block_end(pieces: list[Piece], block: int) -> int:
    """Where the list or table starting at `pieces[block]` ends (the index after its last sentence)."""
    end = block
    while end < len(pieces) and pieces[end].block == block:
        end += 1
    return end


def _introduces(text: str) -> bool:
    """Whether a sentence right before a list announces it: it ends with a colon, or points at what
    follows ("…fill out this form to answer the below questions."), which is often where the how is."""
    return announces(text) or bool(_LEAD_IN.search(text))


def bounded(sentences: list[str], first: int, end: int, max_chars: int) -> str:
    """`sentences[first:end]` joined, cut after the last whole sentence that fits: "…" says the link has the rest."""
    return _joined(sentences, first, _fitting(sentences, first, end, max_chars), end)


def _joined(sentences: list[str], first: int, cut: int, end: int) -> str:
    """`sentences[first:cut]` joined, ending "…" when the cut leaves some of `sentences[first:end]` out."""
    quote = " ".join(sentences[first:cut])
    return f"{quote} …" if cut < end else quote


def _fitting(sentences: list[str], first: int, end: int, max_chars: int) -> int:
    """Where `bounded` cuts `sentences[first:end]`: after the last whole sentence within `max_chars` (the first
    always)."""
    length = 0
    for index in range(first, end):
        if index > first and length + len(sentences[index]) + 1 > max_chars:
            return index
        length += len(sentences[index]) + 1
    return end


def _list_start(sentences: list[str], best: int, max_chars: int) -> int:
    """Where a quote of `sentences[best]` should begin: at step 1 when it is a later step of a
    numbered list and the steps up to it fit, since "3. Click Connect" means little without 1 and 2."""
    for index in range(best, max(-1, best - 8), -1):
        if _FIRST_STEP.match(sentences[index]):
            fits = sum(len(sentence) + 1 for sentence in sentences[index:best + 1]) - 1 <= max_chars
            return index if fits else best
    return best
