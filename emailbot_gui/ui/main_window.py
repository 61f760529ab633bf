"""The operator's main window: the queue on the left, the open email on the right, decisions from the
keyboard. It is the container that wires the widgets (which know nothing of the console) to the
console's coroutines, and follows the console's events to stay current."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QSettings, QSignalBlocker, Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui import APP_NAME
from emailbot_gui.core.lifecycle import REVIEWABLE
from emailbot_gui.services.events import EmailsChanged, Health, Notice
from emailbot_gui.store.operator_ops import CRM_CASE_STATES
from emailbot_gui.store.views import EmailDetail
from emailbot_gui.ui.about_dialog import about_box
from emailbot_gui.ui.actions import build_menus, create_actions
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.attachment_saver import AttachmentSaver
from emailbot_gui.ui.audit_view import AuditWindow
from emailbot_gui.ui.auto_approval_dialog import AutoApprovalDialog
from emailbot_gui.ui.bridge import EventBridge
from emailbot_gui.ui.crm_panel import LINK_SCHEMES, case_dialog
from emailbot_gui.ui.detail_pane import DetailPane
from emailbot_gui.ui.dialogs import failure_box, link_confirmation, open_dialog, reject_dialog
from emailbot_gui.ui.escalate_dialog import EscalateDialog
from emailbot_gui.ui.filter_bar import NEEDS_REVIEW, FilterBar
from emailbot_gui.ui.health_view import HealthWindow
from emailbot_gui.ui.outbox_view import OutboxWindow
from emailbot_gui.ui.queue_model import Column, EmailIdRole, QueueTableModel
from emailbot_gui.ui.queue_view import QueueView
from emailbot_gui.ui.reply_editor import DecisionActions
from emailbot_gui.ui.shortcuts_dialog import ShortcutsDialog
from emailbot_gui.ui.status_bar import ConsoleStatusBar
from emailbot_gui.ui.style import app_icon
from emailbot_gui.ui.undo_bar import UndoBar
from emailbot_gui.ui.usage_view import email_text as email_usage_text
from emailbot_gui.ui.window_state import WindowState, default_settings

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole
    from emailbot_gui.ui.settings_dialog import SettingsDialog

SAFE_LINK_SCHEMES = ("http", "https", "mailto")


class MainWindow(QMainWindow):
    def __init__(self, console: TriageConsole, *, demo: bool = False, settings: QSettings | None = None,
                 open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.demo = demo
        self._settings = settings if settings is not None else default_settings()
        self._open_url = open_url
        self._detail: EmailDetail | None = None
        self._selected_id: int | None = None
        self._first_shown = False
        self._in_flight: set[int] = set()  # emails with an operation under way
        self._decided: set[int] = set()  # decided since the last queue refresh (rows still show old state)
        # An undone email to select once a load started after the undo is shown (an earlier load, still on its
        # way, may drop its row for a moment): (email id, the loads started by then).
        self._select_when_loaded: tuple[int, int] | None = None
        self._counts_stale = True  # the status bar's state counts change with the emails, not with a filter
        self._audit: AuditWindow | None = None
        self._outbox: OutboxWindow | None = None
        self._health_window: HealthWindow | None = None
        self._last_health: list[Health] = []
        self.settings_dialog: SettingsDialog | None = None
        self.auto_approval_dialog: AutoApprovalDialog | None = None
        self.escalate_dialog: EscalateDialog | None = None
        self.reject_dialog: QInputDialog | None = None
        self.case_dialog: QInputDialog | None = None
        crm_targets = getattr(console, "crm_targets", None)
        self._crm_targets = {t.label: t.key for t in (crm_targets() if crm_targets is not None else ())}
        self.link_dialog: QMessageBox | None = None

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)
        self.runner = TaskRunner(self)
        self.bridge = EventBridge(console.events, self)
        self.commands = create_actions(self)
        c = self.commands
        self.filter_bar = FilterBar(console.categories, self)
        self.queue_model = QueueTableModel(console, self.runner, parent=self)
        self.queue_view = QueueView(self)
        self.queue_view.setModel(self.queue_model)
        self.detail = DetailPane(console.categories, DecisionActions(c.approve, c.close_without_reply,
                                                                     c.escalate, c.reject), self.runner, self,
                                 create_case=c.create_case)
        self.status = ConsoleStatusBar(demo=demo, parent=self)
        self.setStatusBar(self.status)
        self.undo_bar = UndoBar(self)
        self._build_layout()
        self.menus = build_menus(self.menuBar(), self.commands)
        self._connect()
        self._window_state = self._state_parts()
        self._window_state.restore()

        self.status.set_loop_status(console.loop_status)
        self._show_health(console.health())
        self._update_usage()
        self.detail.clear("Loading the queue…")
        self._update_actions()
        with QSignalBlocker(self.filter_bar):
            self.filter_bar.set_states(NEEDS_REVIEW)  # open on the work still to do
        self.queue_model.setQuery(self.filter_bar.apply_to(self.queue_model.query()), force=True)
        self.queue_view.setFocus()

    # -- construction ---------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        queue_pane = QWidget(self)
        layout = QVBoxLayout(queue_pane)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.queue_view, 1)
        strip = QHBoxLayout()
        strip.setContentsMargins(8, 4, 8, 6)
        strip.addWidget(self.undo_bar)
        layout.addLayout(strip)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.addWidget(queue_pane)
        self.main_splitter.addWidget(self.detail)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([560, 720])
        self.detail.setSizes([470, 250])
        self.detail.reader.setSizes([440, 300])
        self.setCentralWidget(self.main_splitter)

    def _connect(self) -> None:
        c = self.commands
        c.quit.triggered.connect(self.close)
        c.audit.triggered.connect(self.show_audit)
        c.outbox.triggered.connect(self.show_outbox)
        c.refresh.triggered.connect(self.refresh)
        c.next_email.triggered.connect(lambda: self.move_selection(1))
        c.previous_email.triggered.connect(lambda: self.move_selection(-1))
        c.focus_search.triggered.connect(self.filter_bar.focus_search)
        c.poll_now.triggered.connect(self._poll_now)
        c.approve.triggered.connect(self._approve)
        c.undo.triggered.connect(self._undo)
        self.undo_bar.undoRequested.connect(self._undo)
        self.undo_bar.changed.connect(self._update_actions)
        c.close_without_reply.triggered.connect(self._close_without_reply)
        c.reject.triggered.connect(self._ask_reject)
        c.escalate.triggered.connect(self._open_escalation)
        c.create_case.triggered.connect(self._ask_create_case)
        c.shortcuts.triggered.connect(lambda: open_dialog(ShortcutsDialog(self.menus, self)))
        c.about.triggered.connect(lambda: open_dialog(about_box(self)))
        c.settings.triggered.connect(self.show_settings)
        c.auto_approval.triggered.connect(self.show_auto_approval)
        c.health.triggered.connect(self.show_health)
        self.status.health.clicked.connect(self.show_health)

        self.runner.failed.connect(lambda what, why: self.status.show_error(f"{what}: {why}"))
        self.runner.busyChanged.connect(self.status.set_busy)
        self.bridge.emailsChanged.connect(self._emails_changed)
        self.bridge.loopStatusChanged.connect(self.status.set_loop_status)
        self.bridge.noticePosted.connect(self._notice)
        self.bridge.healthChanged.connect(self._show_health)
        self.filter_bar.filtersChanged.connect(self._apply_filters)
        self.filter_bar.leaveRequested.connect(self._enter_queue)
        self.status.countClicked.connect(self.filter_bar.set_states)

        model = self.queue_model
        model.countChanged.connect(self.filter_bar.set_count)
        model.refreshed.connect(self._queue_refreshed)
        model.dataChanged.connect(lambda *_: self._follow_current())
        model.layoutChanged.connect(lambda *_: self._follow_current())
        self.queue_view.selectionModel().currentRowChanged.connect(lambda *_: self._follow_current())

        panel = self.detail.message_panel
        panel.linkClicked.connect(self._link_clicked)
        panel.linkHovered.connect(lambda url: self.status.showMessage(url) if url else self.status.clearMessage())
        self.attachment_saver = AttachmentSaver(self.console, self.runner, self)
        self.attachment_saver.saved.connect(self.status.show_info)
        panel.attachmentRequested.connect(
            lambda index: self.attachment_saver.save(self._detail, index) if self._detail is not None else None)
        self.detail.classification_panel.overrideRequested.connect(self._override)
        self.detail.crm_panel.linkActivated.connect(self._open_crm_link)
        self.detail.reply_editor.editor.textChanged.connect(self._update_actions)

    def shown_email(self) -> EmailDetail | None:
        """The email whose detail the window shows (it may lag the selection while loading)."""
        return self._detail

    # -- the queue and the selection ------------------------------------------------------------------

    def _apply_filters(self) -> None:
        self.queue_model.setQuery(self.filter_bar.apply_to(self.queue_model.query()))

    def _queue_refreshed(self) -> None:
        self._decided.clear()
        if self._counts_stale:
            self._counts_stale = False
            self.runner.run(self.console.counts(), self.status.set_counts, name="counts", what="Counting the queue")
        if self._select_when_loaded is not None and self.queue_model.loads_applied > self._select_when_loaded[1]:
            email_id, self._select_when_loaded = self._select_when_loaded[0], None  # back in the queue now
            if self.select_email(email_id):
                return
        if self.queue_view.currentIndex().isValid():
            return
        if self._selected_id is None and not self._first_shown and self.queue_model.rowCount() > 0:
            self._first_shown = True  # open on the top email, ready for the keyboard
            self.queue_view.setFocus(Qt.FocusReason.OtherFocusReason)
            self.move_selection(1)
            return
        if self._selected_id is None or not self.select_email(self._selected_id):
            self._show_nothing()  # or found again, after a new filter or order

    def _follow_current(self) -> None:
        current = self.queue_view.currentIndex()
        email_id = current.data(EmailIdRole) if current.isValid() else None
        if email_id is not None and email_id != self._selected_id:
            self._open_email(email_id)

    def select_email(self, email_id: int) -> bool:
        """Select an email if it is among the loaded rows; False if it is not."""
        row = self.queue_model.row_of(email_id)
        if row is None:
            return False
        self._set_current_row(row)
        return True

    def move_selection(self, delta: int) -> None:
        count = self.queue_model.rowCount()
        if count == 0:
            return
        current = self.queue_view.currentIndex()
        row = current.row() if current.isValid() else (-1 if delta > 0 else count)
        self._set_current_row(max(0, min(count - 1, row + delta)))

    def _set_current_row(self, row: int) -> None:
        column = self.queue_view.currentIndex().column()
        index = self.queue_model.index(row, column if column >= 0 else Column.SUBJECT)
        self.queue_view.setCurrentIndex(index)
        self.queue_view.scrollTo(index)

    def _enter_queue(self) -> None:
        self.queue_view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.queue_view.currentIndex().isValid():
            self.move_selection(1)

    def _open_email(self, email_id: int) -> None:
        self._selected_id = email_id
        self._update_actions()  # nothing can be decided until this email's detail is shown
        self._load_detail()
        if self._audit is not None:
            self._audit.set_email(email_id)

    def _load_detail(self) -> None:
        if self._selected_id is not None:
            email_id = self._selected_id
            self.runner.run(self.console.detail(email_id), self._show_detail,
                            lambda exc: self._detail_failed(email_id, exc), name="detail",
                            what=f"Opening email #{email_id}")

    def _show_detail(self, detail: EmailDetail) -> None:
        if detail.id != self._selected_id:
            return
        if self._detail is None or self._detail.id != detail.id:
            self.detail.crm_panel.show_cases(())  # never another email's cases while this one's load
        self._detail = detail
        self.detail.show_detail(detail, reviewable=detail.state in REVIEWABLE)
        usage = self.console.usage_for(detail.email.message_id) if detail.email.message_id else None
        self.detail.classification_panel.show_usage(email_usage_text(usage) if usage is not None else "")
        self._update_actions()
        if self._crm_targets:
            self.runner.run(self.console.crm_cases(detail.id),
                            lambda items: self.detail.crm_panel.show_cases(items) if self._selected_id == detail.id
                            else None, name="crm_cases", what="Reading the email's CRM cases")

    def _detail_failed(self, email_id: int, exc: BaseException) -> None:
        if email_id == self._selected_id:
            self._detail = None
            self.detail.clear(f"This email cannot be shown: {describe_error(exc)}")
            self._update_actions()
        self.runner.report(f"Opening email #{email_id}", exc)

    def _show_nothing(self) -> None:
        self._selected_id = None
        self._detail = None
        self.runner.cancel("detail")
        empty = self.queue_model.rowCount() == 0
        self.detail.clear("Nothing here: no email matches these filters." if empty
                          else "Select an email in the queue to read it (J / K).")
        self._update_actions()

    def refresh(self) -> None:
        self._counts_stale = True
        self.queue_model.refresh()
        self._load_detail()

    def _emails_changed(self, event: EmailsChanged) -> None:
        self._counts_stale = True
        self.queue_model.schedule_refresh()
        if event.reason in ("classified", "enriched", "proposed", "failed"):  # the AI may have been billed
            self._update_usage()
        if event.reason in ("sent", "escalated", "delivery_failed"):  # it has gone out: nothing left to undo
            for email_id in event.ids:
                self.undo_bar.forget(email_id)
        if self._selected_id in event.ids:
            self._load_detail()

    # -- decisions ------------------------------------------------------------------------------------

    def _reviewable_detail(self) -> EmailDetail | None:
        d = self._detail
        ok = d is not None and d.id == self._selected_id and d.state in REVIEWABLE and d.id not in self._in_flight
        return d if ok else None

    def _update_actions(self) -> None:
        c = self.commands
        detail = self._reviewable_detail()
        shown = self._detail if self._detail is not None and self._detail.id == self._selected_id else None
        no_reply = bool(shown and shown.proposal and shown.proposal.no_reply_reason)
        c.approve.setEnabled(detail is not None and bool(self.detail.reply_editor.reply_text().strip()))
        c.close_without_reply.setVisible(no_reply)
        c.close_without_reply.setEnabled(detail is not None and no_reply)
        c.reject.setEnabled(detail is not None)
        c.escalate.setEnabled(detail is not None)
        c.undo.setEnabled(self.undo_bar.latest() is not None)
        c.create_case.setVisible(bool(self._crm_targets))
        c.create_case.setEnabled(bool(self._crm_targets) and shown is not None and shown.state in CRM_CASE_STATES
                                 and shown.id not in self._in_flight)
        self.detail.classification_panel.setEnabled(shown is None or shown.id not in self._in_flight)

    def _run_decision(self, what: str, operation: Callable[[int], Coroutine[Any, Any, Any]], done: str,
                      *, advance: bool = True, undo: tuple[str, str] | None = None) -> None:
        """`undo`: (what was decided, what happens when the undo window ends) for the undo strip."""
        detail = self._reviewable_detail()
        if detail is None:
            return
        email_id = detail.id
        self._in_flight.add(email_id)
        self._update_actions()

        def succeeded(_: object) -> None:
            self._in_flight.discard(email_id)
            if undo is not None and self._offer_undo(email_id, *undo):
                self.status.clearMessage()
            else:
                self.status.show_info(done)
            if advance:
                self._decision_done(email_id)
            self._update_actions()

        def failed(exc: BaseException) -> None:
            self._in_flight.discard(email_id)
            self._update_actions()
            self._operation_failed(what, exc)

        self.runner.run(operation(email_id), succeeded, failed, what=what, operation=True)

    def _decision_done(self, email_id: int) -> None:
        """Move on to the next email still to review, so triage can go on from the keyboard."""
        self._decided.add(email_id)
        if self._selected_id != email_id:
            return  # the operator has already moved on
        next_id = self.queue_model.next_reviewable(email_id, frozenset(self._decided | self._in_flight))
        if next_id is not None:
            self.select_email(next_id)
        if self.detail.isAncestorOf(self.focusWidget()):
            self.queue_view.setFocus()  # J / K / Ctrl+Enter go on from here

    def _offer_undo(self, email_id: int, text: str, countdown: str) -> bool:
        seconds = self.console.settings.undo_seconds
        if seconds <= 0:
            return False
        self.undo_bar.push(email_id, text, countdown, seconds)
        return True

    def _undo(self) -> None:
        """Ctrl+Z: take back the newest decision still within its window; the email is selected again."""
        decision = self.undo_bar.take()
        if decision is None:
            seconds = self.console.settings.undo_seconds
            self.status.show_info(f"Nothing to undo: a decision can be taken back for {seconds:g} seconds after it "
                                  "is made (Settings → General)." if seconds > 0 else
                                  "Nothing to undo: undo is off (Settings → General → Time to undo a decision).")
            return
        email_id = decision.email_id
        self._in_flight.add(email_id)

        def undone(_: object) -> None:
            self._in_flight.discard(email_id)
            self._decided.discard(email_id)
            self.status.show_info(f"Undone: {decision.text}. Back in review, nothing sent.")
            self.select_email(email_id)  # if its row is still loaded; and again once the queue is reloaded
            self._select_when_loaded = email_id, self.queue_model.loads_started
            self.queue_model.schedule_refresh()
            self._update_actions()

        def failed(exc: BaseException) -> None:
            self._in_flight.discard(email_id)
            self._update_actions()
            self._operation_failed("Undoing the decision", exc)

        self.runner.run(self.console.undo(email_id), undone, failed, what="Undoing the decision", operation=True)

    def _approve(self) -> None:
        detail = self._reviewable_detail()
        editor = self.detail.reply_editor
        text = editor.reply_text() if editor.is_edited() else None
        who = _who(detail)
        self._run_decision("Approving the reply", lambda i: self.console.approve(i, text),
                           "Reply approved; it is being sent.",
                           undo=(f"Reply to {who} approved" if who else "Reply approved", "sends in {} s"))

    def _close_without_reply(self) -> None:
        self._run_decision("Closing the email", self.console.close, "Closed without a reply.",
                           undo=(f"{_quoted(self._reviewable_detail())} closed without a reply", "{} s to undo"))

    def _override(self, category: str | None, urgency: Any, note: str) -> None:
        shown = self._reviewable_detail()
        now = shown.classification if shown is not None else None
        new_category = category or (now.category if now else "")
        new_urgency = urgency or (now.urgency if now else None)
        labels = {c.key: c.label for c in self.console.categories}
        what = ", ".join(p for p in (labels.get(new_category, new_category), new_urgency.label if new_urgency else "")
                         if p)
        self._run_decision("Correcting the classification",
                           lambda i: self.console.override(i, category=category, urgency=urgency, note=note),
                           "Classification corrected; the reply was redrafted.", advance=False,
                           undo=(f"Corrected to {what}", "{} s to undo"))

    def _ask_reject(self) -> None:
        detail = self._reviewable_detail()
        if detail is None:
            return
        dialog = reject_dialog(self, detail.email.subject)
        undo = (f"{_quoted(detail)} rejected", "{} s to undo")
        dialog.textValueSelected.connect(lambda reason: self._run_decision(
            "Rejecting the email", lambda i: self.console.reject(i, reason.strip()), "Email rejected.", undo=undo))
        self.reject_dialog = dialog
        open_dialog(dialog)

    def _open_escalation(self) -> None:
        detail = self._reviewable_detail()
        if detail is None:
            return
        dialog = EscalateDialog(self.console, detail.id, self.runner, demo=self.demo, parent=self)

        def escalated(email_id: int) -> None:
            if self._offer_undo(email_id, f"{_quoted(detail)} escalated", "posts in {} s"):
                self.status.clearMessage()
            else:
                self.status.show_info("Escalated" + (" (to the demo outbox)." if self.demo else "."))
            self._decision_done(email_id)

        dialog.escalated.connect(escalated)
        self.escalate_dialog = dialog
        open_dialog(dialog)

    def _ask_create_case(self) -> None:
        """Ask where to create the case (the operator's approval), then queue it; the email stays put."""
        shown = self._detail if self._detail is not None and self._detail.id == self._selected_id else None
        if shown is None or not self._crm_targets or shown.state not in CRM_CASE_STATES:
            return
        email_id = shown.id
        dialog = case_dialog(self, shown.email.subject, list(self._crm_targets))

        def chosen(label: str) -> None:
            target = self._crm_targets[label]
            self.runner.run(self.console.create_case(email_id, target),
                            lambda _: self.status.show_info(f"Case approved; it is being created in {label}."),
                            lambda exc: self._operation_failed("Creating the case", exc),
                            what="Creating the case", operation=True)

        dialog.textValueSelected.connect(chosen)
        self.case_dialog = dialog
        open_dialog(dialog)

    def _open_crm_link(self, url: QUrl) -> None:
        if url.scheme().lower() in LINK_SCHEMES:
            self._open_url(url)

    def _operation_failed(self, what: str, exc: BaseException) -> None:
        self.runner.report(what, exc)
        open_dialog(failure_box(self, what, describe_error(exc)))
        self._load_detail()  # the email may have changed under us (another operator, the pipeline)

    # -- links, notices, other windows ----------------------------------------------------------------

    def _link_clicked(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme not in SAFE_LINK_SCHEMES:
            self.status.show_error(f"Links of type “{scheme or 'relative'}” are not opened from emails.")
            return
        flagged = bool(self._detail and self._detail.classification and self._detail.classification.flags)
        box = link_confirmation(self, url, flagged=flagged)
        box.accepted.connect(lambda: self._open_url(url))
        self.link_dialog = box
        open_dialog(box)

    def _notice(self, notice: Notice) -> None:
        if notice.level in ("error", "warning"):
            self.status.show_error(notice.text)
        else:
            self.status.show_info(notice.text)

    def _poll_now(self) -> None:
        try:
            self.console.poll_now()
        except Exception as exc:  # the operator asked: say why it did not happen
            self.runner.report("Polling the mailbox", exc)
        else:
            self.status.show_info("Polling the mailbox…")

    def show_audit(self) -> AuditWindow:
        if self._audit is None:
            self._audit = AuditWindow(self.console, self.runner, self.bridge, self, open_url=self._open_url)
        self._audit.set_email(self._selected_id)
        self._raise(self._audit)
        return self._audit

    # -- settings, health, usage, auto-approval -------------------------------------------------------

    def _show_health(self, health: Sequence[Health]) -> None:
        self._last_health = list(health)
        self.status.health.set_health(health)
        if self._health_window is not None:
            self._health_window.show_health(health)

    def _update_usage(self) -> None:
        self.status.usage.show_usage(self.console.usage())

    def show_health(self) -> HealthWindow:
        if self._health_window is None:
            self._health_window = HealthWindow(self._last_health, self.console.recheck_health, self.runner, self)
        self._raise(self._health_window)
        return self._health_window

    def show_settings(self) -> SettingsDialog:
        # The dialog deletes itself when closed (open_dialog): only a live one is raised again.
        if self.settings_dialog is not None and shiboken6.isValid(self.settings_dialog) \
                and self.settings_dialog.isVisible():
            self._raise(self.settings_dialog)
            return self.settings_dialog
        # Imported when first opened: it brings the setup forms and the Microsoft 365 sign-in (msal, requests),
        # about 0.2 s that a start need not wait for.
        from emailbot_gui.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.console, parent=self)

        def applied(restart_needed: bool) -> None:
            self._update_usage()
            self._crm_targets = {t.label: t.key for t in self.console.crm_targets()}  # a CRM may be on or off now
            self._update_actions()
            self.status.show_info("Settings saved; the mail source changes after a restart." if restart_needed
                                  else "Settings saved and applied.")

        dialog.applied.connect(applied)
        self.settings_dialog = dialog
        open_dialog(dialog)
        return dialog

    def show_auto_approval(self) -> AutoApprovalDialog:
        dialog = AutoApprovalDialog(self.console, self)
        dialog.saved.connect(lambda rules: self.status.show_info(
            "Auto-approval is on for the categories chosen." if rules.enabled and any(
                r.enabled for r in rules.rules.values()) else "Auto-approval is off."))
        self.auto_approval_dialog = dialog
        open_dialog(dialog)
        return dialog

    def show_outbox(self) -> OutboxWindow:
        if self._outbox is None:
            self._outbox = OutboxWindow(self.console, self.runner, self.bridge, self, open_url=self._open_url)
        self._raise(self._outbox)
        return self._outbox

    @staticmethod
    def _raise(window: QWidget) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def _state_parts(self) -> WindowState:
        header = self.queue_view.horizontalHeader()
        return WindowState(self._settings, {
            "window/geometry": (self.saveGeometry, self.restoreGeometry),
            "window/mainSplitter": (self.main_splitter.saveState, self.main_splitter.restoreState),
            "window/detailSplitter": (self.detail.saveState, self.detail.restoreState),
            "window/readerSplitter": (self.detail.reader.saveState, self.detail.reader.restoreState),
            # The header's saved sort indicator re-sorts the queue too: the operator's order persists.
            "queue/header": (header.saveState, header.restoreState),
        })

    def closeEvent(self, event: QCloseEvent) -> None:
        self._window_state.save()
        for window in (self._audit, self._outbox, self._health_window):
            if window is not None:
                window.close()
        self.runner.cancel_reads()  # operations under way (a send) are left to finish
        self.queue_model.stop()
        self.bridge.detach()
        super().closeEvent(event)



def _who(detail: EmailDetail | None) -> str:
    if detail is None:
        return ""
    return detail.email.sender.name or detail.email.sender.address


def _quoted(detail: EmailDetail | None, limit: int = 48) -> str:
    subject = (detail.email.subject if detail is not None else "").strip() or "(no subject)"
    return f"“{subject if len(subject) <= limit else subject[:limit - 1] + '…'}”"
