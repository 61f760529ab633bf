"""Saving an attachment: ask where (a save dialog suggesting the attachment's safe name), then let the console
fetch it and write it there. The file is never opened or run. The dialog opens with `open()`, never
`exec()`, so no nested event loop runs inside the console's asyncio loop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from emailbot_gui.services.attachments import SavedAttachment
from emailbot_gui.store.views import EmailDetail
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.dialogs import failure_box, open_dialog
from emailbot_gui.ui.formatting import format_size

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole


def default_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return Path(found) if found else Path.home()


class AttachmentSaver(QObject):
    saved = Signal(str)  # what was saved where, for the status bar

    def __init__(self, console: TriageConsole, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._console = console
        self._runner = runner
        self._window = parent
        self._folder: Path | None = None  # where the operator saved last
        self.dialog: QFileDialog | None = None

    def save(self, detail: EmailDetail, index: int) -> None:
        email = detail.email
        if not 0 <= index < len(email.attachments):
            return
        name = self._console.attachment_file_name(email, index)
        folder = self._folder or default_folder()
        dialog = QFileDialog(self._window, f"Save {name}", str(folder / name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self._write(detail.id, index, Path(path)))
        self.dialog = dialog
        dialog.open()

    def _write(self, email_id: int, index: int, path: Path) -> None:
        self._folder = path.parent
        what = f"Saving {path.name}"
        self._runner.run(self._console.save_attachment(email_id, index, path), self._done,
                         lambda exc: self._failed(what, exc), what=what, operation=True)

    def _done(self, saved: SavedAttachment) -> None:
        self.saved.emit(f"Saved {saved.path.name} ({format_size(saved.size)}) to {saved.path.parent}.")

    def _failed(self, what: str, exc: BaseException) -> None:
        self._runner.report(what, exc)
        open_dialog(failure_box(self._window, what, describe_error(exc)))
