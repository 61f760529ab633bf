"""The reference point for `emailbot eval --baseline`: plain TF-IDF + multinomial logistic regression, in
numpy (the shipped app carries no scikit-learn or scipy). "Plain" means what a first attempt would use:
lower-cased word unigrams (tokens of 2+ word characters), smoothed idf, L2-normalised rows, an L2
penalty of C = 1, no class weights, no character n-grams — the defaults of the usual libraries."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class TfidfLogisticRegression:
    def __init__(self, c: float = 1.0, iterations: int = 200, learning_rate: float = 0.05) -> None:
        self.c = c
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.weights = np.zeros((0, 0))
        self.bias = np.zeros(0)

    def _rows(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                                   npt.NDArray[np.float64]]:
        """(row of each value, column, tf-idf value) for the known vocabulary, rows L2-normalised."""
        rows: list[int] = []
        cols: list[int] = []
        vals: list[int] = []
        for i, text in enumerate(texts):
            counts: dict[int, int] = {}
            for token in _TOKEN.findall(text.lower()):
                j = self.vocabulary.get(token)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            rows.extend([i] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        r, c = np.array(rows, np.int64), np.array(cols, np.int64)
        v = np.array(vals, np.float64) * self.idf[c] if len(c) else np.zeros(0)
        norms = np.sqrt(np.bincount(r, weights=v * v, minlength=len(texts)))
        v = v / np.where(norms > 0, norms, 1.0)[r]
        return r, c, v

    def fit(self, texts: Sequence[str], labels: npt.NDArray[np.int64], n_classes: int) -> TfidfLogisticRegression:
        vocab: dict[str, int] = {}
        df: list[int] = []
        for text in texts:
            for token in set(_TOKEN.findall(text.lower())):
                j = vocab.setdefault(token, len(vocab))
                if j == len(df):
                    df.append(0)
                df[j] += 1
        self.vocabulary = vocab
        n = len(texts)
        self.idf = np.log((1 + n) / (1 + np.array(df, np.float64))) + 1.0
        r, c, v = self._rows(texts)
        w = np.zeros((n_classes, len(vocab)))
        b = np.zeros(n_classes)
        y = np.zeros((n, n_classes))
        y[np.arange(n), labels] = 1.0
        lam = 1.0 / (self.c * n)  # sum of log-losses / n + ||w||^2 / (2 C n), as liblinear/lbfgs minimise
        # Adam on the full batch: close to the optimum of this convex problem within a couple of hundred steps
        m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
        for t in range(1, self.iterations + 1):
            z = self._scores(r, c, v, n, w, b)
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            g = (p - y) / n
            grad_w = np.stack([np.bincount(c, weights=g[r, k] * v, minlength=len(vocab))
                               for k in range(n_classes)]) + lam * w
            grad_b = g.sum(axis=0)
            for param, grad, m, s in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
                m *= 0.9
                m += 0.1 * grad
                s *= 0.999
                s += 0.001 * grad * grad
                param -= self.learning_rate * (m / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
        self.weights, self.bias = w, b
        return self

    @staticmethod
    def _scores(r: npt.NDArray[np.int64], c: npt.NDArray[np.int64], v: npt.NDArray[np.float64], n: int,
                w: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        z = np.tile(b, (n, 1))
        for k in range(w.shape[0]):
            z[:, k] += np.bincount(r, weights=w[k, c] * v, minlength=n)
        return z

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        r, c, v = self._rows(texts)
        return np.asarray(self._scores(r, c, v, len(texts), self.weights, self.bias).argmax(axis=1), np.int64)
