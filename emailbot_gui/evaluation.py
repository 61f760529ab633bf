"""`emailbot eval`: measures the local classifier on labelled CSV files with stratified k-fold
cross-validation (fixed seed), and optionally a plain TF-IDF + logistic-regression baseline.

    emailbot eval tickets/*.csv --text subject,body --label queue [--folds 5] [--json] [--baseline]

The first text column is the subject, the others are joined into the body; literal "\\n" sequences (as
some exported data sets have) become line breaks. A label column whose values are all urgency names
(low/medium/high/critical) is learned by the urgency head, with the urgency cues the app applies; any
other label by the category head. Training and prediction are the app's own code paths, including the
probability calibration, so the timings are the app's. Figures: accuracy, macro-F1, per-class
precision/recall/F1, the confusion matrix, mean training seconds per fold, emails classified per second.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from emailbot_gui.core.types import Urgency

DEFAULT_SEED = 20240607


class EvaluationError(ValueError):
    """Bad input (missing file or column, too few examples): reported without a traceback."""


@dataclass(frozen=True)
class LabelledData:
    texts: list[tuple[str, str]]
    labels: list[str]


def load_csv(paths: Sequence[Path], text_columns: Sequence[str], label_column: str) -> LabelledData:
    """Rows with a non-empty label from all files (which must share the named columns)."""
    csv.field_size_limit(16 * 1024 * 1024)
    texts: list[tuple[str, str]] = []
    labels: list[str] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in (*text_columns, label_column) if c not in (reader.fieldnames or ())]
                if missing:
                    raise EvaluationError(f"{path}: no column(s) {', '.join(missing)} "
                                          f"(it has {', '.join(reader.fieldnames or ())})")
                for row in reader:
                    label = (row.get(label_column) or "").strip()
                    if not label:
                        continue
                    parts = [_unescape(row.get(c) or "") for c in text_columns]
                    subject, body = (parts[0], "\n".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
                    texts.append((subject, body))
                    labels.append(label)
        except OSError as exc:
            raise EvaluationError(f"cannot read {path}: {exc}") from None
    return LabelledData(texts, labels)


def _unescape(text: str) -> str:
    return text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", "\t") if "\\" in text else text


def stratified_folds(labels: npt.NDArray[np.int64], k: int, seed: int = DEFAULT_SEED) -> npt.NDArray[np.int64]:
    """Fold number per example: each class is shuffled (fixed seed) and dealt round-robin."""
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(labels), np.int64)
    offset = 0
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        folds[idx] = (np.arange(len(idx)) + offset) % k
        offset += len(idx)  # so small classes do not all start in fold 0
    return folds


def metrics(y: npt.NDArray[np.int64], pred: npt.NDArray[np.int64], names: Sequence[str]) -> dict[str, Any]:
    n = len(names)
    confusion = np.zeros((n, n), np.int64)
    np.add.at(confusion, (y, pred), 1)
    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for i, name in enumerate(names):
        tp = confusion[i, i]
        predicted, actual = confusion[:, i].sum(), confusion[i].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[name] = {"precision": round(float(precision), 4), "recall": round(float(recall), 4),
                           "f1": round(float(f1), 4), "support": int(actual)}
    return {"accuracy": round(float((y == pred).mean()), 4), "macro_f1": round(float(np.mean(f1s)), 4),
            "per_class": per_class, "confusion": {"labels": list(names), "matrix": confusion.tolist()}}


def cross_validate(data: LabelledData, *, folds: int = 5, seed: int = DEFAULT_SEED, baseline: bool = False,
                   progress: Any = None) -> dict[str, Any]:
    from emailbot_gui.classify.local import LocalClassifier, TrainingExample

    names = sorted(set(data.labels))
    if len(names) < 2:
        raise EvaluationError("the label column needs at least two different values")
    if folds < 2 or len(data.labels) < folds * 2:
        raise EvaluationError(f"{folds} folds need at least {folds * 2} labelled rows")
    y = np.array([names.index(label) for label in data.labels], np.int64)
    urgency_head = all(_is_urgency(n) for n in names)
    fold_of = stratified_folds(y, folds, seed)
    pred = np.zeros(len(y), np.int64)
    base_pred = np.zeros(len(y), np.int64)
    train_seconds, predict_seconds, base_train = [], 0.0, []
    for k in range(folds):
        train, test = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        if urgency_head:
            examples = [TrainingExample(*data.texts[i], "_", Urgency.parse(data.labels[i]).name) for i in train]
            categories: list[str] = ["_"]
        else:
            examples = [TrainingExample(*data.texts[i], data.labels[i], "MEDIUM") for i in train]
            categories = names
        start = time.perf_counter()
        model = LocalClassifier.train(examples, categories=categories, seed=0)
        train_seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        predictions = model.predict([data.texts[i] for i in test])
        predict_seconds += time.perf_counter() - start
        if urgency_head:
            pred[test] = [names.index(_urgency_name(p.urgency, names)) for p in predictions]
        else:
            pred[test] = [names.index(p.category) for p in predictions]
        if baseline:
            from emailbot_gui.evaluation_baseline import TfidfLogisticRegression

            start = time.perf_counter()
            lr = TfidfLogisticRegression().fit([_joined(data.texts[i]) for i in train], y[train], len(names))
            base_train.append(time.perf_counter() - start)
            base_pred[test] = lr.predict([_joined(data.texts[i]) for i in test])
        if progress is not None:
            progress(f"fold {k + 1}/{folds}: trained on {len(train)} in {train_seconds[-1]:.1f} s")
    result: dict[str, Any] = metrics(y, pred, names)
    result.update(rows=len(y), folds=folds, seed=seed, head="urgency" if urgency_head else "category",
                  train_examples=round(len(y) * (folds - 1) / folds),
                  train_seconds=round(float(np.mean(train_seconds)), 2),
                  emails_per_second=round(len(y) / predict_seconds, 1) if predict_seconds else None)
    if baseline:
        base = metrics(y, base_pred, names)
        base.update(model="tf-idf + logistic regression (word unigrams, C=1)",
                    train_seconds=round(float(np.mean(base_train)), 2))
        result["baseline"] = base
    return result


def _is_urgency(name: str) -> bool:
    try:
        Urgency.parse(name)
    except ValueError:
        return False
    return True


def _urgency_name(u: Urgency, names: Sequence[str]) -> str:
    """The label spelling used in the file for a predicted urgency; a level the file never uses (e.g.
    CRITICAL in a low/medium/high set) counts as the nearest one it does use."""
    by_level = {Urgency.parse(n).value: n for n in names}
    nearest = min(by_level, key=lambda level: (abs(level - u.value), -level))
    return by_level[nearest]


def _joined(text: tuple[str, str]) -> str:
    return f"{text[0]}\n{text[1]}"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "eval", help="measure the local classifier on labelled CSV files (stratified k-fold cross-validation)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.csv")
    p.add_argument("--text", default="subject,body", help="text columns, subject first (default subject,body)")
    p.add_argument("--label", required=True, metavar="COLUMN", help="the column holding the true label")
    p.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the fold assignment")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    p.add_argument("--baseline", action="store_true", help="also measure plain TF-IDF + logistic regression")
    return p


def run(args: argparse.Namespace) -> int:
    from emailbot_gui.evaluation_report import format_report

    columns = [c.strip() for c in args.text.split(",") if c.strip()]
    try:
        if not columns:
            raise EvaluationError("--text needs at least one column")
        data = load_csv(args.files, columns, args.label)
        progress = None if args.json else (lambda line: print(line, file=sys.stderr, flush=True))
        result = cross_validate(data, folds=args.folds, seed=args.seed, baseline=args.baseline, progress=progress)
    except EvaluationError as exc:
        print(f"emailbot eval: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False) if args.json else format_report(result, args.label))
    return 0
