"""Showing an email's body without letting the email do anything.

HTML is sanitized (`mail.sanitize`) and then rendered by a QTextBrowser whose document refuses every
resource: remote, local file, relative or UNC. Overriding QTextBrowser.loadResource alone is not enough:
QTextDocument falls back to reading local files itself, and Qt's image handler, given no image, calls
QImage.load(src) on the raw name (a UNC path there means an SMB request on Windows). So the document's
own loadResource is overridden and answers every image with a blank one-pixel image.
Links open in the browser only when the operator clicks them (the window confirms).
Large bodies are sanitized in a worker thread so the window never freezes.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QColor, QFontDatabase, QImage, QTextDocument
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from emailbot_gui.core.types import Email
from emailbot_gui.mail.sanitize import html_to_text, sanitize_html
from emailbot_gui.ui.async_call import TaskRunner

LARGE_BODY_BYTES = 200 * 1024  # above this, sanitizing happens off the GUI thread
MAX_DISPLAY_CHARS = 500_000  # QTextDocument lays out everything at once; beyond this it stalls
_IMAGE_RESOURCE = QTextDocument.ResourceType.ImageResource.value  # arrives as a plain int
_URL = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"']+", re.IGNORECASE)


def plain_text_html(text: str) -> str:
    """Escaped plain text in a pre-wrapped monospace block, with web and mail links made clickable."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        parts.append(html.escape(text[last:match.start()]))
        parts.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        last = match.start() + len(url)
    parts.append(html.escape(text[last:]))
    return f'<pre style="white-space: pre-wrap;">{"".join(parts)}</pre>'


class InertDocument(QTextDocument):
    """A document that loads no resource at all, and remembers what the email asked for."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.refused: list[QUrl] = []
        self._blank = QImage(1, 1, QImage.Format.Format_ARGB32)
        self._blank.fill(QColor(0, 0, 0, 0))

    def loadResource(self, kind: int, name: QUrl) -> Any:
        if len(self.refused) < 1000:
            self.refused.append(QUrl(name))
        # A null answer for an image would make Qt load the name from disk itself.
        return self._blank if int(kind) == _IMAGE_RESOURCE else None


class MessageView(QTextBrowser):
    """Read-only body view: sanitized HTML or escaped plain text, no resource ever fetched."""

    linkClicked = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBody")
        self.inert = InertDocument(self)
        self.setDocument(self.inert)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self.anchorClicked.connect(self.linkClicked)
        self._body_font = self.font()
        self._mono_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.inert.setDefaultStyleSheet(f"pre {{ font-family: '{self._mono_font.family()}', monospace; }}")

    def loadResource(self, kind: int, name: QUrl) -> Any:
        return self.inert.loadResource(kind, name)

    @property
    def refused_resources(self) -> list[QUrl]:
        return self.inert.refused

    def show_html(self, sanitized: str) -> None:
        self.inert.refused.clear()
        self.setFont(self._body_font)
        self.setHtml(sanitized)

    def show_text(self, text: str) -> None:
        self.inert.refused.clear()
        if len(text) > 100_000:  # skip the HTML parser for very long text
            self.setFont(self._mono_font)
            self.setPlainText(text)
        else:
            self.setFont(self._body_font)
            self.setHtml(plain_text_html(text))


class BlockedContentBar(QFrame):
    """The yellow bar that says what sanitizing took out of the message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("infoBar")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        self.hide()

    def show_notes(self, notes: list[str]) -> None:
        self.label.setText(" · ".join(notes))
        self.setVisible(bool(notes))


class MessageBody(QWidget):
    """The body area: the blocked-content bar over the view; picks HTML or text and keeps big
    messages off the GUI thread."""

    linkClicked = Signal(QUrl)
    linkHovered = Signal(str)

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner if runner is not None else TaskRunner(self)
        self._task_name = f"message-body:{id(self)}"
        self.bar = BlockedContentBar(self)
        self.view = MessageView(self)
        self.view.linkClicked.connect(self.linkClicked)
        self.view.highlighted.connect(lambda url: self.linkHovered.emit(url.toString()))
        self._email: Email | None = None
        self._task: asyncio.Task[tuple[str, bool, list[str]]] | None = None
        self.prefer_text = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)

    def show_email(self, email: Email) -> None:
        self._email = email
        self._runner.cancel(self._task_name)
        use_html = bool(email.body_html.strip()) and not self.prefer_text
        source = email.body_html if use_html else (email.body_text or "")
        if len(source.encode("utf-8", "surrogatepass")) <= LARGE_BODY_BYTES:
            self._show(*self._render(email, use_html))
            return
        self.bar.show_notes([])
        self.view.show_text("Loading the message…")
        self._task = self._runner.run(asyncio.to_thread(self._render, email, use_html), lambda r: self._show(*r),
                                      name=self._task_name, what="Preparing the message for display")

    @property
    def busy(self) -> bool:
        """True while a big body is being prepared in the background."""
        return self._task is not None and not self._task.done()

    def set_prefer_text(self, prefer: bool) -> None:
        self.prefer_text = prefer
        if self._email is not None:
            self.show_email(self._email)

    def show_placeholder(self, text: str) -> None:
        self._email = None
        self._runner.cancel(self._task_name)
        self.bar.show_notes([])
        self.view.show_text(text)

    @staticmethod
    def _render(email: Email, use_html: bool) -> tuple[str, bool, list[str]]:
        """(content, is_html, notes); pure, so it can run in a worker thread."""
        notes: list[str] = []
        if use_html:
            result = sanitize_html(email.body_html)
            blocked, removed = result.blocked_remote, result.removed_elements
            if blocked:
                notes.append(f"{blocked} remote image{'s' if blocked != 1 else ''} blocked")
            if removed:
                notes.append(f"{removed} unsafe element{'s' if removed != 1 else ''} removed")
            if len(result.html) <= MAX_DISPLAY_CHARS:
                return result.html, True, notes
            text = html_to_text(result.html)
        else:
            text = email.body_text or html_to_text(email.body_html)
        if len(text) > MAX_DISPLAY_CHARS:
            notes.append(f"Shown shortened: the first {MAX_DISPLAY_CHARS // 1000:,} thousand characters "
                         f"of {len(text) // 1000:,} thousand")
            text = text[:MAX_DISPLAY_CHARS]
        if not text.strip():
            text = "(This email has no text.)"
        return text, False, notes

    def _show(self, content: str, is_html: bool, notes: list[str]) -> None:
        self.bar.show_notes(notes)
        if is_html:
            self.view.show_html(content)
        else:
            self.view.show_text(content)
