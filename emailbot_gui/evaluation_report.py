"""The human-readable report of `emailbot eval` (the `--json` output carries the same figures)."""

from __future__ import annotations

from typing import Any


def format_report(result: dict[str, Any], label: str) -> str:
    lines = [f"Local classifier on {result['rows']} emails, label '{label}' ({result['head']} head), "
             f"{result['folds']}-fold stratified cross-validation (seed {result['seed']})",
             f"  accuracy  {result['accuracy']:.3f}",
             f"  macro-F1  {result['macro_f1']:.3f}",
             f"  training  {result['train_seconds']:.1f} s per fold ({result['train_examples']} emails)",
             f"  speed     {result['emails_per_second'] or 0:,.0f} emails/s", ""]
    lines += _per_class(result["per_class"])
    lines += ["", "Confusion matrix (rows: true label, columns: predicted)"]
    lines += _confusion(result["confusion"])
    base = result.get("baseline")
    if base:
        lines += ["", f"Baseline: {base['model']}",
                  f"  accuracy  {base['accuracy']:.3f}",
                  f"  macro-F1  {base['macro_f1']:.3f}",
                  f"  training  {base['train_seconds']:.1f} s per fold", ""]
        lines += _per_class(base["per_class"])
    return "\n".join(lines)


def _per_class(per_class: dict[str, dict[str, float]]) -> list[str]:
    width = max(12, *(len(n) for n in per_class))
    out = [f"  {'class':<{width}}  precision  recall     f1  support"]
    for name, m in per_class.items():
        out.append(f"  {name:<{width}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:5.3f}  "
                   f"{int(m['support']):7d}")
    return out


def _confusion(confusion: dict[str, Any]) -> list[str]:
    labels, matrix = confusion["labels"], confusion["matrix"]
    short = [label[:6] for label in labels]
    width = max(6, *(len(str(v)) for row in matrix for v in row))
    name_width = max(len(label) for label in labels)
    out = [" " * (name_width + 3) + " ".join(f"{s:>{width}}" for s in short)]
    for label, row in zip(labels, matrix, strict=True):
        out.append(f"  {label:<{name_width}} " + " ".join(f"{v:>{width}}" for v in row))
    return out
