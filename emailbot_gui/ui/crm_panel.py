"""What each CRM / customer source knows about the sender: a record (customer, company, VIP, contract,
recent tickets), no record, or an error with its reason in red.

Records follow the connectors' shape `{"customer": {...}, "contract": {...} | None, "tickets": [...]}`;
anything else a source adds is listed as plain key/value lines. Every value is shown as plain text: CRM
data is outside input too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from emailbot_gui.core.types import Enrichment, SourceResult
from emailbot_gui.ui.formatting import format_when
from emailbot_gui.ui.style import set_badge

_SOURCE_NAMES = {"customer_db": "Customer database", "salesforce": "Salesforce", "hubspot": "HubSpot",
                 "demo": "Demo CRM"}
_KNOWN_KEYS = {"customer", "contract", "tickets", "recent_tickets"}
EXPIRY_WARNING_DAYS = 30


def source_title(name: str) -> str:
    """A source's display name: known keys get their product name; a name already in words is kept."""
    if name in _SOURCE_NAMES or " " in name:
        return _SOURCE_NAMES.get(name, name)
    return name.replace("_", " ").replace("-", " ").title()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def contract_line(contract: Mapping[str, Any], today: date) -> tuple[str, bool]:
    """('Premium · 24/7 · expires 2025-12-31 (in 12 days)', warn) — warn when expired or expiring soon."""
    kind = _text(contract.get("contract_type") or contract.get("type"))
    level = _text(contract.get("support_level"))
    parts = [p for p in (kind, level) if p]
    expires = _text(contract.get("expires_on") or contract.get("expiry_date") or contract.get("expires"))
    warn = False
    if expires:
        try:
            days = (date.fromisoformat(expires[:10]) - today).days
        except ValueError:
            parts.append(f"expires {expires}")
        else:
            if days < 0:
                parts.append(f"expired {expires[:10]}")
            else:
                parts.append(f"expires {expires[:10]} (in {days} day{'s' if days != 1 else ''})")
            warn = days < EXPIRY_WARNING_DAYS
    status = _text(contract.get("status"))
    if status and status.lower() != "active":
        parts.append(status)
        warn = True
    return " · ".join(parts) or "Contract on file", warn


def ticket_line(ticket: Mapping[str, Any]) -> str:
    ident = _text(ticket.get("id") or ticket.get("number"))
    subject = _text(ticket.get("subject")) or "(no subject)"
    extras = [_text(ticket.get(k)) for k in ("status", "priority") if ticket.get(k)]
    created = _text(ticket.get("created_at"))[:10]
    if created:
        extras.append(created)
    head = f"#{ident} {subject}" if ident else subject
    return f"{head} — {', '.join(extras)}" if extras else head


class SourceCard(QFrame):
    """One source's answer."""

    def __init__(self, result: SourceResult, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"crmSource_{result.source}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 6)
        layout.setSpacing(2)

        title_row = QHBoxLayout()
        title = QLabel(source_title(result.source), self)
        title.setProperty("role", "sectionTitle")
        title_row.addWidget(title, 1)
        record = result.record if result.status == SourceResult.FOUND else {}
        customer = record.get("customer") if isinstance(record.get("customer"), Mapping) else {}
        if customer.get("vip") or record.get("vip"):
            vip = QLabel("VIP", self)
            vip.setObjectName("vipBadge")
            set_badge(vip, "vip")
            title_row.addWidget(vip)
        layout.addLayout(title_row)
        self.status_label = self._line(layout, "")

        if result.status == SourceResult.FOUND:
            self.status_label.hide()
            self._show_record(layout, record, customer, today)
        elif result.status == SourceResult.NOT_FOUND:
            self.status_label.setText("No record for this sender.")
            self.status_label.setProperty("role", "muted")
        elif result.status == SourceResult.ERROR:
            self.status_label.setText(f"Error: {result.error or 'the source did not answer'}")
            self.status_label.setProperty("role", "error")
        else:
            self.status_label.setText("Not configured." if result.status == "disabled" else result.status)
            self.status_label.setProperty("role", "muted")

        footer = [f"fetched {format_when(result.fetched_at)}"] if result.fetched_at else []
        if result.elapsed_ms:
            footer.append(f"{result.elapsed_ms:.0f} ms")
        if footer:
            self._line(layout, " · ".join(footer)).setProperty("role", "muted")

    def _line(self, layout: QVBoxLayout, text: str, *, bold: bool = False) -> QLabel:
        label = QLabel(text, self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if bold:
            label.setStyleSheet("font-weight: 600;")
        layout.addWidget(label)
        return label

    def _show_record(self, layout: QVBoxLayout, record: Mapping[str, Any], customer: Mapping[str, Any],
                     today: date) -> None:
        name = _text(customer.get("name") or record.get("name")) or "Known customer"
        self._line(layout, name, bold=True)
        company = _text(customer.get("company") or record.get("company"))
        contact = " · ".join(_text(customer.get(k)) for k in ("email", "phone") if customer.get(k))
        for text in (company, contact):
            if text:
                self._line(layout, text)
        contract = record.get("contract")
        if isinstance(contract, Mapping):
            text, warn = contract_line(contract, today)
            label = self._line(layout, f"Contract: {text}")
            label.setObjectName("contractLine")
            if warn:
                label.setProperty("role", "error")
        elif "contract" in record:
            self._line(layout, "No active contract.").setProperty("role", "muted")
        tickets = record.get("tickets") or record.get("recent_tickets") or []
        if isinstance(tickets, list) and tickets:
            self._line(layout, f"Recent tickets ({len(tickets)})").setProperty("role", "muted")
            for ticket in tickets[:5]:
                if isinstance(ticket, Mapping):
                    self._line(layout, f"  {ticket_line(ticket)}")
        for key, value in record.items():
            if key not in _KNOWN_KEYS and not isinstance(value, Mapping | list) and value not in (None, ""):
                self._line(layout, f"{key.replace('_', ' ').capitalize()}: {value}")


class CrmPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Customer context", parent)
        self._layout = QVBoxLayout(self)
        self._layout.setSpacing(4)
        self.cards: list[SourceCard] = []
        self.empty = QLabel(self)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self._layout.addWidget(self.empty)
        self.show_enrichment(None)

    def show_enrichment(self, enrichment: Enrichment | None, today: date | None = None) -> None:
        for card in self.cards:
            self._layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        results = enrichment.results if enrichment is not None else ()
        self.empty.setText("No customer context was gathered for this email." if enrichment is not None
                           else "Customer context appears here once the email is enriched.")
        self.empty.setVisible(not results)
        day = today or date.today()
        for result in results:
            card = SourceCard(result, day, self)
            self._layout.addWidget(card)
            self.cards.append(card)
