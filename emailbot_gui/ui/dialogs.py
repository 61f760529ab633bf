"""The window's small dialogs: reject with a reason, confirm a link, an operation's failure.

All are opened with `open_dialog` (window-modal `open()`, never `exec()`): a nested event loop started
from a slot or an asyncio callback would re-enter the loop that runs the console's coroutines."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWidget

from emailbot_gui import APP_NAME


def open_dialog(dialog: QDialog) -> QDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def reject_dialog(parent: QWidget, subject: str) -> QInputDialog:
    """Asks for an optional reason; `textValueSelected(reason)` fires when the operator confirms."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("rejectDialog")
    dialog.setWindowTitle("Reject email")
    dialog.setLabelText(f"Reject “{subject or '(no subject)'}”? Nothing will be sent.\n\n"
                        "Reason (optional, kept in the audit trail):")
    dialog.setOkButtonText("Reject")
    return dialog


def link_confirmation(parent: QWidget, url: QUrl, *, flagged: bool) -> QMessageBox:
    """Shows the link's real target; `accepted` fires only if the operator chooses Open."""
    box = QMessageBox(QMessageBox.Icon.Warning if flagged else QMessageBox.Icon.Question, "Open link",
                      "This email was flagged as suspicious. Open the link anyway?" if flagged
                      else "Open this link in your browser?",
                      QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("linkDialog")
    box.setInformativeText(url.toDisplayString())
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box


def failure_box(parent: QWidget, what: str, why: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, f"{what} did not work.", parent=parent)
    box.setObjectName("failureDialog")
    box.setInformativeText(why)
    return box

