"""The run's figures: the JSON object (issue 8's nine keys first, then details) and the printed table with
each figure beside its target."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEYS = ("parse_rate", "loop_rate", "stall_max_ms", "stall_p99_ms", "launch_ms", "rss_mb", "sort_ms", "filter_ms",
        "search_ms")
TARGET_EMAILS, TARGET_STORED = 10_000, 100_000


@dataclass(frozen=True, slots=True)
class Target:
    text: str
    met: Callable[[Mapping[str, Any]], bool]


TARGETS: dict[str, Target] = {
    "parse_rate": Target("(the floor: stdlib parse)", lambda f: True),
    "loop_rate": Target(">= 1,000/s and >= 30% of parse",
                        lambda f: f["loop_rate"] >= 1000 and f["loop_rate"] >= 0.3 * f["parse_rate"]),
    "stall_max_ms": Target("< 50 ms", lambda f: f["stall_max_ms"] < 50),
    "stall_p99_ms": Target("< 16 ms", lambda f: f["stall_p99_ms"] < 16),
    "launch_ms": Target("< 1,500 ms", lambda f: f["launch_ms"] < 1500),
    "rss_mb": Target("< 400 MB", lambda f: f["rss_mb"] < 400),
    "sort_ms": Target("< 100 ms", lambda f: f["sort_ms"] < 100),
    "filter_ms": Target("< 100 ms", lambda f: f["filter_ms"] < 100),
    "search_ms": Target("< 300 ms", lambda f: f["search_ms"] < 300),
}
LABELS = {
    "parse_rate": "bare parse rate (emails/s)",
    "loop_rate": "end-to-end loop rate (emails/s)",
    "stall_max_ms": "GUI stall while ingesting: max",
    "stall_p99_ms": "GUI stall while ingesting: 99th pct",
    "launch_ms": "launch to queue shown",
    "rss_mb": "resident memory (MB)",
    "sort_ms": "re-sort (slowest column)",
    "filter_ms": "category filter (slowest)",
    "search_ms": "free-text search (slowest)",
}


def check(figures: Mapping[str, Any]) -> None:
    missing = [k for k in KEYS if k not in figures]
    bad = [k for k in KEYS if k in figures and not (isinstance(figures[k], int | float) and math.isfinite(figures[k]))]
    if missing or bad:
        raise ValueError(f"figures missing {missing} or not finite numbers {bad}")


def table(figures: Mapping[str, Any]) -> str:
    emails, stored = figures["emails"], figures["stored"]
    lines = [f"EmailBot Console benchmarks: N = {emails:,} emails ingested, M = {stored:,} stored",
             f"{'figure':<38} {'value':>12}  {'target':<32} result"]
    for key in KEYS:
        value = figures[key]
        shown = f"{value:,.0f}" if key in ("parse_rate", "loop_rate", "launch_ms") else f"{value:,.1f}"
        target = TARGETS[key]
        verdict = "" if key == "parse_rate" else "met" if target.met(figures) else "MISSED"
        lines.append(f"{LABELS[key]:<38} {shown:>12}  {target.text:<32} {verdict}")
    lines.append(f"{'loop rate / parse rate':<38} {figures['loop_parse_ratio']:>11.0%}")
    if "search_index_seconds" in figures:
        lines.append(f"{'then: search index caught up (s)':<38} {figures['search_index_seconds']:>12.1f}  "
                     "(after the loop; search finds all meanwhile)")
    if (emails, stored) != (TARGET_EMAILS, TARGET_STORED):
        lines.append(f"(the targets are set for N = {TARGET_EMAILS:,} and M = {TARGET_STORED:,})")
    return "\n".join(lines)


def write_json(figures: Mapping[str, Any], path: Path) -> None:
    ordered = {k: figures[k] for k in KEYS} | {k: v for k, v in figures.items() if k not in KEYS}
    path.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
