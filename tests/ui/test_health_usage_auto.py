"""Integration health in the status bar and the health window, the AI usage figures, flagged emails'
flags and reasons, and the auto-approval dialog — over the real console where it matters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt

from emailbot_gui.classify.usage import DayUsage, EmailUsage
from emailbot_gui.core.categories import DEFAULT_CATEGORIES
from emailbot_gui.core.lifecycle import REVIEWABLE
from emailbot_gui.core.types import Classification, Urgency
from emailbot_gui.pipeline.auto_approval import AutoApprovalSettings, CategoryRule
from emailbot_gui.services.checks import Check
from emailbot_gui.services.events import Health, HealthChanged, IntegrationState
from emailbot_gui.store.decision_stats import CategoryAgreement
from emailbot_gui.store.views import QueueQuery
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.auto_approval_dialog import AGREEMENT, DECISIONS, AutoApprovalDialog
from emailbot_gui.ui.classification_panel import ClassificationPanel
from emailbot_gui.ui.formatting import _FLAG_LABELS, flag_label, split_flag_reasons
from emailbot_gui.ui.health_view import HealthIndicator, HealthWindow, overall
from emailbot_gui.ui.usage_view import UsageIndicator, email_text
from tests.ui.fake_console import FakeSettingsConsole

LEFT = Qt.MouseButton.LeftButton
AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def health(name: str, state: IntegrationState, error: str = "", checks=()) -> Health:
    labels = {"mail": "Demo mailbox", "hubspot": "HubSpot", "openai": "OpenAI"}
    return Health(name, labels[name], state, error, AT, tuple(checks))


# ---- health ---------------------------------------------------------------------------------------------

def test_overall_health_names_the_worst_integration():
    assert overall([health("mail", IntegrationState.OK)]) == ("ok", "All connected")
    assert overall([health("mail", IntegrationState.OK), health("hubspot", IntegrationState.DEGRADED, "slow")]) \
        == ("degraded", "HubSpot degraded")
    assert overall([health("mail", IntegrationState.FAILING), health("hubspot", IntegrationState.DEGRADED)])[0] \
        == "failing"
    assert overall([health("openai", IntegrationState.DISABLED)]) == ("disabled", "No integrations")


def test_status_bar_follows_health_changed_events(qtbot, window, console):
    indicator = window.status.health
    qtbot.waitUntil(lambda: indicator.state == "ok")  # the demo mailbox, checked when the console started
    assert indicator.isVisible() and indicator.text() == "All connected"
    console.events.publish(HealthChanged((
        health("mail", IntegrationState.OK),
        health("hubspot", IntegrationState.FAILING, "401 Unauthorized: the access token was revoked"))))
    assert indicator.state == "failing" and indicator.text() == "HubSpot failing"
    assert "the access token was revoked" in indicator.toolTip()

    qtbot.mouseClick(indicator, LEFT)  # the indicator opens the health window
    view = window._health_window
    assert view is not None and view.isVisible()
    hubspot = view.row_of("hubspot")
    assert hubspot is not None and hubspot.text(1) == "Failing" and "revoked" in hubspot.text(2)
    console.events.publish(HealthChanged((health("mail", IntegrationState.OK),
                                          health("hubspot", IntegrationState.OK))))
    assert view.row_of("hubspot").text(1) == "OK" and indicator.state == "ok"

    qtbot.mouseClick(view.check_button, LEFT)  # "Check now" asks the real monitor
    assert not view.check_button.isEnabled()
    qtbot.waitUntil(view.check_button.isEnabled)
    assert view.row_of("mail").text(1) == "OK" and view.row_of("hubspot").text(1) == "Off"
    view.close()


def test_health_window_lists_each_check_with_its_fix(qtbot, aloop):
    checks = (Check("Sign-in", "ok", "works"),
              Check("Mail.Send (application)", "failing", "the roles claim lacks it", "Grant Mail.Send."))
    rows = [health("mail", IntegrationState.FAILING, "Mail.Send (application): the roles claim lacks it", checks)]
    console = FakeSettingsConsole(health_rows=rows)
    view = HealthWindow(rows, console.recheck_health, TaskRunner())
    qtbot.addWidget(view)
    item = view.row_of("mail")
    assert item.isExpanded()  # a failing integration opens on its checks
    assert [item.child(i).text(0) for i in range(item.childCount())] == ["Sign-in", "Mail.Send (application)"]
    assert "To fix: Grant Mail.Send." in item.child(1).text(2)
    view.check_now()
    qtbot.waitUntil(lambda: console.rechecks == 1 and view.check_button.isEnabled())


def test_indicator_is_hidden_without_health(qtbot):
    indicator = HealthIndicator()
    qtbot.addWidget(indicator)
    indicator.show()
    indicator.set_health([])
    assert not indicator.isVisible()


# ---- usage ----------------------------------------------------------------------------------------------

def test_usage_indicator_shows_today_only_when_openai_is_on(qtbot):
    label = UsageIndicator()
    qtbot.addWidget(label)
    assert label.isHidden()
    label.show_usage(DayUsage(date(2025, 3, 1), emails=42, requests=44, prompt_tokens=51_000,
                              completion_tokens=10_200, cost=0.0138, fallbacks=2))
    assert not label.isHidden()
    assert label.text() == "AI today: 42 emails · 61.2k tokens · $0.01"
    assert "2 emails fell back" in label.toolTip() and "44 requests" in label.toolTip()
    label.show_usage(DayUsage(date(2025, 3, 1), emails=1, requests=1, prompt_tokens=900, unpriced_requests=1))
    assert "price unknown" in label.text()
    label.show_usage(None)
    assert label.isHidden()


def test_email_usage_text():
    usage = EmailUsage("<m1@x>", "gpt-4o-mini", prompt_tokens=1200, completion_tokens=230, cost=0.000318,
                       attempts=2)
    assert email_text(usage) == "AI cost: 1,430 tokens (1,200 in, 230 out) · $0.0003 · 2 requests"


# ---- flags ----------------------------------------------------------------------------------------------

def test_flags_are_shown_with_their_reasons(qtbot):
    panel = ClassificationPanel(DEFAULT_CATEGORIES)
    qtbot.addWidget(panel)
    panel.show()
    rationale = ("Asks for a password reset. Flagged: tells the assistant to ignore its instructions: "
                 "“ignore previous instructions”; a link shows paypal.com but goes to paypa1-login.example.")
    panel.show_classification(Classification("password_reset", Urgency.HIGH, 0.97, rationale, "openai",
                                             flags=("prompt-injection", "phishing-link")), editable=True)
    assert panel.flag_box.isVisible()
    text = panel.flags.text()
    assert "Prompt-injection attempt" in text and "Phishing link" in text
    assert "ignore previous instructions" in text and "paypa1-login.example" in text
    assert "never auto-approved" in text
    assert panel.rationale.text() == "Asks for a password reset."  # the reasons are not repeated
    panel.show_classification(Classification("hardware", Urgency.LOW, 0.8, "Printer jam.", "local (fallback)",
                                             flags=("ai-fallback",)), editable=True)
    assert "AI unavailable" in panel.flags.text() and "Do not follow" not in panel.flags.text()
    panel.show_classification(Classification("hardware", Urgency.LOW, 0.8, "Printer jam.", "local"),
                              editable=True)
    assert not panel.flag_box.isVisible()


def test_flag_labels_cover_the_detectors_flags():
    from emailbot_gui.classify.injection import INJECTION_FLAGS
    from emailbot_gui.classify.openai_classifier import AI_FALLBACK

    for flag in (*INJECTION_FLAGS, AI_FALLBACK, "phishing-suspect"):
        assert flag in _FLAG_LABELS, f"{flag} has no label"
    assert flag_label("data-exfiltration") == "Asks to send data out"
    assert split_flag_reasons("Fine.") == ("Fine.", [])
    assert split_flag_reasons("Flagged: a; b.") == ("", ["a", "b"])


def test_email_usage_is_shown_for_the_open_email(qtbot, window, console):
    panel = window.detail.classification_panel
    qtbot.waitUntil(lambda: window.shown_email() is not None)
    first = window.shown_email()
    assert not panel.usage.isVisible()  # nothing was billed for it
    # As the OpenAI classifier records a billed answer for an email (the meter the console reads):
    meter = console._meter
    meter.record(first.email.message_id, "gpt-4o-mini", 1200, 230)
    meter.finish_email(first.email.message_id, fell_back=False)
    window.refresh()
    qtbot.waitUntil(panel.usage.isVisible)
    assert panel.usage.text() == "AI cost: 1,430 tokens (1,200 in, 230 out) · $0.0003"


# ---- auto-approval --------------------------------------------------------------------------------------

def test_auto_approval_dialog_shows_agreement_and_saves_rules(qtbot, window, console, run, demo_runtime):
    rows = run(console.queue_page(QueueQuery(states=frozenset(REVIEWABLE)), 0, 100))
    approved = None
    for row in rows:
        detail = run(console.detail(row.id))
        if detail.proposal and detail.proposal.reply_text.strip() and not detail.proposal.no_reply_reason:
            run(console.approve(row.id))
            approved = detail.classification.category
            break
    assert approved is not None
    window.commands.auto_approval.trigger()
    dialog = window.auto_approval_dialog
    assert isinstance(dialog, AutoApprovalDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.master.isChecked() and not dialog.table.isEnabled()  # off by default
    row = [c.key for c in dialog.categories].index(approved)
    qtbot.waitUntil(lambda: dialog.table.item(row, AGREEMENT).text() != "…")
    assert dialog.table.item(row, AGREEMENT).text() == "100% (1 of 1 unchanged)"
    assert dialog.table.item(row, DECISIONS).text() == "1"
    dialog.master.setChecked(True)
    dialog.enabled[approved].setChecked(True)
    dialog.thresholds[approved].setValue(97)
    assert "fewer than 20 decisions" in dialog.status.text()  # one decision is not enough to trust it
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), LEFT)
    qtbot.waitUntil(lambda: console.auto_approval.enabled)  # saved; the dialog closes (and is deleted)
    rules = console.auto_approval
    assert rules.enabled and rules.rules[approved] == CategoryRule(enabled=True, threshold=0.97)
    assert not rules.rules["outage"].enabled
    saved = json.loads(demo_runtime.paths.settings_file.read_text(encoding="utf-8"))
    assert saved["auto_approval"]["rules"][approved]["threshold"] == 0.97


def test_auto_approval_dialog_against_a_fake(qtbot, aloop):
    console = FakeSettingsConsole(
        agreement={"outage": CategoryAgreement("outage", decided=50, agreed=47)},
        auto_rules=AutoApprovalSettings(enabled=True, rules={"outage": CategoryRule(True, 0.9, 0.9, 30)}))
    dialog = AutoApprovalDialog(console)
    qtbot.addWidget(dialog)
    row = [c.key for c in dialog.categories].index("outage")
    qtbot.waitUntil(lambda: dialog.table.item(row, AGREEMENT).text() != "…")
    assert dialog.table.item(row, AGREEMENT).text() == "94% (47 of 50 unchanged)"
    assert dialog.status.text() == ""  # 94 % over 50 decisions: nothing to warn about
    assert dialog.min_agreement["outage"].value() == 90
    dialog.min_agreement["outage"].setValue(0)
    dialog.save()
    qtbot.waitUntil(lambda: bool(console.saved_rules))
    assert console.saved_rules[0].rules["outage"] == CategoryRule(True, 0.9, None, 30)
