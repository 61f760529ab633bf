"""Auto-approval: per category, whether the console may approve a proposal without review and from what
confidence — with the operator's own agreement rate and number of decisions in that category shown next
to it, so the choice is informed. Off by default; saved through `console.set_auto_approval` (audited).

Opened with `open()`, never `exec()` (see dialogs.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.core.categories import Category
from emailbot_gui.pipeline.auto_approval import AutoApprovalSettings, CategoryRule
from emailbot_gui.store.decision_stats import CategoryAgreement
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.style import app_icon
from emailbot_gui.ui.wizard.fields import note

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole

ENABLED, CATEGORY, THRESHOLD, AGREEMENT, DECISIONS, MIN_AGREEMENT = range(6)
HEADERS = ["Auto", "Category", "Confidence at least", "You agreed", "Decisions", "Also require agreement"]
TRUSTWORTHY_RATE = 0.9  # below this, the agreement is shown as a warning
ENOUGH_DECISIONS = 20


def agreement_text(agreement: CategoryAgreement | None) -> str:
    if agreement is None or not agreement.decided:
        return "no decisions yet"
    return f"{agreement.rate or 0.0:.0%} ({agreement.agreed} of {agreement.decided} unchanged)"


def is_trustworthy(agreement: CategoryAgreement | None) -> bool:
    """Enough of the operator's own decisions, and enough of them agreeing with the proposals."""
    return agreement is not None and agreement.decided >= ENOUGH_DECISIONS and \
        (agreement.rate or 0.0) >= TRUSTWORTHY_RATE


def agreement_color(agreement: CategoryAgreement | None) -> str:
    if agreement is None or agreement.decided < ENOUGH_DECISIONS:
        return "#6e7781"
    return "#2e7d4f" if is_trustworthy(agreement) else "#b42318"


