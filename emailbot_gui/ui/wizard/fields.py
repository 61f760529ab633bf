"""Form fields shared by the setup wizard and the Settings dialog: a line edit checked as it is typed
(the problem shown under it in words), a status line (icon and words: how a sign-in or a test went) and
notes. Secrets have their own widget (secret_field.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from emailbot_gui.ui.status_icons import status_pixmap

Validator = Callable[[str], str]  # "" when fine, else the problem in words

_INVALID_STYLE = "QLineEdit { border: 1px solid #b42318; background: #fff8f7; }"


class CheckedField(QWidget):
    """A QLineEdit with its check. The problem shows once the operator has typed in the field (or
    `reveal()` is called, e.g. when a page is left incomplete), never while the field is still pristine."""

    changed = Signal()

    def __init__(self, validator: Validator, *, placeholder: str = "", name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._validator = validator
        self._touched = False
        self.edit = QLineEdit(self)
        self.edit.setObjectName(name)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.problem = WrappedLabel("", self)
        self.problem.setObjectName(f"{name}Problem" if name else "")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(self._edited)
        self.edit.textChanged.connect(self._text_changed)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def error(self) -> str:
        return self._validator(self.edit.text()) if self.isEnabled() else ""

    def reveal(self) -> None:
        self._touched = True
        self._update()

    def recheck(self) -> None:
        """Show the problem again after something the check depends on changed elsewhere."""
        self._update()

    def _edited(self) -> None:
        self._touched = True
        self._update()

    def _text_changed(self) -> None:
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        problem = self.error() if self._touched else ""
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.edit.setStyleSheet(_INVALID_STYLE if problem else "")
        self.edit.setToolTip(problem)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange:  # a disabled field has no problem to show
            self._update()


class WrappedLabel(QLabel):
    """A word-wrapped label whose height follows its actual width. Qt sizes a wrapped label for a narrow
    guess, which leaves tall gaps around it in form layouts."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        # Exactly as tall as its text needs at its width: never stretched by a layout with room to spare.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._width = 0

    def hasHeightForWidth(self) -> bool:
        # The layouts then size it by sizeHint(), computed for the width it really has; Qt's height-for-width
        # pass through form layouts and scroll areas leaves rows squeezed or padded.
        return False

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._width > 0:
            return QSize(hint.width(), self.heightForWidth(self._width))
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self._width > 0:
            return QSize(hint.width(), self.heightForWidth(self._width))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != self._width:
            self._width = event.size().width()
            self.updateGeometry()


class StatusLine(QWidget):
    """A status icon ("ok", "failing", "skipped"...; none while "running") beside wrapped words."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent)
        self.icon = QLabel(self)
        self.label = WrappedLabel("", self)
        self.label.setObjectName(name)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)

    def show_status(self, status: str, text: str) -> None:
        self.icon.setPixmap(status_pixmap(status, 16, self.devicePixelRatioF()))
        self.icon.setVisible(status != "running")
        self.label.setText(text)

    def clear(self) -> None:
        self.label.clear()
        self.icon.hide()


def note(text: str, parent: QWidget | None = None, *, role: str = "muted", name: str = "") -> QLabel:
    """A wrapped explanatory paragraph; links open in the browser."""
    label = WrappedLabel(text, parent)
    label.setWordWrap(True)
    label.setProperty("role", role)
    label.setTextFormat(Qt.TextFormat.RichText if "<" in text else Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    if name:
        label.setObjectName(name)
    return label
