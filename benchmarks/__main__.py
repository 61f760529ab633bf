"""`python -m benchmarks run --emails N --stored M --json FILE`: every figure of issue 8 in one run.

The other benchmarks run as their own modules: `python -m benchmarks.classify_throughput`,
`python benchmarks/startup.py`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpus import DEFAULT_SEED


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="measure parse and loop rates, GUI stalls, and the stored-queue figures")
    run.add_argument("--emails", type=int, default=10_000, metavar="N",
                     help="emails for the parse and loop rates and for the GUI's ingest (default 10,000)")
    run.add_argument("--stored", type=int, default=100_000, metavar="M",
                     help="emails already stored for launch, memory, sort, filter and search (default 100,000)")
    run.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as one JSON object")
    run.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed (same seed, same emails)")
    run.add_argument("--cache-dir", type=Path, metavar="DIR",
                     help="keep the seeded stored-queue profile here and reuse it in later runs (seeding "
                          "100,000 emails takes minutes)")
    run.add_argument("--work-dir", type=Path, metavar="DIR",
                     help="keep the run's databases and logs here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if args.emails < 1 or args.stored < 1:
        parser.error("--emails and --stored must be at least 1")

    from benchmarks.run import run_all

    run_all(emails=args.emails, stored=args.stored, seed=args.seed, json_path=args.json, cache_dir=args.cache_dir,
            work_dir=args.work_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
