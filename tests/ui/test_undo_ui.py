"""Undo as the operator meets it: approve with Ctrl+Enter, see the countdown, take it back with Ctrl+Z before
anything leaves; Ctrl+Z inside the reply editor undoes typing, not a decision; the window is a setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.store.views import OutboxItem
from emailbot_gui.ui.outbox_view import status_text
from emailbot_gui.ui.settings_dialog import SettingsDialog
from tests.ui.test_main_window import CTRL, current_id, has_reply, next_email, open_email_where, shown

pytestmark = pytest.mark.parametrize("undo_seconds", [30.0])


def demo_sent(console) -> list[str]:
    folder = console.dispatcher.sink.folder
    return sorted(p.name for p in folder.glob("*.eml")) if folder.exists() else []


def test_ctrl_z_takes_back_an_approved_reply_before_it_is_sent(qtbot, window, run, console, undo_seconds):
    detail = open_email_where(qtbot, window, has_reply)
    window.queue_view.setFocus()
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: window.undo_bar.isVisible(), timeout=15_000)
    text = window.undo_bar.message.text()
    assert f"Reply to {detail.email.sender.name or detail.email.sender.address} approved" in text
    assert "sends in 30 s" in text or "sends in 29 s" in text
    assert window.commands.undo.isEnabled()
    # it moved on, as after any decision
    qtbot.waitUntil(lambda: current_id(window) not in (None, detail.id), timeout=15_000)
    run(console.wait_idle())
    assert run(console.detail(detail.id)).state is EmailState.APPROVED and demo_sent(console) == []

    qtbot.keyClick(window.queue_view, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: current_id(window) == detail.id and shown(window) is not None
                    and shown(window).state is EmailState.AWAITING_REVIEW, timeout=15_000)
    assert window.undo_bar.isHidden() and not window.commands.undo.isEnabled()
    assert window.status.currentMessage().startswith("Undone: Reply to") and \
        window.status.currentMessage().endswith("approved. Back in review, nothing sent.")
    assert run(console.detail(detail.id)).state is EmailState.AWAITING_REVIEW
    assert [i.status for i in run(console.outbox()) if i.email_id == detail.id] == ["cancelled"]
    assert run(console.audit(detail.id))[0].action == "undo"
    run(console.wait_idle())
    assert demo_sent(console) == []  # nothing ever left


def test_ctrl_z_in_the_reply_editor_undoes_typing_not_a_decision(qtbot, window, run, console, undo_seconds):
    first = next_email(qtbot, window)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Delete)  # reject it (with an empty reason)
    qtbot.waitUntil(lambda: window.reject_dialog is not None and window.reject_dialog.isVisible(), timeout=15_000)
    qtbot.keyClick(window.reject_dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.undo_bar.isVisible() and current_id(window) != first.id, timeout=15_000)
    assert "rejected" in window.undo_bar.message.text()

    qtbot.waitUntil(lambda: shown(window) is not None, timeout=15_000)
    second = shown(window)
    while not has_reply(second):  # back up the queue (the rejected email was near its end)
        qtbot.keyClick(window.queue_view, Qt.Key.Key_K)
        qtbot.waitUntil(lambda before=second.id: current_id(window) != before and shown(window) is not None,
                        timeout=15_000)
        second = shown(window)
    editor = window.detail.reply_editor.editor
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    original = editor.toPlainText()
    qtbot.keyClicks(editor, "xyz")
    qtbot.keyClick(editor, Qt.Key.Key_Z, CTRL)
    assert editor.toPlainText() == original  # the typing went
    assert run(console.detail(first.id)).state is EmailState.REJECTED  # the decision stayed
    assert window.commands.undo.isEnabled() and current_id(window) == second.id

    window.undo_bar.undo_button.click()  # the strip's button does what Ctrl+Z does in the queue
    qtbot.waitUntil(lambda: run(console.detail(first.id)).state is EmailState.AWAITING_REVIEW, timeout=15_000)
    qtbot.waitUntil(lambda: current_id(window) == first.id, timeout=15_000)


def test_the_undo_window_is_set_in_general_settings(qtbot, run, console, undo_seconds):
    dialog = SettingsDialog(console)
    qtbot.addWidget(dialog)
    spin = dialog.general.undo
    assert spin.value() == 30
    spin.setValue(0)
    assert spin.text() == "Off: send at once"
    spin.setValue(45)
    dialog.apply()
    qtbot.waitUntil(lambda: console.settings.undo_seconds == 45.0, timeout=15_000)


def test_the_outbox_says_what_is_held_and_what_was_undone(undo_seconds):
    now = datetime.now(UTC)
    base = {"id": 1, "email_id": 2, "kind": "reply", "idempotency_key": "reply:2", "payload": {},
            "created_at": now, "delivered_at": None}
    assert status_text(OutboxItem(status="pending", not_before=now + timedelta(seconds=60), **base)) \
        .startswith("Held until ")
    assert status_text(OutboxItem(status="pending", not_before=now - timedelta(seconds=1), **base)) == "Pending"
    assert status_text(OutboxItem(status="pending", not_before=now + timedelta(seconds=60), started_at=now,
                                  **base)) == "Pending"  # a quit sends it early: being delivered, not held
    assert status_text(OutboxItem(status="cancelled", **base)) == "Cancelled (undone)"


def test_a_correction_is_undone_with_ctrl_z_and_the_panel_shows_the_old_one(qtbot, window, run, console,
                                                                           undo_seconds):
    detail = next_email(qtbot, window)
    panel = window.detail.classification_panel
    old = detail.classification
    category = next(c for c in console.categories if c.key != old.category)
    panel.category_combo.setCurrentIndex(panel.category_combo.findData(category.key))
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).state is EmailState.OVERRIDDEN, timeout=15_000)
    assert f"Corrected to {category.label}" in window.undo_bar.message.text()
    assert console.learner.corrections == 1
    window.queue_view.setFocus()
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Return, CTRL)  # and approved the redrafted reply
    qtbot.waitUntil(lambda: current_id(window) != detail.id and "1 more to undo" in window.undo_bar.message.text(),
                    timeout=15_000)

    qtbot.keyClick(window.queue_view, Qt.Key.Key_Z, CTRL)  # the approval first ...
    qtbot.waitUntil(lambda: current_id(window) == detail.id and shown(window) is not None
                    and shown(window).state is EmailState.OVERRIDDEN, timeout=15_000)
    window.queue_view.setFocus()
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Z, CTRL)  # ... then the correction before it
    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).state is EmailState.AWAITING_REVIEW,
                    timeout=15_000)
    assert shown(window).classification == old
    assert panel.category_combo.currentData() == old.category
    assert console.learner.corrections == 0


def test_an_undone_email_is_selected_again_even_if_a_late_load_drops_its_row(qtbot, window, run, console,
                                                                             undo_seconds):
    # Under load, the reload that the approval asked for can arrive after the undo, from before it: the row
    # is gone for a moment, then back with the reload the undo asked for, and selected again then.
    detail = open_email_where(qtbot, window, has_reply)
    window.queue_view.setFocus()
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: current_id(window) not in (None, detail.id) and window.undo_bar.isVisible(),
                    timeout=15_000)
    model = window.queue_model
    qtbot.waitUntil(lambda: model.row_of(detail.id) is None, timeout=15_000)  # the approval's reload is in
    stale_load = model.loads_started
    stale_pages = {page: list(rows) for page, rows in model._pages.items()}  # without the approved email
    stale_count = model.rowCount()

    qtbot.keyClick(window.queue_view, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: window.status.currentMessage().startswith("Undone:"), timeout=15_000)
    model._apply(model.query(), False, stale_count, stale_pages, load=stale_load)  # the late, older load
    assert model.row_of(detail.id) is None
    qtbot.waitUntil(lambda: current_id(window) == detail.id and shown(window) is not None
                    and shown(window).state is EmailState.AWAITING_REVIEW, timeout=15_000)
