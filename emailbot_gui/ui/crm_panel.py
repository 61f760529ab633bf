"""What each CRM / customer source knows about the sender — contact, account or company, contract and
support level, open cases and tickets — or that it has no record, or an error with its reason in red, or
a stale answer (an older record shown because the source failed now). Under the sources: the cases and
tickets created from this email, with a button that opens each in the browser, and "Create case…".

Records follow the connectors' shape: `customer`, `account`/`company`, `contract`, and the lists
`cases` (Salesforce, open), `open_tickets` (HubSpot) and `tickets` (the customer database's history);
anything else a source adds is listed as plain key/value lines. Every value is shown as plain text: CRM
data is outside input too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.core.types import Enrichment, SourceResult
from emailbot_gui.ui.formatting import format_when
from emailbot_gui.ui.style import set_badge

STALE = "stale"
_SOURCE_NAMES = {"customer_db": "Customer database", "salesforce": "Salesforce", "hubspot": "HubSpot",
                 "demo": "Demo CRM"}
_LISTS = (("cases", "Open cases"), ("open_tickets", "Open tickets"), ("tickets", "Recent tickets"),
          ("recent_tickets", "Recent tickets"))
_KNOWN_KEYS = {"customer", "contract", "account", "company", "api_usage", *(k for k, _ in _LISTS)}
EXPIRY_WARNING_DAYS = 30
LINK_SCHEMES = ("http", "https")


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


def safe_link(value: Any, schemes: Sequence[str] = LINK_SCHEMES) -> QUrl | None:
    """A web link from a record, with one of `schemes` and a host, or None (nothing else is ever opened)."""
    url = QUrl(_text(value))
    return url if url.isValid() and url.scheme().lower() in schemes and url.host() else None


def case_dialog(parent: QWidget, subject: str, labels: Sequence[str]) -> QInputDialog:
    """Asks where to create the case; `textValueSelected(label)` fires when the operator confirms."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("caseDialog")
    dialog.setWindowTitle("Create case")
    dialog.setLabelText(f"Create a case for “{subject or '(no subject)'}” with the email's text, "
                        "linked to the sender's contact when there is one, in:")
    dialog.setComboBoxItems(list(labels))
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText("Create case")
    return dialog


class SourceCard(QFrame):
    """One source's answer."""

    linkActivated = Signal(QUrl)

    def __init__(self, result: SourceResult, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"crmSource_{result.source}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 6)
        layout.setSpacing(2)
        has_record = result.status in (SourceResult.FOUND, STALE)
        record = result.record if has_record else {}
        customer = record.get("customer") if isinstance(record.get("customer"), Mapping) else {}

        title_row = QHBoxLayout()
        title = QLabel(source_title(result.source), self)
        title.setProperty("role", "sectionTitle")
        title_row.addWidget(title, 1)
        if result.status == STALE:
            self.stale_badge = QLabel("stale", self)
            set_badge(self.stale_badge, "high")
            title_row.addWidget(self.stale_badge)
        if customer.get("vip") or record.get("vip"):
            vip = QLabel("VIP", self)
            vip.setObjectName("vipBadge")
            set_badge(vip, "vip")
            title_row.addWidget(vip)
        layout.addLayout(title_row)
        self.status_label = self._line(layout, "")

        if result.status == SourceResult.FOUND:
            self.status_label.hide()
        elif result.status == STALE:
            self.status_label.setText(f"Could not refresh ({result.error or 'no answer'}); showing what it said "
                                      f"{format_when(result.fetched_at)}.")
            self.status_label.setProperty("role", "error")
        elif result.status == SourceResult.NOT_FOUND:
            self.status_label.setText("No record for this sender.")
            self.status_label.setProperty("role", "muted")
        elif result.status == SourceResult.ERROR:
            self.status_label.setText(f"Error: {result.error or 'the source did not answer'}")
            self.status_label.setProperty("role", "error")
        else:
            self.status_label.setText("Not configured." if result.status == "disabled" else result.status)
            self.status_label.setProperty("role", "muted")
        if has_record:
            self._show_record(layout, record, customer, today)

        footer = [f"fetched {format_when(result.fetched_at)}"] if result.fetched_at else []
        if result.elapsed_ms:
            footer.append(f"{result.elapsed_ms:.0f} ms")
        usage = record.get("api_usage")
        if isinstance(usage, Mapping) and usage.get("limit"):
            footer.append(f"API calls today {usage.get('used')}/{usage.get('limit')}")
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

    def _link_button(self, layout: QVBoxLayout, text: str, url: QUrl) -> None:
        button = QPushButton(text, self)
        button.setFlat(True)
        button.setToolTip(url.toDisplayString())
        button.clicked.connect(lambda: self.linkActivated.emit(url))
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)

    def _show_record(self, layout: QVBoxLayout, record: Mapping[str, Any], customer: Mapping[str, Any],
                     today: date) -> None:
        name = _text(customer.get("name") or record.get("name")) or "Known customer"
        self._line(layout, name, bold=True)
        org = record.get("account") or record.get("company")
        org = org if isinstance(org, Mapping) else {}
        company = _text(customer.get("company") or org.get("name") or record.get("company"))
        details = " · ".join(_text(org.get(k)) for k in ("type", "industry") if org.get(k))
        contact = " · ".join(_text(customer.get(k)) for k in ("title", "email", "phone") if customer.get(k))
        for text in (f"{company} ({details})" if company and details else company, contact):
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
        level = customer.get("support_tier") or org.get("support_level")
        if level and not (isinstance(contract, Mapping) and contract.get("support_level")):
            self._line(layout, f"Support level: {level}")
        for key, heading in _LISTS:
            items = record.get(key)
            if isinstance(items, list) and items:
                self._line(layout, f"{heading} ({len(items)})").setProperty("role", "muted")
                for item in items[:5]:
                    if isinstance(item, Mapping):
                        self._line(layout, f"  {ticket_line(item)}")
        for key, value in record.items():
            if key not in _KNOWN_KEYS and not isinstance(value, Mapping | list) and value not in (None, ""):
                self._line(layout, f"{key.replace('_', ' ').capitalize()}: {value}")
        url = safe_link(customer.get("link"))
        if url is not None:
            self._link_button(layout, "Open contact in the browser", url)


