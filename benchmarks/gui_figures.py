"""Runs `benchmarks.gui_probe` in processes of their own with Qt's offscreen platform, and collects what
they report. The launch time is measured from outside: from just before the process is spawned to the
moment its "queue shown" line arrives, so it includes starting Python and importing everything."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.stored import copy_profile

REPO = Path(__file__).resolve().parents[1]
SHOWN = "QUEUE_SHOWN "
RESULT = "RESULT "


def stall_figures(emails: int, seed: int, work: Path) -> dict[str, Any]:
    figures, _ = _probe(["stall", "--data-dir", str(work / "gui-stall"), "--emails", str(emails),
                         "--seed", str(seed)], work / "gui-stall.log")
    return figures


def stored_figures(profile: Path, work: Path, runs: int = 3) -> dict[str, Any]:
    """Launch on a fresh copy of `profile` `runs` times; each figure is the median over the runs (a machine
    shared with other work makes single timings noisy), a figure over several operations the slowest
    operation's median."""
    each = []
    for run in range(runs):
        data_dir = work / f"gui-stored-{run + 1}"
        copy_profile(profile, data_dir)
        figures, shown_ms = _probe(["stored", "--data-dir", str(data_dir)], work / f"gui-stored-{run + 1}.log")
        if shown_ms is None:
            raise RuntimeError("the stored-queue probe never showed its queue")
        each.append({**figures, "launch_ms": shown_ms})
    out: dict[str, Any] = {key: statistics.median(r[key] for r in each)
                           for key in ("launch_ms", "rss_mb", "rss_peak_mb", "scroll_ms")}
    for figure in ("sort", "filter", "search"):
        key = f"{figure}_each_ms"
        medians = {op: statistics.median(r[key][op] for r in each) for op in each[0][key]}
        out[key] = medians
        out[f"{figure}_ms"] = max(medians.values())
    out.update(queue_rows=each[0]["queue_rows"], search_hits=each[0]["search_hits"], runs=each)
    return out


def _probe(args: list[str], log: Path) -> tuple[dict[str, Any], float | None]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6", "EMAILBOT_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("WAYLAND_DISPLAY", None)
    shown_ms: float | None = None
    result: dict[str, Any] | None = None
    with log.open("wb") as errors:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "benchmarks.gui_probe", *args], cwd=REPO, env=env,
                                   stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(SHOWN) and shown_ms is None:
                shown_ms = (time.perf_counter() - started) * 1000
            elif line.startswith(RESULT):
                result = json.loads(line[len(RESULT):])
        code = process.wait(timeout=3600)
    if code != 0 or result is None:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"benchmarks.gui_probe {args[0]} exited {code}; its log ({log}) ends:\n{tail}")
    return result, shown_ms
