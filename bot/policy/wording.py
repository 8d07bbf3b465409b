"""The wording view: how a question is asked, read from its words, beside the embeddings' what it is about.

A logistic regression over each question's word n-grams (1 to 3 words, tf-idf weighted with sublinear
counts, n-grams seen in at least two questions, rows scaled to unit length), fitted on the policy's
examples and labelled questions: advice against the rest. Single letters count as words, so "should i"
and "would you" are features of their own. It is written here on NumPy and SciPy's sparse matrices and
L-BFGS rather than with scikit-learn, whose import alone took a second and a half of every `kb ask`;
it computes what `TfidfVectorizer(ngram_range=(1, 3), token_pattern=r"(?u)\\b\\w+\\b", sublinear_tf=True,
min_df=2)` and `LogisticRegression(C=c)` do (the tests compare the two), and the fitted weights are kept
on disk beside the policy's vectors, so a start with the same questions fits nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog

from bot.policy.cache_file import write_atomically

log = structlog.get_logger(__name__)

WORDING_C = 16.0
"""Inverse regularisation: n-grams are many and each is rare, so the fit is looser than the global
view's (C 16 and 64 gave the same leave-one-set-out figures within four questions of 7,400)."""

MAX_N = 3
MIN_DF = 2
_WORD = re.compile(r"\b\w+\b", re.UNICODE)


def ngrams(text: str) -> list[str]:
    """The question's words, lower-cased, and its runs of two and three words."""
    words = _WORD.findall(text.lower())
    return [" ".join(words[start:start + n]) for n in range(1, MAX_N + 1) for start in range(len(words) - n + 1)]


@dataclass(frozen=True)
class WordingView:
    """The fitted view: each n-gram's column, its inverse document frequency and its weight."""

    columns: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def fit(cls, texts: tuple[str, ...], advice: np.ndarray, c: float = WORDING_C) -> WordingView:
        grams = [Counter(ngrams(text)) for text in texts]
        df = Counter(gram for counts in grams for gram in counts)
        kept = sorted(gram for gram, count in df.items() if count >= MIN_DF)
        columns = {gram: index for index, gram in enumerate(kept)}
        idf = np.array([math.log((1 + len(texts)) / (1 + df[gram])) + 1.0 for gram in kept])
        weights, bias = _logistic(_rows(grams, columns, idf), np.asarray(advice, dtype=np.float64), c)
        return cls(columns, idf, weights, bias)

    def probability(self, texts: list[str]) -> np.ndarray:
        rows = _rows([Counter(ngrams(text)) for text in texts], self.columns, self.idf)
        return 1.0 / (1.0 + np.exp(-(rows @ self.weights + self.bias)))

    def save(self, path: Path) -> None:
        """Kept as plain arrays (the n-grams as the bytes of one newline-joined string: none holds a newline),
        so loading it never unpickles anything from the cache folder."""
        grams = np.frombuffer("\n".join(self.columns).encode("utf-8"), dtype=np.uint8)
        arrays = {"grams": grams, "idf": self.idf, "weights": self.weights, "bias": np.array([self.bias])}
        write_atomically(path, lambda handle: np.savez(handle, **arrays), ".npz")

    @classmethod
    def load(cls, path: Path) -> WordingView | None:
        """The view saved at `path`, or None when there is none or it is torn (it is fitted again)."""
        if not path.is_file():
            return None
        try:
            with np.load(path) as saved:
                grams = saved["grams"].tobytes().decode("utf-8").split("\n")
                idf, weights = saved["idf"], saved["weights"]
                bias = float(saved["bias"][0])
        except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as error:
            log.warning("policy.cache_unreadable", path=str(path), error=str(error))
            return None
        if not len(grams) == len(idf) == len(weights):
            return None
        return cls({gram: index for index, gram in enumerate(grams)}, idf, weights, bias)


def _rows(grams: list[Counter[str]], columns: dict[str, int], idf: np.ndarray):  # noqa: ANN202 - scipy.sparse
    """Rows of sublinear tf-idf, each scaled to unit length (n-grams outside the columns dropped)."""
    from scipy.sparse import csr_matrix

    rows, cols, values = [], [], []
    for row, counts in enumerate(grams):
        weighted = [(columns[gram], (1.0 + math.log(count)) * idf[columns[gram]]) for gram, count in counts.items()
                    if gram in columns]
        norm = math.sqrt(sum(value * value for _, value in weighted)) or 1.0
        for col, value in weighted:
            rows.append(row)
            cols.append(col)
            values.append(value / norm)
    return csr_matrix((values, (rows, cols)), shape=(len(grams), len(columns)))


def _logistic(x, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:  # noqa: ANN001 - a scipy.sparse matrix
    """L2-regularised logistic regression (the bias unpenalised, scikit-learn's objective:
    C × the summed log loss + half the squared weights) by L-BFGS."""
    from scipy.optimize import minimize

    sign = 2.0 * y - 1.0

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = params[:-1], params[-1]
        margins = sign * (x @ weights + bias)
        value = c * float(np.logaddexp(0.0, -margins).sum()) + 0.5 * float(weights @ weights)
        slope = -sign * c / (1.0 + np.exp(margins))  # d loss / d score, per question
        return value, np.concatenate([x.T @ slope + weights, [slope.sum()]])

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                      options={"maxiter": 3000, "gtol": 1e-6})
    return result.x[:-1], float(result.x[-1])


_FITTED: dict[str, WordingView | None] = {}


def wording_view(texts: tuple[str, ...], advice: np.ndarray, cache_dir: Path | None = None) -> WordingView | None:
    """The wording view of these questions: fitted once per process and, with `cache_dir`, once per
    machine (a file named for the questions, their labels and the settings); None when they hold one
    side only (nothing to tell apart)."""
    if not 0 < int(np.sum(advice)) < len(advice):
        return None
    digest = hashlib.sha256(f"{MAX_N}/{MIN_DF}/{WORDING_C}".encode())
    digest.update("\n".join(texts).encode())
    digest.update(np.asarray(advice, dtype=bool).tobytes())
    key = digest.hexdigest()[:24]
    if key in _FITTED:
        return _FITTED[key]
    path = cache_dir / f"wording-{key}.npz" if cache_dir is not None else None
    view = WordingView.load(path) if path is not None else None
    if view is None:
        view = WordingView.fit(texts, advice)
        if path is not None:
            view.save(path)
    if len(_FITTED) > 8:
        _FITTED.clear()
    _FITTED[key] = view
    return view
