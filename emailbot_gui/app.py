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
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.settings import Settings
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
    from emailbot_gui.config_cli import add_parser as add_config_parser
    from emailbot_gui.doctor import add_parser as add_doctor_parser

    add_doctor_parser(sub)
    add_config_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from emailbot_gui.headless import run_headless

        return run_headless(args)
    if args.command == "eval":
        from emailbot_gui.evaluation import run as run_eval

        return run_eval(args)
    if args.command == "doctor":
        from emailbot_gui.doctor import run as run_doctor

        return run_doctor(args)
    if args.command == "config":
        from emailbot_gui.config_cli import run as run_config

        return run_config(args)
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


def resolve_mode(args: argparse.Namespace, *, default_demo: bool, settings: Settings | None = None
                 ) -> tuple[Mode, Path | None]:
    """The mode and the data folder. Demo data never mixes with a real queue: without --data-dir the demo
    keeps its own profile in the user data folder. `settings`: the profile's settings, if already read."""
    from emailbot_gui.services.runtime import Mode

    mail_dir: Path | None = args.mail_dir
    data_dir: Path | None = args.data_dir
    if not args.demo and mail_dir is None:
        configured = settings.mail_source if settings is not None else configured_mail_source(data_dir)
        if configured != "demo":  # e.g. "m365", set up by the wizard or `emailbot config import`
            return Mode(mail_source=configured), data_dir
    demo = bool(args.demo) or (mail_dir is None and default_demo)
    if data_dir is None and demo:
        import platformdirs

        data_dir = Path(platformdirs.user_data_dir("EmailBotConsole", appauthor=False)) / "demo"
    return Mode(demo=demo, mail_dir=mail_dir.resolve() if mail_dir else None), data_dir


def resolve_paths(args: argparse.Namespace, *, default_demo: bool, settings: Settings | None = None
                  ) -> tuple[Mode, AppPaths]:
    """The mode and where its data and settings live. The demo keeps its own data (queue, outbox) but not its
    own settings: there is one settings file per user, so a change made while trying the demo (say, switching to
    Microsoft 365 in the Settings dialog) is the one the next start reads."""
    from dataclasses import replace

    from emailbot_gui.config.paths import AppPaths

    mode, data_dir = resolve_mode(args, default_demo=default_demo, settings=settings)
    paths = AppPaths.resolve(data_dir)
    if args.data_dir is None and mode.demo:
        paths = replace(paths, config_dir=AppPaths.resolve(None).config_dir)
    return mode, paths


def configured_mail_source(data_dir: Path | None) -> str:
    """The mail source the settings of the (non-demo) profile name; raises SettingsError when invalid."""
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.settings import load_settings

    return load_settings(AppPaths.resolve(data_dir).settings_file).mail_source


async def start_runtime(args: argparse.Namespace, *, default_demo: bool) -> Runtime:
    import asyncio

    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.secrets import open_secret_store_or_env
    from emailbot_gui.config.settings import load_settings
    from emailbot_gui.services.runtime import build_runtime

    # Read once: the file the mode is decided from is the one the runtime uses (the demo shares the settings).
    settings_file = AppPaths.resolve(args.data_dir).settings_file
    settings = load_settings(settings_file)
    mode, paths = resolve_paths(args, default_demo=default_demo, settings=settings)
    if paths.settings_file != settings_file:
        settings = load_settings(paths.settings_file)
    setup_logging(settings.log_level, paths.log_file)
    secrets, keyring_problem = await asyncio.to_thread(open_secret_store_or_env)  # probing the keyring blocks
    if keyring_problem:
        logging.getLogger(__name__).warning("%s", keyring_problem)
    return await build_runtime(paths, settings, mode, secrets=secrets)