class AutoApprovalDialog(QDialog):
    saved = Signal(object)  # AutoApprovalSettings

    def __init__(self, console: TriageConsole, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("autoApprovalDialog")
        self.setWindowTitle("Auto-approval")
        self.setWindowIcon(app_icon())
        self.resize(900, 600)
        self.console = console
        self.runner = TaskRunner(self)
        self.categories: tuple[Category, ...] = console.categories
        current = console.auto_approval

        self.master = QCheckBox("Let the console approve proposals on its own where a rule below allows it", self)
        self.master.setObjectName("autoApprovalEnabled")
        self.master.setStyleSheet("QCheckBox { font-weight: 600; }")
        self.master.setChecked(current.enabled)
        self.table = QTableWidget(len(self.categories), len(HEADERS), self)
        self.table.setObjectName("autoApprovalRules")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(AGREEMENT, QHeaderView.ResizeMode.Stretch)
        self.enabled: dict[str, QCheckBox] = {}
        self.thresholds: dict[str, QSpinBox] = {}
        self.min_agreement: dict[str, QSpinBox] = {}
        for row, category in enumerate(self.categories):
            rule = current.rules.get(category.key, CategoryRule())
            box = QCheckBox(self.table)
            box.setObjectName(f"auto_{category.key}")
            box.setChecked(rule.enabled)
            box.setToolTip(f"Auto-approve {category.label.lower()} proposals")
            threshold = QSpinBox(self.table)
            threshold.setObjectName(f"threshold_{category.key}")
            threshold.setRange(50, 100)
            threshold.setSuffix(" %")
            threshold.setValue(round(rule.threshold * 100))
            minimum = QSpinBox(self.table)
            minimum.setObjectName(f"minAgreement_{category.key}")
            minimum.setRange(0, 100)
            minimum.setSuffix(" %")
            minimum.setSpecialValueText("not required")
            minimum.setValue(round((rule.min_agreement or 0.0) * 100))
            minimum.setToolTip(f"Only auto-approve while you approved at least this share of the last "
                               f"{rule.min_decisions}+ proposals unchanged")
            name = QTableWidgetItem(category.label + ("" if category.needs_reply else "  (closed without reply)"))
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setCellWidget(row, ENABLED, _centered(box))
            self.table.setItem(row, CATEGORY, name)
            self.table.setCellWidget(row, THRESHOLD, threshold)
            self.table.setCellWidget(row, MIN_AGREEMENT, minimum)
            for column in (AGREEMENT, DECISIONS):
                item = QTableWidgetItem("…")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(row, column, item)
            self.enabled[category.key] = box
            self.thresholds[category.key] = threshold
            self.min_agreement[category.key] = minimum
            box.toggled.connect(self._update)
        self._rules = dict(current.rules)
        self.master.toggled.connect(self._update)

        self.status = note("", self, name="autoApprovalStatus")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note("Auto-approval sends a proposed reply (or closes spam and auto-replies) without your "
                              "review. It is off unless you switch it on, per category, from a confidence you "
                              "choose. Next to each category: how often you approved its proposals unchanged — "
                              "turn it on only where you (nearly) always agree.", self))
        layout.addWidget(self.master)
        layout.addWidget(self.table, 1)
        layout.addWidget(note("Never auto-approved: flagged emails (prompt injection, phishing links, hidden text, "
                              "AI fallback…), emails that ask for something to be done by hand, and proposals "
                              "with an escalation. Every auto-approval is in the audit trail as “auto-approval”.",
                              self))
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.agreement: dict[str, CategoryAgreement] = {}
        self._update()
        self.runner.run(console.agreement_rates(), self.show_agreement, self._agreement_failed,
                        name="agreement", what="Reading your decision history")

    # -- agreement ------------------------------------------------------------------------------------

    def show_agreement(self, rates: Mapping[str, CategoryAgreement]) -> None:
        self.agreement = dict(rates)
        for row, category in enumerate(self.categories):
            agreement = rates.get(category.key)
            rate, count = self.table.item(row, AGREEMENT), self.table.item(row, DECISIONS)
            if rate is None or count is None:
                continue
            rate.setText(agreement_text(agreement))
            rate.setForeground(QBrush(QColor(agreement_color(agreement))))
            count.setText(str(agreement.decided if agreement else 0))
        self._update()

    def _agreement_failed(self, exc: BaseException) -> None:
        for row in range(self.table.rowCount()):
            for column in (AGREEMENT, DECISIONS):
                item = self.table.item(row, column)
                if item is not None:
                    item.setText("—")
        self.status.setText(f"Your decision history could not be read: {describe_error(exc)}")

    # -- rules ----------------------------------------------------------------------------------------

    def result_settings(self) -> AutoApprovalSettings:
        rules = dict(self._rules)
        for category in self.categories:
            old = self._rules.get(category.key, CategoryRule())
            minimum = self.min_agreement[category.key].value()
            rules[category.key] = CategoryRule(enabled=self.enabled[category.key].isChecked(),
                                               threshold=self.thresholds[category.key].value() / 100,
                                               min_agreement=minimum / 100 if minimum else None,
                                               min_decisions=old.min_decisions)
        return AutoApprovalSettings(enabled=self.master.isChecked(), rules=rules)

    def _update(self) -> None:
        on = self.master.isChecked()
        self.table.setEnabled(on)
        risky = [c.label for c in self.categories if self.enabled[c.key].isChecked()
                 and not is_trustworthy(self.agreement.get(c.key))]
        if on and risky:
            self.status.setText(f"Check before saving: for {', '.join(risky)} you have fewer than "
                                f"{ENOUGH_DECISIONS} decisions or agreed with fewer than "
                                f"{TRUSTWORTHY_RATE:.0%} of the proposals.")
            self.status.setProperty("role", "error")
        else:
            self.status.setText("")
        self.status.style().polish(self.status)

    def save(self) -> None:
        settings = self.result_settings()
        self.buttons.setEnabled(False)

        def done(_: object) -> None:
            self.saved.emit(settings)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.status.setProperty("role", "error")
            self.status.style().polish(self.status)
            self.status.setText(f"Not saved: {describe_error(exc)}")

        self.runner.run(self.console.set_auto_approval(settings), done, failed, what="Saving auto-approval",
                        operation=True)


def _centered(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(widget)
    return holder

