"""The app's non-secret settings: defaults, then the settings file, then EMAILBOT_* environment variables
(later wins). Invalid values raise SettingsError naming the field and the source it came from."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    polling_interval_minutes: float = 5.0
    batch_size: int = 20
    max_retries: int = 3
    request_timeout: float = 30.0
    log_level: str = "INFO"
    database_url: str = ""  # empty: SQLite in the data folder
    classify_concurrency: int = 2
    enrich_concurrency: int = 8
    demo_poll_seconds: float = 8.0
    operator_name: str = ""  # empty: the OS user name
    escalation_people: dict[str, list[str]] = field(default_factory=dict)  # category -> addresses

    def validate(self) -> Settings:
        _require(self.polling_interval_minutes > 0, "polling_interval_minutes", "must be greater than 0")
        _require(1 <= self.batch_size <= 1000, "batch_size", "must be between 1 and 1000")
        _require(0 <= self.max_retries <= 100, "max_retries", "must be between 0 and 100")
        _require(self.request_timeout > 0, "request_timeout", "must be greater than 0")
        _require(self.log_level in LOG_LEVELS, "log_level", f"must be one of {', '.join(LOG_LEVELS)}")
        _require(1 <= self.classify_concurrency <= 64, "classify_concurrency", "must be between 1 and 64")
        _require(1 <= self.enrich_concurrency <= 256, "enrich_concurrency", "must be between 1 and 256")
        _require(self.demo_poll_seconds > 0, "demo_poll_seconds", "must be greater than 0")
        return self


def _require(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise SettingsError(f"setting '{name}' {why}")


# The environment names follow the original design's template (EMAILBOT_<FIELD>).
ENV_PREFIX = "EMAILBOT_"
ENV_FIELDS = ("polling_interval_minutes", "batch_size", "max_retries", "request_timeout", "log_level",
              "database_url", "classify_concurrency", "enrich_concurrency", "demo_poll_seconds",
              "operator_name")


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "str":
            text = str(value)
            return text.upper() if name == "log_level" else text
        if isinstance(value, dict):
            return {str(k): [str(x) for x in v] for k, v in value.items()}
        raise ValueError
    except (TypeError, ValueError):
        raise SettingsError(f"setting '{name}' from {origin} has an invalid value {value!r} "
                            f"(expected {kind.split('[')[0]})") from None


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}
    if path is not None and path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(f"the settings file {path} cannot be read: {exc}") from None
        if not isinstance(data, dict):
            raise SettingsError(f"the settings file {path} must hold a JSON object")
        for name, value in data.items():
            if name not in known:
                log.warning("ignoring unknown setting %r in %s", name, path)
                continue
            values[name] = _coerce(name, value, str(path))
    for name in ENV_FIELDS:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = _coerce(name, environ[env_name], f"environment variable {env_name}")
    return replace(Settings(), **values).validate()
