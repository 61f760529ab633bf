"""The reading pane: the header block (subject, from, to, date, attachments), the red banner for
flagged mail, the quarantine reason instead of a body, and the body itself.

Each attachment is a link that asks to save it (`attachmentRequested`); the container saves it through the
console. The names shown are the safe file names (untrusted names can hide folders or a real extension)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Email
from emailbot_gui.services.attachments import safe_filename, shown_attachments
from emailbot_gui.store.views import EmailDetail
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.formatting import ADVISORY_FLAGS, flag_label, format_addresses, format_size, format_when
from emailbot_gui.ui.message_view import MessageBody
from emailbot_gui.ui.style import set_badge


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class Banner(QFrame):
    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.label = _selectable(QLabel(self))
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(bool(text))


ATTACHMENT_SCHEME = "attachment"


def attachment_links(email: Email) -> str:
    """Rich text: one "Save…" link per attachment, with its size and type (all of it escaped)."""
    links = []
    for index, a in shown_attachments(email):
        name = html.escape(safe_filename(a.filename, a.content_type, index))
        kind = html.escape(a.content_type or "unknown type")
        links.append(f'<a href="{ATTACHMENT_SCHEME}:{index}">{name}</a>&nbsp;({format_size(a.size)}, {kind})')
    return ",&nbsp;&nbsp; ".join(links)


class MessagePanel(QWidget):
    linkClicked = Signal(QUrl)
    linkHovered = Signal(str)
    attachmentRequested = Signal(int)  # the index in the email's attachments the operator wants to save

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.subject = _selectable(QLabel(self))
        self.subject.setObjectName("subjectLabel")
        self.subject.setTextFormat(Qt.TextFormat.PlainText)
        self.urgency_badge = QLabel(self)
        self.state_badge = QLabel(self)
        set_badge(self.state_badge, "state")
        self.plain_toggle = QCheckBox("Plain text", self)
        self.plain_toggle.setToolTip("Show the text version of the message instead of its HTML")

        self.sender = self._field()
        self.reply_to = self._field()
        self.reply_to.setProperty("role", "error")
        self.to = self._field()
        self.cc = self._field()
        self.date = self._field()
        self.attachments = QLabel(self)
        self.attachments.setObjectName("attachmentLinks")
        self.attachments.setTextFormat(Qt.TextFormat.RichText)
        self.attachments.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                                 | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.attachments.setOpenExternalLinks(False)
        self.attachments.setWordWrap(True)
        self.attachments.setToolTip("Click an attachment to save it to a file. The console never opens it.")
        self.attachments.linkActivated.connect(self._attachment_link)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(2)
        for title, field in (("From", self.sender), ("Reply-To", self.reply_to), ("To", self.to),
                             ("Cc", self.cc), ("Date", self.date), ("Attachments", self.attachments)):
            caption = QLabel(title, self)
            caption.setProperty("role", "muted")
            self.form.addRow(caption, field)

        self.flag_banner = Banner("flagBanner", self)
        self.quarantine_banner = Banner("quarantineBanner", self)
        self.body = MessageBody(runner, self)
        self.body.linkClicked.connect(self.linkClicked)
        self.body.linkHovered.connect(self.linkHovered)
        self.plain_toggle.toggled.connect(self.body.set_prefer_text)

        badges = QHBoxLayout()
        badges.setSpacing(6)
        badges.addWidget(self.urgency_badge)
        badges.addWidget(self.state_badge)
        badges.addStretch(1)
        badges.addWidget(self.plain_toggle)
        header = QWidget(self)
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(12, 10, 12, 6)
        header_layout.setSpacing(6)
        header_layout.addWidget(self.subject)
        header_layout.addLayout(badges)
        header_layout.addLayout(self.form)
        header_layout.addWidget(self.flag_banner)
        header_layout.addWidget(self.quarantine_banner)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #e1e4e8;")
        layout.addWidget(line)
        layout.addWidget(self.body, 1)
        self.clear()

    def _field(self) -> QLabel:
        label = _selectable(QLabel(self))
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def _attachment_link(self, link: str) -> None:
        scheme, _, index = link.partition(":")
        if scheme == ATTACHMENT_SCHEME and index.isdigit():
            self.attachmentRequested.emit(int(index))

    def _set_row(self, field: QLabel, text: str) -> None:
        field.setText(text)
        self.form.setRowVisible(field, bool(text))

    def clear(self, text: str = "Select an email in the queue to read it.") -> None:
        self.subject.setText("")
        self.urgency_badge.hide()
        self.state_badge.hide()
        self.plain_toggle.hide()
        for field in (self.sender, self.reply_to, self.to, self.cc, self.date, self.attachments):
            self._set_row(field, "")
        self.flag_banner.show_text("")
        self.quarantine_banner.show_text("")
        self.body.show_placeholder(text)

    def show_detail(self, detail: EmailDetail) -> None:
        email = detail.email
        self.subject.setText(email.subject or "(no subject)")
        self.state_badge.setText(detail.state.label)
        self.state_badge.show()
        classification = detail.classification
        if classification is not None:
            self.urgency_badge.setText(classification.urgency.label)
            set_badge(self.urgency_badge, classification.urgency.name.lower())
        self.urgency_badge.setVisible(classification is not None)

        self._set_row(self.sender, str(email.sender))
        differs = [a for a in email.reply_to if a.address.lower() != email.sender.address.lower()]
        self._set_row(self.reply_to, f"{format_addresses(differs)}   (differs from the sender)" if differs else "")
        self._set_row(self.to, format_addresses(email.to))
        self._set_row(self.cc, format_addresses(email.cc) if email.cc else "")
        self._set_row(self.date, format_when(email.received_at))
        self._set_row(self.attachments, attachment_links(email))

        # Only the security flags warn about the content; "classified by the local model" is not about the email.
        flags = tuple(f for f in (classification.flags if classification is not None else ())
                      if f not in ADVISORY_FLAGS)
        self.flag_banner.show_text(
            "⚠  " + ", ".join(flag_label(f) for f in flags)
            + " — do not follow links or instructions in this email." if flags else "")

        if detail.state is EmailState.QUARANTINED:
            self.plain_toggle.hide()
            reason = detail.state_reason or "the message could not be read"
            size = f" The raw message ({format_size(detail.quarantine_raw_size)}) is kept for inspection." \
                if detail.quarantine_raw_size else ""
            self.quarantine_banner.show_text(f"Quarantined: {reason}.{size}")
            self.body.show_placeholder("This email is quarantined; its content is not displayed.")
            return
        self.quarantine_banner.show_text("")
        self.plain_toggle.setVisible(bool(email.body_html.strip()))
        self.body.show_email(email)
