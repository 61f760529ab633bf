"""The main window driven as an operator would, over the real console and its SQLite store: every
assertion about an outcome reads the store back through the console."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from emailbot_gui.core.lifecycle import REVIEWABLE, EmailState
from emailbot_gui.core.types import Urgency
from emailbot_gui.services.events import LoopStatus
from emailbot_gui.store.views import EmailDetail, QueueQuery
from emailbot_gui.ui.queue_model import EmailIdRole
from emailbot_gui.ui.record_table import TextDialog
from emailbot_gui.ui.shortcuts_dialog import ShortcutsDialog

CTRL = Qt.KeyboardModifier.ControlModifier


def current_id(w) -> int | None:
    return w.queue_view.currentIndex().data(EmailIdRole)


def shown(w) -> EmailDetail | None:
    detail = w.shown_email()
    return detail if detail is not None and detail.id == current_id(w) else None


def next_email(qtbot, w) -> EmailDetail:
    """Press J in the queue and wait for the email to be shown."""
    before = current_id(w)
    w.queue_view.setFocus()
    qtbot.keyClick(w.queue_view, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: current_id(w) != before and shown(w) is not None)
    return shown(w)


def open_email_where(qtbot, w, wanted) -> EmailDetail:
    for _ in range(w.queue_model.rowCount()):
        detail = next_email(qtbot, w)
        if wanted(detail):
            return detail
    raise AssertionError("no email in the demo queue matches")


def has_reply(detail: EmailDetail) -> bool:
    return bool(detail.proposal and detail.proposal.reply_text.strip() and not detail.proposal.no_reply_reason)


def test_opens_on_the_emails_to_review(qtbot, window, run, console):
    assert window.windowTitle() == "EmailBot Console"
    assert not window.windowIcon().isNull()
    reviewable = run(console.queue_count(QueueQuery(states=frozenset(REVIEWABLE))))
    assert reviewable > 3
    assert window.queue_model.rowCount() == reviewable
    assert window.filter_bar.count_label.text() == f"{reviewable} emails"
    assert window.status.demo_badge.isVisible()
    assert window.status.count_buttons["Awaiting review"].text() == f"Awaiting review: {reviewable}"
    # It opens on the top email, ready for the keyboard (showing has no side effect: nothing is loaded
    # from the network and nothing is marked read).
    top = window.queue_model.row_at(0)
    assert top is not None
    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).id == top.id)
    assert window.queue_view.currentIndex().row() == 0


def test_keyboard_next_and_previous(qtbot, window):
    first = next_email(qtbot, window)
    second = next_email(qtbot, window)
    assert second.id != first.id
    assert window.detail.message_panel.subject.text() == (second.email.subject or "(no subject)")
    qtbot.keyClick(window.queue_view, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).id == first.id)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Down)  # the table's own navigation opens it too
    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).id == second.id)


def test_override_category_and_urgency(qtbot, window, run, console):
    detail = next_email(qtbot, window)
    panel = window.detail.classification_panel
    old = detail.classification
    category = next(c.key for c in console.categories if c.key != old.category)
    urgency = Urgency.CRITICAL if old.urgency != Urgency.CRITICAL else Urgency.LOW
    assert not panel.apply_button.isEnabled()  # nothing changed yet
    panel.category_combo.setCurrentIndex(panel.category_combo.findData(category))
    panel.urgency_combo.setCurrentIndex(panel.urgency_combo.findData(int(urgency)))
    qtbot.keyClicks(panel.note, "wrong queue")
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).state is EmailState.OVERRIDDEN)
    stored = run(console.detail(detail.id))
    assert stored.state is EmailState.OVERRIDDEN
    assert (stored.classification.category, stored.classification.urgency) == (category, urgency)
    entries = [e for e in run(console.audit(detail.id)) if e.action == "override"]
    assert len(entries) == 1 and entries[0].actor == "tester"
    assert window.detail.message_panel.state_badge.text() == "Overridden"
    assert window.commands.approve.isEnabled()  # an overridden email is still to be decided


def test_approve_edited_reply_with_the_keyboard_then_move_on(qtbot, window, run, console):
    detail = open_email_where(qtbot, window, has_reply)
    editor = window.detail.reply_editor
    assert editor.edited_badge.isHidden()
    editor.editor.setFocus()
    editor.editor.moveCursor(editor.editor.textCursor().MoveOperation.End)
    qtbot.keyClick(editor.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.editor, "P.S. Checked by the leadj")  # J types a "j" here, no navigation
    assert not editor.edited_badge.isHidden()
    qtbot.keyClick(editor.editor, Qt.Key.Key_Backspace)
    qtbot.keyClick(editor.editor, Qt.Key.Key_Delete)  # edits the text; does not reject the email
    qtbot.keyClicks(editor.editor, ".")
    assert window.reject_dialog is None and current_id(window) == detail.id

    qtbot.keyClick(editor.editor, Qt.Key.Key_Return, CTRL)  # approve from inside the editor
    qtbot.waitUntil(lambda: current_id(window) not in (None, detail.id) and shown(window) is not None)
    assert shown(window).state in REVIEWABLE  # it moved on to the next email to review

    run(console.wait_idle())
    assert run(console.detail(detail.id)).state is EmailState.SENT
    replies = [i for i in run(console.outbox()) if i.email_id == detail.id]
    assert [i.kind for i in replies] == ["reply"]
    assert replies[0].payload["body"].endswith("P.S. Checked by the lead.")
    assert "approve_edited_reply" in [e.action for e in run(console.audit(detail.id))]
    qtbot.waitUntil(lambda: window.queue_model.row_of(detail.id) is None)  # done: it left "Needs review"


def test_reject_with_delete_and_a_reason(qtbot, window, run, console):
    detail = next_email(qtbot, window)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.reject_dialog is not None and window.reject_dialog.isVisible())
    dialog = window.reject_dialog
    qtbot.keyClicks(dialog.findChild(QLineEdit), "duplicate of an open case")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: current_id(window) != detail.id)
    stored = run(console.detail(detail.id))
    assert stored.state is EmailState.REJECTED
    rejects = [e for e in run(console.audit(detail.id)) if e.action == "reject"]
    assert rejects and rejects[0].details.get("reason") == "duplicate of an open case"
    assert not [i for i in run(console.outbox()) if i.email_id == detail.id]  # nothing was sent


def test_escalate_through_the_dialog(qtbot, window, run, console):
    detail = next_email(qtbot, window)
    directory = run(console.directory())
    qtbot.keyClick(window.queue_view, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: window.escalate_dialog is not None and window.escalate_dialog.isVisible())
    dialog = window.escalate_dialog
    assert dialog.demo_note.isVisible()
    qtbot.waitUntil(lambda: dialog.topic.text() != "")  # the console's proposal arrived
    proposed = dialog.selected_people()
    extra = next(p for p in directory if p not in proposed)
    qtbot.keyClicks(dialog.person_field, extra.address)
    qtbot.keyClick(dialog.person_field, Qt.Key.Key_Return)  # adds the person, does not escalate yet
    assert extra in dialog.selected_people()
    assert dialog.isVisible()
    dialog.message.setPlainText("Please call the customer today.")
    with qtbot.waitSignal(dialog.accepted):  # only once the console took the escalation
        qtbot.mouseClick(dialog.escalate_button, Qt.MouseButton.LeftButton)
    run(console.wait_idle())
    items = [i for i in run(console.outbox()) if i.email_id == detail.id]
    assert [i.kind for i in items] == ["escalation"]
    addresses = [p[0] for p in items[0].payload["people"]]
    assert extra.address in addresses and len(addresses) == len(proposed) + 1
    assert items[0].payload["message"] == "Please call the customer today."
    assert run(console.detail(detail.id)).state is EmailState.ESCALATED
    assert current_id(window) != detail.id


def test_search_shrinks_the_queue_to_matches(qtbot, window, run, console):
    total = window.queue_model.rowCount()
    word = max(window.queue_model.row_at(0).subject.split(), key=len)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Slash)
    assert window.filter_bar.search.hasFocus()
    qtbot.keyClicks(window.filter_bar.search, word)
    expected = run(console.queue_count(QueueQuery(states=frozenset(REVIEWABLE), text=word)))
    assert expected < total
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == expected)
    assert window.filter_bar.count_label.text().startswith(f"{expected} email")
    assert any(word in row.subject for _, row in window.queue_model.loaded_rows())
    qtbot.keyClick(window.filter_bar.search, Qt.Key.Key_Escape)  # clears the search
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == total)


def test_decisions_are_disabled_outside_review(qtbot, window, run, console):
    detail = open_email_where(qtbot, window, has_reply)
    run(console.approve(detail.id))  # decided elsewhere (another operator)
    window.filter_bar.set_states(frozenset())  # all states, so it stays in the queue
    qtbot.waitUntil(lambda: shown(window) is not None and shown(window).state not in REVIEWABLE)
    for action in (window.commands.approve, window.commands.reject, window.commands.escalate):
        assert not action.isEnabled()
    assert window.detail.reply_editor.editor.isReadOnly()
    assert not window.detail.classification_panel.apply_button.isEnabled()


def test_status_bar_follows_the_loop(window, console):
    console.events.publish(LoopStatus(state="error", message="mailbox unreachable"))
    assert "mailbox unreachable" in window.status.loop_state.text()
    console.events.publish(LoopStatus(state="polling"))
    assert "Polling" in window.status.loop_state.text()


def test_audit_and_outbox_windows_list_what_happened(qtbot, window, run, console):
    detail = open_email_where(qtbot, window, has_reply)
    outbox = window.show_outbox()
    audit = window.show_audit()
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Return, CTRL)
    run(console.wait_idle())
    qtbot.waitUntil(lambda: any(audit.model.record(r).email_id == detail.id
                                for r in range(audit.model.rowCount())))
    qtbot.waitUntil(lambda: any(outbox.model.record(r).email_id == detail.id
                                for r in range(outbox.model.rowCount())))
    row = next(r for r in range(outbox.model.rowCount()) if outbox.model.record(r).email_id == detail.id)
    outbox.table.activated.emit(outbox.model.index(row, 0))  # what a double-click does
    qtbot.waitUntil(lambda: outbox.findChild(TextDialog) is not None)
    assert "P.S." not in outbox.findChild(TextDialog).text.toPlainText()  # the proposal as sent
    assert detail.proposal.reply_text.strip() in outbox.findChild(TextDialog).text.toPlainText()


def test_f1_lists_the_shortcuts(qtbot, window):
    qtbot.keyClick(window.queue_view, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.findChild(ShortcutsDialog) is not None)
    dialog = window.findChild(ShortcutsDialog)
    texts = []
    for i in range(dialog.tree.topLevelItemCount()):
        group = dialog.tree.topLevelItem(i)
        texts += [f"{group.child(j).text(0)}={group.child(j).text(1)}" for j in range(group.childCount())]
    assert "Approve & send=Ctrl+Return or Ctrl+Enter" in texts
    assert any(t.startswith("Reject") and "Del" in t for t in texts)
    dialog.findChild(QDialogButtonBox).rejected.emit()


def test_queue_model_checks_on_the_real_store(qtmodeltester, window):
    qtmodeltester.check(window.queue_model)
    assert QApplication.activeWindow() is window
