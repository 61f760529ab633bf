"""Remembering the window's geometry, splitter positions and queue columns between runs (QSettings)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings

from emailbot_gui import APP_NAME

Saver = Callable[[], QByteArray]
Restorer = Callable[[QByteArray], object]


def default_settings() -> QSettings:
    """The operator's own settings file (an INI file in the platform's config folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "EmailBot", APP_NAME)


class WindowState:
    def __init__(self, settings: QSettings, parts: dict[str, tuple[Saver, Restorer]]) -> None:
        self._settings = settings
        self._parts = parts

    def restore(self) -> None:
        for key, (_save, restore) in self._parts.items():
            value = self._settings.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)

    def save(self) -> None:
        for key, (save, _restore) in self._parts.items():
            self._settings.setValue(key, save())
        self._settings.sync()
