"""Attachments in the reading pane are "Save…" links: the operator picks a file (the save dialog suggests the
safe name), the console fetches the bytes from the mail source and writes them, nothing is opened. And an
escalation's Teams chat opens from the outbox and the audit trail — only for https:// links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from emailbot_gui.services.events import EventHub
from emailbot_gui.store.views import AuditEntry, OutboxItem
from emailbot_gui.ui import attachment_saver
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.audit_view import AuditWindow
from emailbot_gui.ui.bridge import EventBridge
from emailbot_gui.ui.outbox_view import OutboxWindow
from tests.conftest import run_in_qt
from tests.test_attachments import PDF, message

CHAT = "https://teams.microsoft.com/l/chat/19:abc@thread.v2/0?tenantId=contoso-tenant"


class FakeFileDialog(QObject):
    """Stands in for QFileDialog: remembers what it was asked, then "the operator" picks `choice`."""

    fileSelected = Signal(str)
    AcceptMode = attachment_saver.QFileDialog.AcceptMode
    FileMode = attachment_saver.QFileDialog.FileMode
    opened: ClassVar[list[FakeFileDialog]] = []
    choice: Path | None = None

    def __init__(self, parent: Any, caption: str, directory: str) -> None:
        super().__init__(parent)
        self.caption, self.directory = caption, directory
        self.modes: list[Any] = []

    def setAcceptMode(self, mode: Any) -> None:
        self.modes.append(mode)

    def setFileMode(self, mode: Any) -> None:
        self.modes.append(mode)

    def setAttribute(self, *_: Any) -> None:
        pass

    def open(self) -> None:
        FakeFileDialog.opened.append(self)
        if FakeFileDialog.choice is not None:
            QTimer.singleShot(0, lambda: self.fileSelected.emit(str(FakeFileDialog.choice)))


@pytest.fixture
def file_dialog(monkeypatch):
    FakeFileDialog.opened, FakeFileDialog.choice = [], None
    monkeypatch.setattr(attachment_saver, "QFileDialog", FakeFileDialog)
    return FakeFileDialog


@pytest.fixture
def folder_window(qtbot, aloop, tmp_path, ui_settings, styled_app):
    """The main window over a real console reading a mail folder with one email carrying attachments."""
    from emailbot_gui.config.paths import AppPaths
    from emailbot_gui.config.settings import Settings
    from emailbot_gui.services.runtime import Mode, build_runtime
    from emailbot_gui.ui.main_window import MainWindow

    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "invoice.eml").write_bytes(message("..\\..\\Windows\\report.pdf"))
    runtime = run_in_qt(aloop, qtbot, build_runtime(AppPaths.resolve(tmp_path / "data"),
                                                    Settings(operator_name="Tester"), Mode(mail_dir=mail),
                                                    start_health=False))
    run_in_qt(aloop, qtbot, runtime.loop.run_until_exhausted())
    opened: list[QUrl] = []
    w = MainWindow(runtime.console, settings=ui_settings, open_url=opened.append)
    w.opened_urls, w.mail = opened, mail
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.shown_email() is not None)
    yield w
    w.close()
    run_in_qt(aloop, qtbot, runtime.close())


def test_save_an_attachment_from_the_reading_pane(qtbot, folder_window, file_dialog, tmp_path) -> None:
    w = folder_window
    links = w.detail.message_panel.attachments
    assert links.isVisible()
    text = links.text()
    assert 'href="attachment:1">report.pdf</a>' in text and "application/pdf" in text
    assert "Windows" not in text and "logo" not in text  # no path from the sender; inline images are the body's
    target = tmp_path / "saved" / "invoice.pdf"
    target.parent.mkdir()
    file_dialog.choice = target

    links.linkActivated.emit("attachment:1")  # the operator clicks "report.pdf"
    qtbot.waitUntil(target.exists)
    [dialog] = file_dialog.opened
    assert Path(dialog.directory).name == "report.pdf"  # the safe name is suggested
    assert dialog.modes == [FakeFileDialog.AcceptMode.AcceptSave, FakeFileDialog.FileMode.AnyFile]
    assert target.read_bytes() == PDF
    qtbot.waitUntil(lambda: "Saved invoice.pdf" in w.status.currentMessage())
    assert w.opened_urls == []  # saved, never opened


def test_a_cancelled_save_writes_nothing_and_a_failed_one_says_why(qtbot, folder_window, file_dialog,
                                                                   tmp_path) -> None:
    w = folder_window
    links = w.detail.message_panel.attachments
    links.linkActivated.emit("attachment:1")  # the operator cancels the dialog: no file chosen
    assert len(file_dialog.opened) == 1 and not list(tmp_path.glob("**/*.pdf"))

    (w.mail / "invoice.eml").unlink()  # the message is gone from the folder
    file_dialog.choice = tmp_path / "gone.pdf"
    links.linkActivated.emit("attachment:1")

    def failure() -> QMessageBox | None:
        found = [b for b in QApplication.topLevelWidgets()
                 if isinstance(b, QMessageBox) and b.objectName() == "failureDialog" and b.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: failure() is not None)
    assert "no longer in the mail folder" in failure().informativeText()
    assert not (tmp_path / "gone.pdf").exists()
    failure().close()


# ---- "Open chat" from the outbox and the audit trail -----------------------------------------------------

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def escalation(item_id: int, link: str, status: str = "delivered") -> OutboxItem:
    return OutboxItem(item_id, 4, "escalation", f"escalation:{item_id}", status,
                      {"people": [["nina@contoso.test", "Nina"]], "topic": "Printer down", "message": "m"},
                      NOW, NOW if status == "delivered" else None, external_id="19:abc@thread.v2", link=link)


@dataclass
class RecordsConsole:
    items: list[OutboxItem]
    entries: list[AuditEntry] = field(default_factory=list)
    events: EventHub = field(default_factory=EventHub)

    async def outbox(self, limit: int = 500) -> list[OutboxItem]:
        return list(self.items)

    async def audit(self, email_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
        return list(self.entries)


def show(qtbot, window):
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    return window


def test_open_chat_from_the_outbox_only_for_https_links(qtbot, aloop) -> None:
    console = RecordsConsole([escalation(1, CHAT), escalation(2, "javascript:alert(1)"),
                              escalation(3, "http://teams.example/chat"), escalation(4, "", status="pending")])
    opened: list[QUrl] = []
    runner = TaskRunner()
    window = show(qtbot, OutboxWindow(console, runner, EventBridge(console.events), open_url=opened.append))
    assert window.open_button.isVisible() and not window.open_button.isEnabled()  # nothing selected yet

    window.table.selectRow(0)
    assert window.open_button.text() == "Open chat" and window.open_button.isEnabled()
    window.open_button.click()
    assert [u.toString() for u in opened] == [CHAT]

    for row in (1, 2, 3):  # javascript:, plain http and an undelivered item open nothing
        window.table.selectRow(row)
        assert not window.open_button.isEnabled()
        window.open_selected_link()
    assert len(opened) == 1


def test_open_chat_from_the_audit_trail(qtbot, aloop) -> None:
    entry = AuditEntry(9, NOW, "system", "escalated", 4, "approved", "escalated",
                       {"outbox_id": 1, "external_id": "19:abc@thread.v2", "link": CHAT})
    sent = AuditEntry(8, NOW, "system", "sent", 3, "approved", "sent", {"external_id": "AAk1", "link": ""})
    console = RecordsConsole([], [entry, sent])
    opened: list[QUrl] = []
    runner = TaskRunner()
    window = show(qtbot, AuditWindow(console, runner, EventBridge(console.events), open_url=opened.append))
    window.table.selectRow(0)
    assert window.open_button.text() == "Open chat"
    window.open_button.click()
    assert [u.toString() for u in opened] == [CHAT]
    window.table.selectRow(1)
    assert not window.open_button.isEnabled()
