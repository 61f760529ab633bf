"""`emailbot run`: the triage loop on a plain asyncio loop, no window."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from emailbot_gui.core.categories import category_label
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Urgency


def run_headless(args: argparse.Namespace) -> int:
    from emailbot_gui.config.settings import SettingsError
    from emailbot_gui.store.db import StoreError
    from emailbot_gui.store.instance_lock import AlreadyRunning

    if not args.demo and args.mail_dir is None:
        from emailbot_gui.app import configured_mail_source

        try:
            configured = configured_mail_source(args.data_dir)
        except SettingsError as exc:
            print(f"emailbot: {exc}", file=sys.stderr)
            return 2
        if configured == "demo":
            print("emailbot run: choose a mail source: --demo or --mail-dir DIR, or set one up (the setup wizard, "
                  "or `emailbot config import FILE.env`)", file=sys.stderr)
            return 2
    if args.mail_dir is not None and not args.mail_dir.exists():
        print(f"emailbot run: {args.mail_dir} does not exist", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args))
    except (StoreError, SettingsError, AlreadyRunning) as exc:
        print(f"emailbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace) -> int:
    from emailbot_gui.app import start_runtime

    runtime = await start_runtime(args, default_demo=False)
    try:
        await runtime.console.deliver_pending()  # finish what a previous run approved
        if args.once:
            report, stats = await runtime.loop.run_until_exhausted()
            print(f"Source: {runtime.mode.label}")
            print(f"Fetched {report.fetched} new email(s) in {report.polls} poll(s); "
                  f"{report.quarantined} quarantined (unreadable, kept with the reason); "
                  f"{report.duplicates} skipped as already in the queue (same source id, or same "
                  f"Message-ID, sender and subject).")
            print(f"This run: classified {stats.classified}, enriched {stats.enriched}, "
                  f"proposed {stats.proposed}, failed {stats.failed}.")
            await print_summary(runtime)
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                loop.add_signal_handler(sig, stop.set)
        await runtime.loop.run_forever(stop)
        return 0
    finally:
        await runtime.close()


async def print_summary(runtime: object) -> None:
    store = runtime.store  # type: ignore[attr-defined]
    states = await store.counts()
    categories = await store.counts_by("category")
    urgencies = await store.counts_by("urgency")
    total = sum(states.values())
    print(f"\nQueue: {total} email(s) in {runtime.paths.database}")  # type: ignore[attr-defined]
    _table("State", [(s.label, states[s]) for s in EmailState if states.get(s)])
    _table("Category", sorted(((category_label(k) if k else "(none)", n) for k, n in categories.items()),
                              key=lambda kv: -kv[1]))
    _table("Urgency", [(Urgency(int(k)).label if k else "(none)", n)
                       for k, n in sorted(urgencies.items(), key=lambda kv: -int(kv[0] or 0))])


def _table(title: str, rows: list[tuple[str, int]]) -> None:
    width = max([len(title)] + [len(k) for k, _ in rows])
    print(f"\n{title:<{width}}  count")
    for key, n in rows:
        print(f"{key:<{width}}  {n:>5}")
    if not rows:
        print("(none)")


