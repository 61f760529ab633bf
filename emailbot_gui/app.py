"""Entry point: parse the command line, then run the GUI (on Qt's event loop through qasync) or the
same triage loop headless (`emailbot run`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from emailbot_gui import APP_NAME, __version__

if TYPE_CHECKING:
    from emailbot_gui.services.runtime import Mode, Runtime


def _add_source_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", help="work the shipped demo mailbox (no account needed)")
    group.add_argument("--mail-dir", type=Path, metavar="DIR",
                       help="triage a folder of raw emails (.eml files or an mbox file)")
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="keep the database and outbox here instead of the user data folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emailbot", description=f"{APP_NAME}: triage a support mailbox.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _add_source_options(parser)
    parser.add_argument("--quit-after", type=float, metavar="SECONDS",
                        help="quit the window after this many seconds (smoke tests)")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the triage loop without a window")
    _add_source_options(run)
    run.add_argument("--once", action="store_true",
                     help="poll until the source has nothing new, process everything, print a summary, exit")
    from emailbot_gui.evaluation import add_parser as add_eval_parser

    add_eval_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from emailbot_gui.headless import run_headless

        return run_headless(args)
    if args.command == "eval":
        from emailbot_gui.evaluation import run as run_eval

        return run_eval(args)
    from emailbot_gui.gui_main import run_gui

    return run_gui(args)


def setup_logging(level: str, log_file: Path | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def resolve_mode(args: argparse.Namespace, *, default_demo: bool) -> tuple[Mode, Path | None]:
    """The mode and the data folder. Demo data never mixes with a real queue: without --data-dir the demo
    keeps its own profile in the user data folder."""
    from emailbot_gui.services.runtime import Mode

    mail_dir: Path | None = args.mail_dir
    demo = bool(args.demo) or (mail_dir is None and default_demo)
    data_dir: Path | None = args.data_dir
    if data_dir is None and demo:
        import platformdirs

        data_dir = Path(platformdirs.user_data_dir("EmailBotConsole", appauthor=False)) / "demo"
    return Mode(demo=demo, mail_dir=mail_dir.resolve() if mail_dir else None), data_dir


async def start_runtime(args: argparse.Namespace, *, default_demo: bool) -> Runtime:
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.settings import load_settings
    from emailbot_gui.services.runtime import build_runtime

    mode, data_dir = resolve_mode(args, default_demo=default_demo)
    paths = AppPaths.resolve(data_dir)
    settings = load_settings(paths.settings_file)
    setup_logging(settings.log_level, paths.log_file)
    return await build_runtime(paths, settings, mode)

