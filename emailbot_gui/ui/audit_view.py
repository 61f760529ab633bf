"""The audit trail window: who did what to which email, and when (`console.audit`). An escalation's entry
carries the Teams chat's id and link: "Open chat" opens it in the browser."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QWidget

from emailbot_gui.store.views import AuditEntry
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.bridge import EventBridge
from emailbot_gui.ui.formatting import format_when
from emailbot_gui.ui.record_table import ColumnSpec, RecordsWindow

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole


def _transition(entry: AuditEntry) -> str:
    if entry.before and entry.after and entry.before != entry.after:
        return f"{entry.before} → {entry.after}"
    return entry.after or entry.before


_LONG_DETAILS = frozenset({"previous"})  # what an override replaced: in the entry's own view, not the table


def _details(entry: AuditEntry) -> str:
    return "; ".join(f"{k}: {v}" for k, v in entry.details.items() if k not in _LONG_DETAILS)


AUDIT_COLUMNS = (
    ColumnSpec("When", lambda e: format_when(e.at, seconds=True), width=150),
    ColumnSpec("Who", lambda e: e.actor, width=110),
    ColumnSpec("Action", lambda e: e.action.replace("_", " "), width=140),
    ColumnSpec("Email", lambda e: f"#{e.email_id}" if e.email_id is not None else "—", width=60),
    ColumnSpec("Before → after", _transition, width=200),
    ColumnSpec("Details", _details, width=300),
)


def describe_entry(entry: AuditEntry) -> tuple[str, str]:
    body = json.dumps(entry.details, indent=2, ensure_ascii=False, default=str)
    text = (f"When: {format_when(entry.at, seconds=True)}\nWho: {entry.actor}\nAction: {entry.action}\n"
            f"Email: {entry.email_id if entry.email_id is not None else '—'}\n"
            f"State: {_transition(entry) or '—'}\n\nDetails:\n{body}")
    return f"Audit entry {entry.id}", text


def entry_link(entry: AuditEntry) -> tuple[str, str]:
    link = entry.details.get("link")
    if not isinstance(link, str) or not link:
        return "", ""
    return {"escalated": "Open chat", "crm_case_created": "Open case"}.get(entry.action, "Open link"), link


class AuditWindow(RecordsWindow):
    def __init__(self, console: TriageConsole, runner: TaskRunner, bridge: EventBridge,
                 parent: QWidget | None = None, *,
                 open_url: Callable[[QUrl], object] = QDesktopServices.openUrl) -> None:
        self._console = console
        self._email_id: int | None = None
        super().__init__("Audit trail", AUDIT_COLUMNS, self._load, describe_entry, runner, bridge, parent,
                         link=entry_link, open_url=open_url)
        self.setObjectName("auditWindow")
        self.only_selected = QCheckBox("Only the selected email", self)
        self.only_selected.toggled.connect(lambda _checked: self.reload())
        self.toolbar.insertWidget(1, self.only_selected)

    def set_email(self, email_id: int | None) -> None:
        """Follow the window's selection; reload if the list is filtered by it."""
        changed = email_id != self._email_id
        self._email_id = email_id
        if changed and self.only_selected.isChecked() and self.isVisible():
            self.reload()

    async def _load(self) -> list[AuditEntry]:
        email_id = self._email_id if self.only_selected.isChecked() else None
        return await self._console.audit(email_id)
