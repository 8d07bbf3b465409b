"""Print how well each signal kb has without a language model tells answerable questions from
questions the runbooks do not answer, on an index already built.

    .venv/bin/python benchmarks/no_answer_signals.py ../shared/eval/18f/questions.jsonl --data-dir .kb-eval
    .venv/bin/python benchmarks/no_answer_signals.py examples/questions.jsonl --data-dir .kb-data

"Not found" without an LLM is a threshold on some score of what retrieval returned. This measures
the candidates on the questions file's `answer` and `no_answer` items (escalations are left out:
the policy takes them before retrieval):

- top cosine: the best chunk's cosine similarity to the question (what KB_MIN_RELEVANCE thresholds);
- best sentence: the best cosine between the question and one sentence of the cited chunks;
- top-3 sentences: the mean of the three best sentence cosines.

Then the operating points of the rule kb uses (`KB_NOT_MENTIONED`): a "do we have X?" question
is "not found" when a word of X is in no runbook (index), or also when no retrieved section
mentions all of X's words (retrieved); each with the relevance threshold before it.

For each it prints the ROC AUC (0.5: no better than chance; 1.0: a threshold separates them
perfectly) and, at the threshold that loses at most 10% of answerable questions, how many
unanswerable ones would be answered "not found". On the 18F handbook every signal stays near
chance: the questions it cannot answer are topical (the retirement plan exists, the match rate is
not written), so telling them apart needs reading, which is the LLM path's NOT_IN_RUNBOOKS.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import evaluation  # noqa: E402
from bot.answer.retrieve import Result  # noqa: E402
from bot.index import sentence_vectors  # noqa: E402
from bot.index.sentences import sentences_of  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

Signal = Callable[[list[Result], list[float]], float]
SIGNALS: dict[str, Signal] = {
    "top cosine": lambda results, sentences: max((r.similarity for r in results), default=0.0),
    "best sentence": lambda results, sentences: max(sentences, default=0.0),
    "top-3 sentences": lambda results, sentences: sum(sorted(sentences)[-3:]) / max(1, min(3, len(sentences))),
}


def auc(positive: list[float], negative: list[float]) -> float:
    """The chance that a random answerable question scores above a random unanswerable one."""
    pairs = [(p > n) + 0.5 * (p == n) for p in positive for n in negative]
    return sum(pairs) / len(pairs) if pairs else float("nan")


def caught_at(positive: list[float], negative: list[float], lose: float = 0.10) -> tuple[float, int, int]:
    """The highest threshold losing at most `lose` of the answerable, and the unanswerable below it."""
    allowed = int(lose * len(positive))
    threshold = sorted(positive)[allowed] if positive else 0.0
    return threshold, sum(n < threshold for n in negative), sum(p < threshold for p in positive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    runtime = Runtime(Settings(data_dir=args.data_dir))
    settings, scorer = runtime.settings, runtime.answers.sentence_scorer
    values: dict[str, dict[str, list[float]]] = {name: {"answer": [], "no_answer": []} for name in SIGNALS}
    rules: dict[str, dict[str, list[bool]]] = {mode: {"answer": [], "no_answer": []} for mode in MODES}
    for item in evaluation.load_jsonl(args.questions):
        expect = item.get("expect", "answer")
        if expect not in ("answer", "no_answer"):
            continue
        results = runtime.retriever.search(item["question"], k=settings.top_k * 2, per_doc=settings.max_chunks_per_doc)
        top = results[: settings.top_k]
        stored = sentence_vectors.known(pair for r in top for pair in r.stored)
        sentences = [s for sims in scorer(item["question"], [sentences_of(r.text) for r in top], stored) for s in sims]
        for name, signal in SIGNALS.items():
            values[name][expect].append(signal(results, sentences))
        for mode in MODES:
            rules[mode][expect].append(_said_not_found(runtime, mode, item["question"]))
    answerable, unanswerable = (len(values["top cosine"][key]) for key in ("answer", "no_answer"))
    print(f"{answerable} answerable, {unanswerable} unanswerable questions")
    for name, split in values.items():
        threshold, caught, lost = caught_at(split["answer"], split["no_answer"])
        print(f"{name:16} AUC {auc(split['answer'], split['no_answer']):.2f}   threshold {threshold:.3f}: "
              f"{caught}/{unanswerable} not found, {lost}/{answerable} answerable lost")
    print("\n'not found' as kb answers it (min relevance, then the 'do we have X?' rule):")
    for mode, split in rules.items():
        print(f"KB_NOT_MENTIONED={mode:9} {sum(split['no_answer'])}/{unanswerable} not found, "
              f"{sum(split['answer'])}/{answerable} answerable lost")


MODES = ("off", "index", "retrieved")


def _said_not_found(runtime: Runtime, mode: str, question: str) -> bool:
    """Whether kb answers `question` "not found" with KB_NOT_MENTIONED=`mode` (the policy left out)."""
    service = runtime.answers
    service.settings = runtime.settings.model_copy(update={"not_mentioned": mode})
    results = service.relevant(question)
    return not results or service.absent_thing(service.retriever.corrected(question), results) is not None


if __name__ == "__main__":
    main()
