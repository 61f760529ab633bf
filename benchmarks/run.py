"""One benchmark run: generate the corpus, measure the bare parse rate and the headless loop rate here, the
GUI's stalls and the stored-queue figures in processes of their own; print the table, write the JSON."""

from __future__ import annotations

import compileall
import platform
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.corpus import synthetic_corpus
from benchmarks.gui_figures import stall_figures, stored_figures
from benchmarks.loop_rate import loop_rate
from benchmarks.parse_rate import bare_parse_rate
from benchmarks.stored import seeded_profile

REPO = Path(__file__).resolve().parents[1]


def run_all(*, emails: int, stored: int, seed: int, json_path: Path | None, cache_dir: Path | None,
            work_dir: Path | None) -> dict[str, Any]:
    with ExitStack() as stack:
        work = work_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="emailbot-bench-")))
        work.mkdir(parents=True, exist_ok=True)
        cache = cache_dir or work / "cache"
        started = time.perf_counter()

        _say("compiling the app's modules to bytecode, as an installed app has them")
        compile_app()
        _say(f"generating {emails:,} synthetic emails (seed {seed})")
        raws = synthetic_corpus(emails, seed)
        _say("bare parse rate (stdlib email parser, best of 3)")
        parse_rate = bare_parse_rate(raws)
        _say("end-to-end loop rate (headless)")
        loop = loop_rate(raws, work / "headless")
        del raws
        _say(f"GUI stalls while the offscreen window ingests {emails:,} emails")
        stall = stall_figures(emails, seed, work)
        _say(f"a stored queue of {stored:,} emails (seeded through the pipeline unless cached)")
        profile = seeded_profile(stored, seed + 1, cache)
        _say("launch, memory, sort, filter and search on the stored queue (offscreen window)")
        gui = stored_figures(profile, work)

    figures: dict[str, Any] = {
        "parse_rate": parse_rate, "loop_rate": loop.rate, "stall_max_ms": stall["stall_max_ms"],
        "stall_p99_ms": stall["stall_p99_ms"], "launch_ms": gui["launch_ms"], "rss_mb": gui["rss_mb"],
        "sort_ms": gui["sort_ms"], "filter_ms": gui["filter_ms"], "search_ms": gui["search_ms"],
        "emails": emails, "stored": stored, "seed": seed, "loop_parse_ratio": loop.rate / parse_rate,
        "loop_seconds": loop.seconds, "loop_first_review_seconds": loop.first_review_seconds,
        "loop_cpu_seconds": loop.cpu_seconds, "search_index_seconds": loop.index_seconds,
        "stall": stall, "stored_queue": gui, "machine": {"cpus": _cpus(), "python": platform.python_version(),
                                                          "platform": platform.platform()},
        "seconds": time.perf_counter() - started,
    }
    report.check(figures)
    print(report.table(figures), flush=True)
    if json_path is not None:
        report.write_json(figures, json_path)
        print(f"figures written to {json_path}")
    return figures


def compile_app() -> None:
    """Bytecode for the app's own modules, as pip leaves it for what it installs and the frozen app carries it.
    Without it, every process the benchmark starts (the flood worker, each GUI launch) would compile the sources
    again wherever Python is told not to cache bytecode (PYTHONDONTWRITEBYTECODE): a cost no installed copy
    pays. compileall writes the cache even then, and Python reads it even then."""
    for package in ("emailbot_gui", "benchmarks"):
        compileall.compile_dir(REPO / package, quiet=1)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _say(what: str) -> None:
    print(f"... {what}", flush=True)
