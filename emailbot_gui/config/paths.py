"""Where the app keeps its data. Resolved once, explicitly, in `AppPaths.resolve()` — never at import."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "EmailBotConsole"


def resources_dir() -> Path:
    """The shipped resources: next to the package in a checkout, in the bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path
    config_dir: Path

    @classmethod
    def resolve(cls, data_dir: Path | None = None) -> AppPaths:
        if data_dir is not None:
            base = data_dir.expanduser().resolve()
            paths = cls(data_dir=base, config_dir=base)
        else:
            paths = cls(data_dir=Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)),
                        config_dir=Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)))
        for folder in (paths.data_dir, paths.config_dir):
            old = os.umask(0o077)  # the database holds customer mail: private to this user
            try:
                folder.mkdir(parents=True, exist_ok=True)
            finally:
                os.umask(old)
        return paths

    @property
    def database(self) -> Path:
        return self.data_dir / "emailbot.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def model_file(self) -> Path:
        return self.data_dir / "local_model.npz"

    @property
    def templates_dir(self) -> Path:
        return self.config_dir / "templates"

    @property
    def demo_customer_db(self) -> Path:
        return self.data_dir / "demo_customers.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "emailbot.log"
