"""Cold start to a shown window: the frozen app and `python -m emailbot_gui`, median of N runs each.

    python benchmarks/startup.py                          # both, 5 runs each, under Xvfb if installed
    python benchmarks/startup.py --frozen dist/emailbot/emailbot --runs 5 --platform offscreen
    python benchmarks/startup.py --no-frozen              # only python -m emailbot_gui

Each run is a new process on the demo mailbox with a NEW data folder (first launch: database created and
migrated, model loaded, demo customers written), started with EMAILBOT_REPORT_STARTUP=1 so that the app prints
"window shown after N ms" when its main window is first exposed. The figure is measured from outside: from
just before the process is spawned to the moment that line arrives (the app's own N, counted from its process
start, is shown beside it). `--reuse-profile` measures later launches instead (data folder kept from a first run).

The window is real: on Xvfb (the xcb platform, as on a Linux desktop) when Xvfb is installed and --platform is
xcb (the default then), else Qt's offscreen platform. The page cache is warm after the first run, as on a
desktop where the app was started before; nothing here drops caches (that needs root and disturbs the machine).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHOWN = "window shown after "


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private Xvfb display for the duration; yields its DISPLAY."""
    for number in range(91, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    else:
        raise RuntimeError("no free X display number")
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def one_start(cmd: list[str], env: dict[str, str], data_dir: Path, log: Path) -> tuple[float, int]:
    """Spawn, wait for the 'window shown' line; returns (ms measured outside, ms the app reports)."""
    with log.open("ab") as errors:
        started = time.perf_counter()
        process = subprocess.Popen([*cmd, "--demo", "--data-dir", str(data_dir), "--quit-after", "1"],
                                   stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL, env=env, text=True)
        assert process.stdout is not None
        outside, inside = None, None
        for line in process.stdout:
            if line.startswith(SHOWN) and outside is None:
                outside = (time.perf_counter() - started) * 1000
                inside = int(line[len(SHOWN):].split()[0])
        code = process.wait(timeout=120)
    if outside is None or inside is None or code != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {code} without showing its window; see {log}")
    return outside, inside


def measure(label: str, cmd: list[str], env: dict[str, str], runs: int, reuse_profile: bool, work: Path) -> float:
    log = work / f"{label.replace(' ', '_')}.log"
    profile = work / f"{label}-profile"
    if reuse_profile:
        one_start(cmd, env, profile, log)  # the first launch creates it; not counted
    results = []
    for run in range(runs):
        data_dir = profile if reuse_profile else work / f"{label}-{run}"
        outside, inside = one_start(cmd, env, data_dir, log)
        results.append(outside)
        print(f"  {label} run {run + 1}: {outside:6.0f} ms to a shown window (app reports {inside} ms)")
    median = statistics.median(results)
    print(f"{label}: median {median:.0f} ms (min {min(results):.0f}, max {max(results):.0f}) over {runs} runs")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", type=Path, default=REPO / "dist" / "emailbot" / "emailbot")
    parser.add_argument("--no-frozen", action="store_true", help="only measure python -m emailbot_gui")
    parser.add_argument("--no-python", action="store_true", help="only measure the frozen app")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform", choices=("xcb", "offscreen"),
                        default="xcb" if shutil.which("Xvfb") else "offscreen")
    parser.add_argument("--reuse-profile", action="store_true", help="later launches instead of first launches")
    args = parser.parse_args(argv)

    targets = []
    if not args.no_frozen:
        if not args.frozen.is_file():
            parser.error(f"{args.frozen} not found: build it (pyinstaller --noconfirm emailbot.spec) or --no-frozen")
        targets.append(("frozen", [str(args.frozen)]))
    if not args.no_python:
        targets.append(("python -m emailbot_gui", [sys.executable, "-m", "emailbot_gui"]))

    env = {**os.environ, "EMAILBOT_REPORT_STARTUP": "1", "QT_QPA_PLATFORM": args.platform}
    env.pop("WAYLAND_DISPLAY", None)
    display = xvfb() if args.platform == "xcb" else contextlib.nullcontext("")
    with tempfile.TemporaryDirectory(prefix="emailbot-startup-") as tmp, display as shown_on:
        if shown_on:
            env["DISPLAY"] = shown_on
        where = f"Xvfb {shown_on} (xcb)" if shown_on else "the offscreen platform"
        kind = "later launches (profile reused)" if args.reuse_profile else "first launches (new data folder each)"
        print(f"cold start to a shown window on {where}, {kind}, {args.runs} runs each")
        for label, cmd in targets:
            measure(label, cmd, {**env, "PYTHONPATH": str(REPO)} if label != "frozen" else env, args.runs,
                    args.reuse_profile, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
