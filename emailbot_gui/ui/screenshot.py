"""Saving a picture of a window (docs/screenshot.png), offscreen or not."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget


def grab_window_png(window: QWidget, path: str | Path) -> Path:
    """Render `window` as it looks now into a PNG at `path`; raises OSError if it cannot be written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # let pending layouts and repaints land before grabbing
    if not window.grab().save(str(target), "PNG"):
        raise OSError(f"could not write the screenshot to {target}")
    return target