class CrmPanel(QGroupBox):
    """The sources' cards, the cases created from this email, and the "Create case…" button."""

    linkActivated = Signal(QUrl)

    def __init__(self, create_case: QAction | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Customer context", parent)
        self._layout = QVBoxLayout(self)
        self._layout.setSpacing(4)
        self.cards: list[SourceCard] = []
        self.empty = QLabel(self)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self._layout.addWidget(self.empty)
        self.cases_box = QWidget(self)
        self.cases_box.setObjectName("crmCases")
        self._cases_layout = QVBoxLayout(self.cases_box)
        self._cases_layout.setContentsMargins(0, 6, 0, 0)
        self._cases_layout.setSpacing(2)
        self._layout.addWidget(self.cases_box)
        self.case_lines: list[QLabel] = []
        self.case_buttons: list[QPushButton] = []
        self.create_button: QToolButton | None = None
        if create_case is not None:
            button = QToolButton(self)
            button.setDefaultAction(create_case)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setProperty("button", True)
            # A tool button follows its action's text and enabled state, but not its visibility.
            create_case.changed.connect(lambda: button.setVisible(create_case.isVisible()))
            button.setVisible(create_case.isVisible())
            self._layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
            self.create_button = button
        self.show_enrichment(None)
        self.show_cases(())

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
        for index, result in enumerate(results):
            card = SourceCard(result, day, self)
            card.linkActivated.connect(self.linkActivated)
            self._layout.insertWidget(1 + index, card)
            self.cards.append(card)

    def show_cases(self, items: Sequence[Any]) -> None:
        """The cases requested for this email (outbox items of kind crm_case), newest state first."""
        for widget in (*self.case_lines, *self.case_buttons):
            self._cases_layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.case_lines, self.case_buttons = [], []
        for item in items:
            target = source_title(_text(item.payload.get("target")))
            if item.status == "delivered":
                text = f"Case {item.external_id} created in {target}"
            elif item.status == "failed":
                text = f"Case in {target} failed: {item.error}"
            else:
                text = f"Case in {target} is being created…"
            label = QLabel(text, self.cases_box)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setProperty("role", "error" if item.status == "failed" else "")
            self._cases_layout.addWidget(label)
            self.case_lines.append(label)
            url = safe_link(item.link) if item.status == "delivered" else None
            if url is not None:
                button = QPushButton(f"Open in {target}", self.cases_box)
                button.setFlat(True)
                button.setToolTip(url.toDisplayString())
                button.clicked.connect(lambda _=False, u=url: self.linkActivated.emit(u))
                self._cases_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
                self.case_buttons.append(button)
        self.cases_box.setVisible(bool(items))
