"""The console's look: Fusion with a neutral light palette, the stylesheet from resources/style, the
urgency and state colours every view shares, and the application icon."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from emailbot_gui.config.paths import resources_dir
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Urgency

log = logging.getLogger(__name__)

URGENCY_COLORS: dict[Urgency, str] = {
    Urgency.CRITICAL: "#d32f2f",
    Urgency.HIGH: "#ef6c00",
    Urgency.MEDIUM: "#1e88e5",
    Urgency.LOW: "#78909c",
}
# A faint row tint so urgent mail stands out in a long queue without shouting.
URGENCY_ROW_TINTS: dict[Urgency, str] = {
    Urgency.CRITICAL: "#fdecea",
    Urgency.HIGH: "#fff4e5",
}
STATE_COLORS: dict[EmailState, str] = {
    EmailState.FAILED: "#b42318",
    EmailState.QUARANTINED: "#6f42c1",
    EmailState.SENT: "#2e7d4f",
    EmailState.DONE: "#2e7d4f",
    EmailState.ESCALATED: "#1d4fa8",
    EmailState.REJECTED: "#6e7781",
    EmailState.OVERRIDDEN: "#8250df",
}
FLAG_COLOR = "#b42318"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def app_icon() -> QIcon:
    """The envelope-with-a-check icon; an empty icon when the resources are not shipped."""
    path = resource_path("icons", "emailbot.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()


def neutral_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#f5f6f8",
        QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f7f8fa",
        QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.Button: "#f6f8fa",
        QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.Highlight: "#2f6fdb",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#8c959f",
        QPalette.ColorRole.Link: "#1d4fa8",
        QPalette.ColorRole.Mid: "#d0d7de",
        QPalette.ColorRole.Midlight: "#e1e4e8",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a0a7ae"))
    return palette


def stylesheet() -> str:
    path = resource_path("style", "console.qss")
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("stylesheet %s not found; using the plain Fusion look", path)
        return ""


def apply_style(app: QApplication) -> None:
    """Fusion everywhere, so the console looks the same on every desktop."""
    app.setStyle("Fusion")
    app.setPalette(neutral_palette())
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(app_icon())


BADGE_COLORS: dict[str, str] = {
    **{u.name.lower(): color for u, color in URGENCY_COLORS.items()},
    "vip": "#b8860b",
    "edited": "#8250df",
    "demo": "#8250df",
    "state": "#57606a",
}


def set_badge(label: QWidget, kind: str) -> None:
    """Make a label a coloured pill: an urgency ("critical"...) or "vip", "edited", "demo", "state".

    An inline style sheet rather than a dynamic property in the .qss: re-polishing a property change is
    not reliably picked up by a widget already laid out."""
    color = BADGE_COLORS.get(kind, BADGE_COLORS["state"])
    label.setStyleSheet(f"QLabel {{ background: {color}; color: #ffffff; border-radius: 8px; "
                        "padding: 1px 8px; font-weight: 600; }")
