"""Small round status icons (ok / warning / failing / off) drawn with shapes, not font glyphs, so they
look the same on every platform and need no icon theme. Shared by the connection tests, the health view
and the status bar."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

OK = "ok"
WARNING = "warning"
FAILING = "failing"
OFF = "off"

COLORS = {OK: "#2e7d4f", WARNING: "#c27c0e", FAILING: "#b42318", OFF: "#8c959f"}
# What each status of a check or an integration is drawn as.
LOOK_OF = {"ok": OK, "warning": WARNING, "degraded": WARNING, "failing": FAILING, "skipped": OFF,
           "disabled": OFF, "unknown": OFF, "running": OFF}


def status_color(status: str) -> str:
    return COLORS[LOOK_OF.get(status.lower(), OFF)]


def status_pixmap(status: str, size: int = 16, ratio: float = 1.0) -> QPixmap:
    look = LOOK_OF.get(status.lower(), OFF)
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(COLORS[look]))
    s = float(size)
    painter.drawEllipse(QRectF(0.5, 0.5, s - 1, s - 1))
    pen = QPen(QColor("#ffffff"), max(1.5, s / 8), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    if look == OK:
        painter.drawPolyline([QPointF(s * .28, s * .52), QPointF(s * .44, s * .68), QPointF(s * .73, s * .34)])
    elif look == FAILING:
        painter.drawLine(QPointF(s * .33, s * .33), QPointF(s * .67, s * .67))
        painter.drawLine(QPointF(s * .67, s * .33), QPointF(s * .33, s * .67))
    elif look == WARNING:
        painter.drawLine(QPointF(s * .5, s * .25), QPointF(s * .5, s * .56))
        painter.drawPoint(QPointF(s * .5, s * .74))
    else:
        painter.drawLine(QPointF(s * .3, s * .5), QPointF(s * .7, s * .5))
    painter.end()
    return pixmap


@cache
def status_icon(status: str) -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32):
        icon.addPixmap(status_pixmap(status, size))
    return icon
