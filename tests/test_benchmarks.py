"""`python -m benchmarks run` end to end on a small N: every figure of issue 8 is produced, as a number that
makes sense. Not a timing test: how fast is for the benchmark's own report, not for the test suite."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.report import KEYS

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_the_benchmark_command_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    env = {**os.environ, "EMAILBOT_LOG_LEVEL": "ERROR", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "benchmarks", "run", "--emails", "200", "--stored", "2000",
                           "--json", str(out), "--work-dir", str(tmp_path / "work")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert list(figures)[:len(KEYS)] == list(KEYS)
    for key in KEYS:
        value = figures[key]
        assert isinstance(value, int | float) and math.isfinite(value), (key, value)
        # A stall can be nil (a timer that always woke on time); everything else is a positive amount.
        assert value >= 0 if key.startswith("stall_") else value > 0, (key, value)
    assert figures["stall_max_ms"] >= figures["stall_p99_ms"]
    assert figures["stall"]["ticks"] > 0 and figures["stored_queue"]["queue_rows"] >= 2000
    assert figures["stored_queue"]["search_hits"]["zzzq"] == 0 and figures["stored_queue"]["search_hits"]["password"]
    assert figures["loop_parse_ratio"] == pytest.approx(figures["loop_rate"] / figures["parse_rate"])
    for label in ("end-to-end loop rate", "launch to queue shown", "free-text search"):
        assert label in done.stdout
