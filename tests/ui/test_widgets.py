"""The panels and helpers on their own: what they show for a given EmailDetail, and what they emit."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QWidget

from emailbot_gui.core.categories import DEFAULT_CATEGORIES
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import (
    Address,
    Classification,
    Email,
    Enrichment,
    EscalationProposal,
    Proposal,
    SourceResult,
    Urgency,
)
from emailbot_gui.services.console import OperationError
from emailbot_gui.store.views import EmailDetail, QueueQuery
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.classification_panel import ClassificationPanel
from emailbot_gui.ui.crm_panel import CrmPanel, contract_line
from emailbot_gui.ui.escalate_dialog import parse_person
from emailbot_gui.ui.filter_bar import NEEDS_REVIEW, FilterBar
from emailbot_gui.ui.message_panel import MessagePanel
from emailbot_gui.ui.reply_editor import DecisionActions, ReplyEditor
from emailbot_gui.ui.screenshot import grab_window_png
from emailbot_gui.ui.status_bar import ConsoleStatusBar

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
CLASSIFIED = Classification("account_lockout", Urgency.HIGH, 0.42, "Mentions being locked out.", "local",
                            flags=("phishing-link",))


def detail(**changes) -> EmailDetail:
    email = Email(source="t", provider_id="1", message_id="<1@t>", subject="Locked out",
                  sender=Address("dana@northwind.example", "Dana"), received_at=NOW,
                  reply_to=(Address("collect@elsewhere.example"),), body_text="Please unlock me.")
    base = EmailDetail(id=7, email=email, state=EmailState.AWAITING_REVIEW, state_reason="",
                       classification=CLASSIFIED, enrichment=None, proposal=Proposal("Hello Dana"),
                       updated_at=NOW)
    return replace(base, **changes)


def test_message_panel_shows_flags_and_a_differing_reply_to(qtbot):
    panel = MessagePanel()
    qtbot.addWidget(panel)
    panel.show_detail(detail())
    assert "Phishing link" in panel.flag_banner.label.text() and not panel.flag_banner.isHidden()
    assert "collect@elsewhere.example" in panel.reply_to.text()
    assert panel.urgency_badge.text() == "High"
    assert "Please unlock me." in panel.body.view.toPlainText()


def test_an_ai_fallback_alone_raises_no_security_banner(qtbot):
    panel = MessagePanel()
    qtbot.addWidget(panel)
    panel.show_detail(detail(classification=replace(CLASSIFIED, flags=("ai-fallback",))))
    assert panel.flag_banner.isHidden()
    panel.show_detail(detail(classification=replace(CLASSIFIED, flags=("ai-fallback", "prompt-injection"))))
    assert not panel.flag_banner.isHidden() and "fallback" not in panel.flag_banner.label.text().lower()
    panel.show_detail(detail(classification=replace(CLASSIFIED, flags=("ai-fallback", "phishing-suspect"))))
    assert not panel.flag_banner.isHidden()  # the local model's own phishing suspicion still warns


def test_quarantined_email_shows_its_reason_not_a_body(qtbot):
    panel = MessagePanel()
    qtbot.addWidget(panel)
    panel.show_detail(detail(state=EmailState.QUARANTINED, state_reason="MIME boundary never closed",
                             classification=None, quarantine_raw_size=2048))
    assert "MIME boundary never closed" in panel.quarantine_banner.label.text()
    assert "2 KB" in panel.quarantine_banner.label.text()
    assert "Please unlock me." not in panel.body.view.toPlainText()


def test_classification_panel_emits_only_what_changed(qtbot):
    panel = ClassificationPanel(DEFAULT_CATEGORIES)
    qtbot.addWidget(panel)
    panel.show_classification(CLASSIFIED, editable=True)
    assert "Phishing link" in panel.flags.text()
    assert panel.confidence.value() == 42
    assert not panel.apply_button.isEnabled()
    panel.category_combo.setCurrentIndex(panel.category_combo.findData("spam_phishing"))
    with qtbot.waitSignal(panel.overrideRequested) as emitted:
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert emitted.args == ["spam_phishing", None, ""]
    panel.show_classification(CLASSIFIED, editable=False)
    assert not panel.apply_button.isEnabled() and not panel.category_combo.isEnabled()


def test_crm_panel_shows_record_absence_and_error(qtbot):
    found = SourceResult("customer_db", "found", record={
        "customer": {"name": "Dana Whitfield", "company": "Northwind", "vip": True},
        "contract": {"contract_type": "Enterprise", "support_level": "24/7", "expires_on": "2025-03-20"},
        "tickets": [{"id": 12, "subject": "VPN drops", "status": "open", "created_at": "2025-02-01T10:00"}]})
    panel = CrmPanel()
    qtbot.addWidget(panel)
    panel.show_enrichment(Enrichment((found, SourceResult("hubspot", "not_found"),
                                      SourceResult("salesforce", "error", error="HTTP 503 from the API"))),
                          today=date(2025, 3, 1))
    texts = [[label.text() for label in card.findChildren(type(card.status_label))] for card in panel.cards]
    assert "Dana Whitfield" in texts[0] and "Northwind" in texts[0] and "VIP" in texts[0]
    assert any("expires 2025-03-20 (in 19 days)" in t for t in texts[0])
    assert any("#12 VPN drops" in t for t in texts[0])
    assert "No record for this sender." in texts[1]
    error = panel.cards[2].status_label
    assert error.text() == "Error: HTTP 503 from the API" and error.property("role") == "error"


@pytest.mark.parametrize(("contract", "warn"), [
    ({"contract_type": "Basic", "expires_on": "2024-12-31"}, True),
    ({"contract_type": "Basic", "expires_on": "2026-12-31"}, False),
    ({"contract_type": "Basic", "status": "suspended"}, True),
])
def test_contract_warnings(contract, warn):
    assert contract_line(contract, date(2025, 3, 1))[1] is warn


def test_reply_editor_keeps_edits_and_offers_a_redraft(qtbot):
    actions = DecisionActions(*(QAction(t) for t in ("Approve", "Close", "Escalate", "Reject")))
    editor = ReplyEditor(actions)
    qtbot.addWidget(editor)
    editor.show_proposal(7, Proposal("Hello Dana"), editable=True)
    assert not editor.is_edited() and editor.edited_badge.isHidden()
    editor.editor.setPlainText("Hello Dana, fixed.")
    assert editor.is_edited() and not editor.edited_badge.isHidden()
    editor.show_proposal(7, Proposal("Hello Dana, redrafted"), editable=True)  # e.g. after an override
    assert editor.reply_text() == "Hello Dana, fixed."
    assert not editor.use_draft.isHidden()
    qtbot.mouseClick(editor.use_draft, Qt.MouseButton.LeftButton)
    assert editor.reply_text() == "Hello Dana, redrafted" and not editor.is_edited()
    editor.show_proposal(8, Proposal(no_reply_reason="out-of-office notice",
                                     escalation=EscalationProposal((Address("kim@x.example", "Kim"),), "VPN", "m")),
                         editable=True)
    assert "out-of-office notice" in editor.hint_label.text() and "(Kim): VPN" in editor.hint_label.text()
    actions.close.setVisible(False)
    assert editor.close_button.isHidden()


def test_filter_bar_builds_the_query(qtbot):
    bar = FilterBar(DEFAULT_CATEGORIES)
    qtbot.addWidget(bar)
    bar.set_states(NEEDS_REVIEW)
    assert "Needs review" in bar.states.text()
    bar.urgencies.set_selected(frozenset({Urgency.CRITICAL}))
    with qtbot.waitSignal(bar.filtersChanged):
        qtbot.keyClicks(bar.search, " printer ")
    query = bar.apply_to(QueueQuery(descending=False))
    assert query == QueueQuery(states=NEEDS_REVIEW, urgencies=frozenset({Urgency.CRITICAL}), text="printer",
                               descending=False)


def test_escalation_people_from_the_directory_or_typed():
    directory = [Address("kim@acme.example", "Kim Lee"), Address("raj@acme.example", "Raj Patel")]
    assert parse_person("Kim Lee <kim@acme.example>", directory) == directory[0]
    assert parse_person("RAJ@acme.example", directory) == directory[1]
    assert parse_person('"Eve M" <eve@acme.example>', directory) == Address("eve@acme.example", "Eve M")
    assert parse_person("eve@acme.example", directory) == Address("eve@acme.example")
    assert parse_person("just a name", directory) is None


def test_status_bar_counts_and_badge(qtbot):
    bar = ConsoleStatusBar(demo=False)
    qtbot.addWidget(bar)
    bar.set_counts({EmailState.AWAITING_REVIEW: 3, EmailState.OVERRIDDEN: 1, EmailState.FAILED: 2})
    assert bar.count_buttons["Awaiting review"].text() == "Awaiting review: 4"
    assert bar.count_buttons["Failed"].text() == "Failed: 2"
    assert bar.demo_badge.isHidden()
    with qtbot.waitSignal(bar.countClicked) as clicked:
        bar.count_buttons["Failed"].click()
    assert clicked.args == [frozenset({EmailState.FAILED})]


def test_runner_preempts_named_tasks_and_reports_failures(qtbot, aloop):
    runner = TaskRunner()
    results: list[str] = []
    gate = asyncio.Event()

    async def slow(value: str) -> str:
        await gate.wait()
        return value

    first = runner.run(slow("stale"), results.append, name="detail")
    runner.run(slow("fresh"), results.append, name="detail")
    gate.set()
    qtbot.waitUntil(lambda: results == ["fresh"])
    assert first.cancelled()

    async def refuse() -> None:
        raise OperationError("This email was already approved by Kim.")

    with qtbot.waitSignal(runner.failed) as failed:
        runner.run(refuse(), what="Approving")
    assert failed.args == ["Approving", "This email was already approved by Kim."]

    async def fine() -> int:
        return 1

    with qtbot.waitSignal(runner.failed) as failed:  # a failing callback is reported, not lost
        runner.run(fine(), lambda _: 1 / 0, what="Showing")
    assert failed.args[1].startswith("ZeroDivisionError")


def test_screenshot_writes_a_png(qtbot, tmp_path):
    widget = QWidget()
    widget.resize(120, 80)
    qtbot.addWidget(widget)
    path = grab_window_png(widget, tmp_path / "docs" / "shot.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (120, 80)


LEAK_CHECK = """
import sys
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, QSortFilterProxyModel, Signal
app = QCoreApplication([])
class Source(QObject):
    ping = Signal(object)
class Blank(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):
        return 1
    def columnCount(self, parent=QModelIndex()):
        return 1
    def data(self, index, role=0):
        return None
source = Source()
source.ping.connect(lambda value: None)
proxy = QSortFilterProxyModel()
proxy.setSourceModel(Blank())
index = proxy.index(0, 0)
true_refs, none_refs = sys.getrefcount(True), sys.getrefcount(None)
for _ in range(20_000):
    source.ping.emit(1)
    index.data()  # C++ calls the Python override, which returns None
print(true_refs - sys.getrefcount(True), none_refs - sys.getrefcount(None))
"""


def test_signals_and_model_overrides_do_not_leak_singleton_references():
    """PySide6 6.12.0 on Python 3.11 drops a reference to True per emit and to None per C++ call of a
    Python override returning None, until the interpreter aborts (bool_dealloc) after a few minutes of
    use; pyproject.toml excludes that release. This guards against the regression coming back."""
    import subprocess

    result = subprocess.run([sys.executable, "-c", LEAK_CHECK], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, f"the interpreter aborted: {result.stderr[-500:]}"
    lost_true, lost_none = (int(x) for x in result.stdout.split())
    assert lost_true < 100 and lost_none < 100, (lost_true, lost_none)
