"""Multinomial logistic regression on sparse hashed features, in numpy: the learning core of the local
classifier. Several softmax "heads" (category, urgency) share one weight matrix and one pass over the
data, each with its own block of columns.

Training is mini-batch Adam with decoupled weight decay, updating only the weight rows a batch touches
("lazy" Adam): a batch of mails uses a few tens of thousands of the 2**18 hashed features, so updating
all of them every step would cost more than the gradient itself. Mini-batches keep a fixed membership
(only their order is shuffled per epoch), so each batch's column grouping is computed once; that keeps
an epoch over 4,000 mails to a fraction of a second on one core.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from emailbot_gui.classify.features import FloatArray, IntArray, SparseRows


@dataclass(frozen=True, slots=True)
class TrainConfig:
    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 0.03
    weight_decay: float = 0.1  # decoupled (AdamW), applied to the features a batch touches
    # per head, overriding weight_decay: the category head generalises to unseen wording best when
    # strongly regularised, the urgency head (subtler cues) when regularised lightly
    head_weight_decay: tuple[float, ...] = ()
    beta1: float = 0.9
    beta2: float = 0.999
    # the returned weights are the average over the last `average_epochs` epochs (Polyak-Ruppert
    # averaging): it smooths the noise of mini-batch steps, which generalises better than the last step
    average_epochs: int = 0
    # 1.0: every class of a head weighs as much in total as any other (good for macro-F1 and for rare
    # categories such as outages); 0.0: examples count as they come
    class_balance: float = 0.0
    # each stored feature value of a training example is dropped with this probability at every step (the
    # rest scaled up to keep the expectation): the model cannot lean on a few words, and learns the
    # redundant evidence an unseen mail in other words still shares (dropout as adaptive regularisation)
    feature_dropout: float = 0.0


@dataclass(frozen=True, slots=True)
class Head:
    """One softmax over a block of columns: `labels[i]` is example i's class index within the head."""

    labels: npt.NDArray[np.int64]
    n_classes: int


