"""The outbox window: every reply and escalation the console queued, and whether it was delivered
(`console.outbox`). Double-click (or Enter) shows the payload as it was sent; "Open chat" opens a delivered
escalation's Teams chat ("Open case": a created CRM case) in the browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from emailbot_gui.store.views import OutboxItem
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.bridge import EventBridge
from emailbot_gui.ui.formatting import format_time, format_when
from emailbot_gui.ui.record_table import ColumnSpec, RecordsWindow

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole

_STATUS_COLORS = {"delivered": "#2e7d4f", "failed": "#b42318", "pending": "#9a6700", "cancelled": "#8c959f"}


def status_text(item: OutboxItem) -> str:
    """"Pending", "Held until 14:03:10" (the undo window), "Cancelled" (undone), "Failed (3 tries)", ..."""
    text = item.status.capitalize()
    if item.status == "pending" and item.not_before is not None and item.started_at is None \
            and item.not_before > datetime.now(UTC):
        text = f"Held until {format_time(item.not_before)}"
    elif item.status == "cancelled":
        text = "Cancelled (undone)"
    return text + (f" ({item.attempts} tries)" if item.attempts > 1 else "")


def recipients(item: OutboxItem) -> str:
    payload = item.payload
    if "people" in payload:
        people: list[Any] = payload.get("people") or []
        return ", ".join(f"{p[1]} <{p[0]}>" if len(p) > 1 and p[1] else str(p[0])
                         for p in people if isinstance(p, list | tuple) and p)
    return str(payload.get("to", ""))


def subject(item: OutboxItem) -> str:
    return str(item.payload.get("subject") or item.payload.get("topic") or "")


OUTBOX_COLUMNS = (
    ColumnSpec("Kind", lambda i: i.kind.capitalize(), width=90),
    ColumnSpec("To / people", recipients, width=220),
    ColumnSpec("Subject / topic", subject, width=220),
    ColumnSpec("Status", status_text, color=lambda i: _STATUS_COLORS.get(i.status), width=130),
    ColumnSpec("Created", lambda i: format_when(i.created_at), width=125),
    ColumnSpec("Delivered", lambda i: format_when(i.delivered_at) if i.delivered_at else "—", width=125),
    ColumnSpec("Email", lambda i: f"#{i.email_id}", width=60),
    ColumnSpec("Link / id", lambda i: i.error or i.link or i.external_id or "—",
               color=lambda i: "#b42318" if i.error else None, width=240),
)


def describe_item(item: OutboxItem) -> tuple[str, str]:
    payload = item.payload
    lines = [f"Kind: {item.kind}", f"Status: {item.status}", f"Email: #{item.email_id}",
             f"Created: {format_when(item.created_at, seconds=True)}",
             f"Delivered: {format_when(item.delivered_at, seconds=True) if item.delivered_at else '—'}"]
    for label, value in (("Link", item.link), ("External id", item.external_id), ("Error", item.error),
                         ("Idempotency key", item.idempotency_key)):
        if value:
            lines.append(f"{label}: {value}")
    lines.append("")
    if item.kind == "escalation":
        lines += [f"To: {recipients(item)}", f"Topic: {payload.get('topic', '')}", "",
                  str(payload.get("message", ""))]
    else:
        lines += [f"To: {recipients(item)}", f"Subject: {payload.get('subject', '')}", "",
                  str(payload.get("body", ""))]
    known = {"people", "to", "topic", "message", "subject", "body"}
    extra = {k: v for k, v in payload.items() if k not in known}
    if extra:
        lines += ["", *(f"{k}: {v}" for k, v in extra.items())]
    return f"Outbox item {item.id} ({item.kind})", "\n".join(lines)


def item_link(item: OutboxItem) -> tuple[str, str]:
    if item.status != "delivered" or not item.link:
        return "", ""
    return {"escalation": "Open chat", "crm_case": "Open case"}.get(item.kind, "Open link"), item.link


class OutboxWindow(RecordsWindow):
    def __init__(self, console: TriageConsole, runner: TaskRunner, bridge: EventBridge,
                 parent: QWidget | None = None, *,
                 open_url: Callable[[QUrl], object] = QDesktopServices.openUrl) -> None:
        super().__init__("Outbox", OUTBOX_COLUMNS, console.outbox, describe_item, runner, bridge, parent,
                         link=item_link, open_url=open_url)
        self.setObjectName("outboxWindow")
