"""The proposed reply, editable, with the decision buttons under it.

The buttons show the window's QActions, so a button, its menu entry and its shortcut are one thing and
are enabled together. The editor keeps the operator's edits when the same email is shown again (a
refresh); if the console redrafted meanwhile (after an override), it offers the new draft instead of
overwriting the operator's text."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.core.types import Proposal
from emailbot_gui.ui.style import set_badge


@dataclass(frozen=True, slots=True)
class DecisionActions:
    approve: QAction
    close: QAction
    escalate: QAction
    reject: QAction


def _button(action: QAction, parent: QWidget, **properties: bool) -> QToolButton:
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setProperty("button", True)
    for name, value in properties.items():
        button.setProperty(name, value)
    # A tool button follows its action's text and enabled state, but not its visibility.
    action.changed.connect(lambda: button.setVisible(action.isVisible()))
    button.setVisible(action.isVisible())
    return button


class ReplyEditor(QWidget):
    editedChanged = Signal(bool)

    def __init__(self, actions: DecisionActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._email_id: int | None = None
        self._base = ""  # the draft as proposed; "edited" means the text differs from it
        self._pending_draft: str | None = None
        self._proposal: Proposal | None = None

        title = QLabel("Reply", self)
        title.setProperty("role", "sectionTitle")
        self.edited_badge = QLabel("edited", self)
        self.edited_badge.setObjectName("editedBadge")
        set_badge(self.edited_badge, "edited")
        self.edited_badge.hide()
        self.reset_button = QPushButton("Reset to proposal", self)
        self.reset_button.setFlat(True)
        self.reset_button.hide()
        self.reset_button.clicked.connect(lambda: self.editor.setPlainText(self._base))

        self.hint = QFrame(self)
        self.hint.setObjectName("hintBar")
        self.hint_label = QLabel(self.hint)
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.use_draft = QPushButton("Use the new draft", self.hint)
        self.use_draft.clicked.connect(self._take_pending_draft)
        hint_layout = QHBoxLayout(self.hint)
        hint_layout.setContentsMargins(8, 4, 8, 4)
        hint_layout.addWidget(self.hint_label, 1)
        hint_layout.addWidget(self.use_draft)
        self.hint.hide()

        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("replyText")
        self.editor.setPlaceholderText("No reply proposed.")
        self.editor.setTabChangesFocus(True)
        self.editor.textChanged.connect(self._text_changed)

        self.approve_button = _button(actions.approve, self, primary=True)
        self.close_button = _button(actions.close, self)
        self.escalate_button = _button(actions.escalate, self)
        self.reject_button = _button(actions.reject, self, danger=True)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.edited_badge)
        top.addStretch(1)
        top.addWidget(self.reset_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        buttons.addWidget(self.escalate_button)
        buttons.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.show_proposal(None, None, editable=False)

    def reply_text(self) -> str:
        return self.editor.toPlainText()

    def is_edited(self) -> bool:
        return self.reply_text() != self._base

    def show_proposal(self, email_id: int | None, proposal: Proposal | None, *, editable: bool) -> None:
        draft = proposal.reply_text if proposal is not None else ""
        keep = email_id == self._email_id and email_id is not None and self.is_edited() and editable
        self._pending_draft = None
        if keep and draft != self._base:
            self._pending_draft = draft
        elif not keep:
            self._base = draft
            self.editor.setPlainText(draft)
        self._email_id = email_id
        self._proposal = proposal
        self.editor.setReadOnly(not editable)
        self._show_hint()
        self._text_changed()

    def _show_hint(self) -> None:
        proposal = self._proposal
        notes: list[str] = []
        if self._pending_draft is not None:
            notes.append("The console redrafted this reply; your edits are kept.")
        if proposal is not None and proposal.no_reply_reason:
            reason = proposal.no_reply_reason.rstrip(".")
            notes.append(f"No reply needed: {reason}. (Ctrl+Shift+Enter closes it; or write a reply.)")
        if proposal is not None and proposal.escalation is not None:
            people = [p.name or p.address for p in proposal.escalation.people]
            shown = ", ".join(people[:3]) + (f" and {len(people) - 3} more" if len(people) > 3 else "")
            notes.append(f"Escalation suggested ({shown}): {proposal.escalation.topic}. Ctrl+E to review it.")
        self.hint_label.setText("\n".join(notes))
        self.use_draft.setVisible(self._pending_draft is not None)
        self.hint.setVisible(bool(notes))

    def _take_pending_draft(self) -> None:
        if self._pending_draft is not None:
            self._base = self._pending_draft
            self._pending_draft = None
            self.editor.setPlainText(self._base)
            self._show_hint()

    def _text_changed(self) -> None:
        edited = self.is_edited()
        if edited == self.edited_badge.isHidden():
            self.editedChanged.emit(edited)
        self.edited_badge.setVisible(edited)
        self.reset_button.setVisible(edited and not self.editor.isReadOnly())