@dataclass(frozen=True)
class SoftmaxModel:
    """Weights for the features seen in training (`feature_ids`, sorted), stored class-major as
    (columns, features) so every class's weights are one contiguous row; a bias per column; the heads'
    column blocks. Immutable once built: predictions may run on other threads."""

    feature_ids: IntArray
    weights: FloatArray  # (total columns, len(feature_ids))
    bias: FloatArray  # (total columns,)
    head_sizes: tuple[int, ...]
    n_features: int
    _row_of: npt.NDArray[np.intp] = field(init=False, repr=False, compare=False)
    _table: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Dense lookup from hashed feature to weight column; unseen features map to an all-zero column.
        row_of = np.full(self.n_features, len(self.feature_ids), dtype=np.intp)
        row_of[self.feature_ids] = np.arange(len(self.feature_ids), dtype=np.intp)
        table = np.hstack([self.weights, np.zeros((self.weights.shape[0], 1), np.float32)])
        object.__setattr__(self, "_row_of", row_of)
        object.__setattr__(self, "_table", np.ascontiguousarray(table, dtype=np.float32))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for the classification worker) without the lookup tables, which are most of the bytes:
        the receiver rebuilds them. Pickling holds the GIL, so fewer bytes is a shorter pause for the window."""
        return (SoftmaxModel, (self.feature_ids, self.weights, self.bias, self.head_sizes, self.n_features))

    @property
    def head_slices(self) -> list[slice]:
        bounds = np.cumsum((0, *self.head_sizes))
        return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]

    def columns_for(self, indices: IntArray) -> FloatArray:
        """(total columns, len(indices)): the weights of hashed features (zeros for unseen ones)."""
        return _gather(self._table, self._row_of[indices])

    def scores(self, x: SparseRows) -> FloatArray:
        """Raw scores (n, total columns)."""
        out = np.tile(self.bias, (len(x), 1))
        nonempty = np.flatnonzero(np.diff(x.indptr) > 0)
        if len(nonempty):
            contrib = self.columns_for(x.indices)
            contrib *= x.data
            out[nonempty] += np.add.reduceat(contrib, x.indptr[:-1][nonempty], axis=1).T
        return out


def _gather(table: FloatArray, cols: npt.NDArray[np.intp]) -> FloatArray:
    # one 1-D take per class row: much faster than fancy-indexing the 2-D array along axis 1
    out = np.empty((table.shape[0], len(cols)), np.float32)
    for j in range(table.shape[0]):
        np.take(table[j], cols, out=out[j])
    return out


def softmax(z: npt.NDArray[np.floating[Any]], temperature: float = 1.0,
            axis: int = 1) -> npt.NDArray[np.floating[Any]]:
    z = z / temperature
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    probs: npt.NDArray[np.floating[Any]] = e / e.sum(axis=axis, keepdims=True)
    return probs


@dataclass(frozen=True, slots=True)
class _Batch:
    rows: npt.NDArray[np.int64]  # example indices
    cols: npt.NDArray[np.intp]  # compact feature column of every stored value, row by row
    data: FloatArray
    lengths: npt.NDArray[np.int64]  # values per row (every row has at least one)
    starts: npt.NDArray[np.int64]
    touched: npt.NDArray[np.intp]  # the distinct columns of the batch
    slot: npt.NDArray[np.intp]  # for every stored value, its column's position in `touched`


def _make_batch(x: SparseRows, cols: npt.NDArray[np.intp], rows: npt.NDArray[np.int64]) -> _Batch:
    sub = x.take(rows)
    sub_cols = cols[_positions(x, rows)]
    touched, slot = np.unique(sub_cols, return_inverse=True)
    return _Batch(rows, sub_cols, sub.data, np.diff(sub.indptr), sub.indptr[:-1], touched,
                  slot.astype(np.intp))


def _positions(x: SparseRows, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts, lengths = x.indptr[rows], np.diff(x.indptr)[rows]
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)


def fit(x: SparseRows, heads: Sequence[Head], n_features: int, *,
        sample_weight: npt.NDArray[np.float64] | None = None, config: TrainConfig = TrainConfig(),
        seed: int = 0) -> SoftmaxModel:
    """Fit all heads jointly. Examples without any feature carry no information and are skipped. A head
    whose examples all have one label has nothing to learn: it is not trained, and always answers that
    label (its columns cost nothing per step)."""
    trivial = [len(np.unique(h.labels)) <= 1 for h in heads]
    if not any(trivial):
        return _fit_heads(x, heads, n_features, sample_weight, config, seed)
    active = [h for h, t in zip(heads, trivial, strict=True) if not t]
    if config.head_weight_decay:
        decays = tuple(d for d, t in zip(config.head_weight_decay, trivial, strict=True) if not t)
        config = replace(config, head_weight_decay=decays)
    model = _fit_heads(x, active, n_features, sample_weight, config, seed) if active else None
    sizes = tuple(h.n_classes for h in heads)
    feature_ids = model.feature_ids if model is not None else np.zeros(0, np.int32)
    weights = np.zeros((sum(sizes), len(feature_ids)), np.float32)
    bias = np.zeros(sum(sizes), np.float32)
    offset, active_offset = 0, 0
    for head, is_trivial in zip(heads, trivial, strict=True):
        if is_trivial:
            if len(head.labels):
                bias[offset + int(head.labels[0])] = 20.0  # certain, as far as a softmax can be
        elif model is not None:
            block = slice(active_offset, active_offset + head.n_classes)
            weights[offset:offset + head.n_classes] = model.weights[block]
            bias[offset:offset + head.n_classes] = model.bias[block]
            active_offset += head.n_classes
        offset += head.n_classes
    return SoftmaxModel(feature_ids, weights, bias, sizes, n_features)


def _fit_heads(x: SparseRows, heads: Sequence[Head], n_features: int,
               sample_weight: npt.NDArray[np.float64] | None, config: TrainConfig, seed: int) -> SoftmaxModel:
    n = len(x)
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    keep = np.flatnonzero((np.diff(x.indptr) > 0) & (weight > 0))
    sizes = tuple(h.n_classes for h in heads)
    k = sum(sizes)
    feature_ids = np.unique(x.indices).astype(np.int32)
    if len(keep) == 0:
        return SoftmaxModel(feature_ids[:0], np.zeros((k, 0), np.float32), np.zeros(k, np.float32),
                            sizes, n_features)
    cols = np.searchsorted(feature_ids, x.indices).astype(np.intp)

    # one-hot targets across all heads, class-major like the weights
    targets = np.zeros((k, n), np.float32)
    offset = 0
    for head in heads:
        targets[offset + head.labels, np.arange(n)] = 1.0
        offset += head.n_classes
    slices = [slice(int(a), int(a) + s) for a, s in zip(np.cumsum((0, *sizes[:-1])), sizes, strict=True)]
    # Gradients are averaged over the batch size, not the batch's total weight: a heavily weighted
    # correction must count for more than the examples beside it.
    scale = (weight / (float(weight[keep].mean()) * config.batch_size)).astype(np.float32)
    head_scale = np.ones((k, n), np.float32)
    if config.class_balance > 0:
        offset = 0
        for head in heads:
            head_scale[offset:offset + head.n_classes] = _balance(head, weight, keep, config.class_balance)
            offset += head.n_classes

    rng = np.random.default_rng(seed)
    order = keep[rng.permutation(len(keep))]
    batches = [_make_batch(x, cols, order[i:i + config.batch_size])
               for i in range(0, len(order), config.batch_size)]

    w = np.zeros((k, len(feature_ids)), np.float32)
    m, v = np.zeros_like(w), np.zeros_like(w)
    b = np.zeros(k, np.float32)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    # Per-column step counters keep the lazy Adam bias correction right for rarely touched features.
    steps = np.zeros(len(feature_ids), np.float32)
    t = 0
    lr, b1, b2 = config.learning_rate, config.beta1, config.beta2
    head_decay = config.head_weight_decay or (config.weight_decay,) * len(heads)
    if len(head_decay) != len(heads):
        raise ValueError("head_weight_decay needs one value per head")
    decay = np.repeat(1 - lr * np.asarray(head_decay, np.float32), sizes)[:, None].astype(np.float32)
    w_sum, b_sum, n_sum = np.zeros_like(w) if config.average_epochs else w, np.zeros_like(b), 0
    for epoch in range(config.epochs):
        averaging = config.average_epochs > 0 and epoch >= config.epochs - config.average_epochs
        for bi in rng.permutation(len(batches)):
            batch = batches[bi]
            t += 1
            contrib = _gather(w, batch.cols)
            data = batch.data
            if config.feature_dropout > 0:
                data = data * (rng.random(len(data), dtype=np.float32) >= config.feature_dropout) \
                    / np.float32(1 - config.feature_dropout)
            contrib *= data
            z = np.add.reduceat(contrib, batch.starts, axis=1) + b[:, None]  # (k, batch)
            grad_z = np.empty_like(z)
            for s in slices:
                grad_z[s] = softmax(z[s], axis=0)
            grad_z -= targets[:, batch.rows]
            grad_z *= scale[batch.rows]
            if config.class_balance > 0:
                grad_z *= head_scale[:, batch.rows]

            per_value = np.repeat(grad_z, batch.lengths, axis=1)
            per_value *= data
            g = np.empty((k, len(batch.touched)), np.float32)
            for j in range(k):
                g[j] = np.bincount(batch.slot, weights=per_value[j], minlength=len(batch.touched))

            cols_t = batch.touched
            steps[cols_t] += 1
            st = steps[cols_t]
            mt, vt = m[:, cols_t], v[:, cols_t]
            mt *= b1
            mt += (1 - b1) * g
            vt *= b2
            vt += (1 - b2) * (g * g)
            m[:, cols_t], v[:, cols_t] = mt, vt
            np.sqrt(vt, out=vt)
            vt += 1e-8
            mt /= vt
            mt *= (lr * np.sqrt(1 - b2**st) / (1 - b1**st)).astype(np.float32)
            wt = w[:, cols_t]
            wt *= decay
            wt -= mt
            w[:, cols_t] = wt

            gb = grad_z.sum(axis=1)
            mb = b1 * mb + (1 - b1) * gb
            vb = b2 * vb + (1 - b2) * gb * gb
            b -= (lr * np.sqrt(1 - b2**t) / (1 - b1**t)) * mb / (np.sqrt(vb) + 1e-8)
            if averaging:
                w_sum += w
                b_sum += b
                n_sum += 1
    if n_sum:
        w, b = (w_sum / n_sum).astype(w.dtype), (b_sum / n_sum).astype(b.dtype)
    return SoftmaxModel(feature_ids, w, b.astype(np.float32), sizes, n_features)


def _balance(head: Head, weight: npt.NDArray[np.float64], keep: npt.NDArray[np.int64],
             power: float) -> npt.NDArray[np.float32]:
    """Per example, (mean class mass / its class's mass) ** power, normalised to average 1."""
    mass = np.bincount(head.labels[keep], weights=weight[keep], minlength=head.n_classes)
    present = mass > 0
    factor = np.ones(head.n_classes)
    factor[present] = (mass[present].mean() / mass[present]) ** power
    per_example = factor[head.labels]
    per_example /= float((per_example[keep] * weight[keep]).sum() / max(weight[keep].sum(), 1e-12))
    return per_example.astype(np.float32)


def fit_temperature(scores: FloatArray, labels: npt.NDArray[np.int64]) -> float:
    """The softmax temperature that minimises held-out negative log-likelihood (temperature scaling,
    Guo et al. 2017): it makes the confidence an honest probability without changing the argmax."""
    if len(labels) == 0:
        return 1.0
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.05), np.log(5.0), 121)):
        p = softmax(scores, float(t))[np.arange(len(labels)), labels]
        nll = float(-np.log(np.clip(p, 1e-12, 1.0)).mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t
