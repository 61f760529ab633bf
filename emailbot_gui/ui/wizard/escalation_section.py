"""Escalation: whether escalations go to Microsoft Teams group chats, and who is proposed by default for
each category and urgency (the operator can always change the people in the escalation dialog).

The table maps to the settings' `escalation_people`: key "category" (any urgency), "category:HIGH" (high
and critical), "category:CRITICAL", and "*" for every category."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QCheckBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from emailbot_gui.config.settings import Settings
from emailbot_gui.core.categories import DEFAULT_CATEGORIES, Category
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.fields import note
from emailbot_gui.ui.wizard.section import FormContext, SettingsSection
from emailbot_gui.ui.wizard.sign_in import SignInPanel

ANY_CATEGORY = "*"
URGENCY_COLUMNS = (("", "Any urgency"), ("HIGH", "High and critical"), ("CRITICAL", "Critical only"))


def people_key(category: str, urgency: str) -> str:
    return f"{category}:{urgency}" if urgency else category


class EscalationSection(SettingsSection):
    title = "Escalation"
    key = "teams"

    def __init__(self, ctx: FormContext, categories: tuple[Category, ...] = DEFAULT_CATEGORIES,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.categories = tuple(c for c in categories if c.needs_reply)  # spam and auto-replies are not escalated
        self.teams = QCheckBox("Escalate in Microsoft Teams: a group chat with the people chosen, opened by the "
                               "operator who escalates", self)
        self.teams.setObjectName("teamsEnabled")
        self.teams_note = note("Needs Microsoft 365 as the mail source, and the operator's sign-in "
                               "(delegated permissions Chat.Create and ChatMessage.Send). Without it, escalations "
                               "are sent as an email to the people chosen.", self)
        self.rows: list[tuple[str, str]] = [(ANY_CATEGORY, "Every category"),
                                            *((c.key, c.label) for c in self.categories)]
        self.table = QTableWidget(len(self.rows), 1 + len(URGENCY_COLUMNS), self)
        self.table.setObjectName("escalationPeople")
        self.table.setHorizontalHeaderLabels(["Category", *(title for _, title in URGENCY_COLUMNS)])
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in range(1, 1 + len(URGENCY_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        for row, (key, text) in enumerate(self.rows):
            label = QTableWidgetItem(text)
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            label.setData(Qt.ItemDataRole.UserRole, key)
            self.table.setItem(row, 0, label)
            for column, (urgency, _) in enumerate(URGENCY_COLUMNS, start=1):
                cell = QTableWidgetItem("")
                cell.setData(Qt.ItemDataRole.UserRole, people_key(key, urgency))
                cell.setToolTip("Email addresses, separated by commas")
                self.table.setItem(row, column, cell)
        self.table.setMinimumHeight(300)
        self.problem = note("", self, role="error", name="escalationProblem")
        self.problem.hide()
        self.sign_in = SignInPanel(ctx.runner, ctx.draft_settings, lambda: ctx.secrets, ctx.signer,
                                   problem=self._sign_in_problem, parent=self)
        self.test = self.connection_test("teams", label="Test Teams")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.teams)
        layout.addWidget(self.teams_note)
        layout.addWidget(self.sign_in)
        layout.addWidget(self.test)
        layout.addWidget(note("Who is proposed when an email is escalated, by category and urgency (people in "
                              "several matching cells are all proposed). An escalation is proposed on its own for "
                              "high and critical urgency; anything else can be escalated by hand (Ctrl+E). "
                              "Separate several addresses with commas.", self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        self.teams.toggled.connect(self._changed)
        self.table.itemChanged.connect(lambda *_: self._changed())

    def _cells(self) -> list[QTableWidgetItem]:
        cells = []
        for row in range(self.table.rowCount()):
            for column in range(1, self.table.columnCount()):
                item = self.table.item(row, column)
                if item is not None:
                    cells.append(item)
        return cells

    def people(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for item in self._cells():
            addresses = v.split_addresses(item.text())
            if addresses:
                out[str(item.data(Qt.ItemDataRole.UserRole))] = addresses
        return out

    def load(self, settings: Settings) -> None:
        self.teams.setChecked(settings.teams_escalation_enabled)
        self.table.blockSignals(True)
        for item in self._cells():
            item.setText(", ".join(settings.escalation_people.get(str(item.data(Qt.ItemDataRole.UserRole)), [])))
        self.table.blockSignals(False)
        self._changed()

    def apply(self, settings: Settings) -> Settings:
        shown = {str(item.data(Qt.ItemDataRole.UserRole)) for item in self._cells()}
        kept = {k: p for k, p in settings.escalation_people.items() if k not in shown}  # e.g. "outage:MEDIUM"
        return replace(settings, teams_escalation_enabled=self.teams.isChecked(),
                       escalation_people={**kept, **self.people()})

    def errors(self) -> list[str]:
        problems = []
        for row, (_, text) in enumerate(self.rows):
            for column in range(1, self.table.columnCount()):
                item = self.table.item(row, column)
                problem = v.address_list(item.text()) if item is not None else ""
                if problem:
                    problems.append(f"{text}: {problem}")
        return problems

    def summary(self, settings: Settings) -> list[str]:
        where = "Microsoft Teams group chats" if settings.teams_escalation_enabled else "email"
        people = {a for addresses in settings.escalation_people.values() for a in addresses}
        who = f"{len(people)} people proposed by default" if people else "no default people yet"
        return [f"Escalation: in {where}; {who}"]

    def _sign_in_problem(self) -> str:
        settings = self.ctx.draft_settings()
        if settings.mail_source != "m365" or not (settings.m365_tenant_id and settings.m365_client_id):
            return "Teams escalation needs the Microsoft 365 connection (Mail source)."
        return ""

    def _changed(self) -> None:
        self.test.setVisible(self.teams.isChecked())
        self.sign_in.setVisible(self.teams.isChecked())
        self.table.blockSignals(True)
        for item in self._cells():
            bad = bool(v.address_list(item.text()))
            item.setForeground(QBrush(QColor("#b42318" if bad else "#1f2328")))
        self.table.blockSignals(False)
        problems = self.errors()
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self.changed.emit()
