"""A classical reference for a character language model: n-gram counts with smoothing.

Before neural language models, the next character was predicted from counts of
what followed the previous ``n - 1`` characters in the training text::

    p(c | h) = (count(h c) + k) / (count(h) + k V)          add-k smoothing

where ``h`` is the context (the last ``n - 1`` characters; fewer at the start of a
window), ``V`` the vocabulary size and ``k > 0`` keeps unseen continuations possible
(``k = 1`` is Laplace's rule). Its cross-entropy in nats per character is the
number a neural model has to beat. The order ``n`` and ``k`` are chosen on the
validation split, never on the test split. Reference: Jurafsky & Martin, *Speech
and Language Processing*, chapter 3 (n-gram language models).

The ``ngram_baseline`` report reads the run's character windows (``x`` ``(N, T)``
ids, ``y`` the same shifted by one) and needs no model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: Orders and smoothing constants tried; the pair with the lowest validation loss is kept.
ORDERS = (1, 2, 3, 4, 5, 6)
SMOOTHING = (0.01, 0.1, 1.0)


def _contexts(x: np.ndarray, order: int, vocabulary_size: int) -> np.ndarray:
    """For every position ``t`` of every window, the code of its context: the last
    ``order - 1`` characters up to and including ``x[:, t]`` (fewer at the window start),
    as a base-(V + 1) number with 0 for "before the window" -> ``(N, T)`` int64."""
    n, steps = x.shape
    base = vocabulary_size + 1
    codes = np.zeros((n, steps), dtype=np.int64)
    for lag in range(order - 1):  # lag 0 is x[:, t], lag 1 is x[:, t - 1], ...
        shifted = np.zeros((n, steps), dtype=np.int64)
        shifted[:, lag:] = x[:, : steps - lag] + 1 if lag else x + 1
        codes = codes * base + shifted
    return codes


class NGramModel:
    """Counts of (context, next character) pairs, and add-k smoothed probabilities.

    Args:
        order: ``n``: the context holds the last ``n - 1`` characters.
        vocabulary_size: ``V``.
    """

    def __init__(self, order: int, vocabulary_size: int):
        if int(order) != order or order < 1:
            raise ValueError(f"order must be a positive integer. Received: order={order}")
        self.order, self.vocabulary_size = int(order), int(vocabulary_size)

    def fit(self, x: np.ndarray, y: np.ndarray) -> NGramModel:
        """Count every (context, next character) pair of the windows ``x``, ``y`` ``(N, T)``."""
        contexts = _contexts(np.asarray(x), self.order, self.vocabulary_size).ravel()
        pairs = contexts * self.vocabulary_size + np.asarray(y, dtype=np.int64).ravel()
        self._pairs, self._pair_counts = np.unique(pairs, return_counts=True)
        self._contexts, self._context_counts = np.unique(contexts, return_counts=True)
        return self

    @staticmethod
    def _lookup(keys: np.ndarray, counts: np.ndarray, queries: np.ndarray) -> np.ndarray:
        index = np.clip(np.searchsorted(keys, queries), 0, len(keys) - 1)
        return np.where(keys[index] == queries, counts[index], 0)

    def loss(self, x: np.ndarray, y: np.ndarray, k: float) -> float:
        """Mean ``-log p(y_t | context)`` in nats per character under add-``k`` smoothing."""
        if k <= 0:
            raise ValueError(f"k must be > 0. Received: k={k}")
        contexts = _contexts(np.asarray(x), self.order, self.vocabulary_size).ravel()
        pairs = contexts * self.vocabulary_size + np.asarray(y, dtype=np.int64).ravel()
        pair_counts = self._lookup(self._pairs, self._pair_counts, pairs)
        context_counts = self._lookup(self._contexts, self._context_counts, contexts)
        probability = (pair_counts + k) / (context_counts + k * self.vocabulary_size)
        return float(-np.mean(np.log(probability)))


def select(splits, orders=ORDERS, smoothing=SMOOTHING) -> dict[str, Any]:
    """Fit every order on the training windows, pick (order, k) on validation, score test.

    Returns:
        ``ngram_order``, ``ngram_k``, ``ngram_val_loss``, ``ngram_test_loss`` (nats per
        character) and ``ngram_val_loss_order_<n>`` (the best k's loss of each order).
    """
    vocabulary = splits.extras.get("vocabulary")
    if vocabulary is None or np.ndim(splits.x_train) != 2 or len(splits.x_val) == 0:
        raise ValueError(
            "the ngram_baseline report needs a character source with a validation split "
            f"('text:PATH' or 'stdlib_text'). Received: {splits.source!r}"
        )
    size = len(vocabulary)
    out: dict[str, Any] = {}
    best = None
    for order in orders:
        model = NGramModel(order, size).fit(splits.x_train, splits.y_train)
        scores = {k: model.loss(splits.x_val, splits.y_val, k) for k in smoothing}
        k, val_loss = min(scores.items(), key=lambda item: item[1])
        out[f"ngram_val_loss_order_{order}"] = val_loss
        if best is None or val_loss < best[2]:
            best = (order, k, val_loss, model)
    order, k, val_loss, model = best
    out.update({"ngram_order": order, "ngram_k": k, "ngram_val_loss": val_loss})
    if len(splits.x_test):
        out["ngram_test_loss"] = model.loss(splits.x_test, splits.y_test, k)
    return out


def ngram_baseline(model, splits, recipe, run_dir: Path) -> dict[str, Any]:
    """Report ``ngram_baseline``: the n-gram model's nats per character beside the network's
    (see the module docstring); the trained ``model`` is not used."""
    return select(splits)
