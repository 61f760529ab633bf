"""Every command of the main window as a QAction with its shortcuts, in one place, so menus, buttons
and the F1 list of shortcuts cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget


@dataclass(frozen=True, slots=True)
class ConsoleActions:
    quit: QAction
    settings: QAction
    auto_approval: QAction
    health: QAction
    audit: QAction
    outbox: QAction
    refresh: QAction
    next_email: QAction
    previous_email: QAction
    focus_search: QAction
    poll_now: QAction
    approve: QAction
    undo: QAction
    close_without_reply: QAction
    reject: QAction
    escalate: QAction
    create_case: QAction
    shortcuts: QAction
    about: QAction


def _action(parent: QWidget, text: str, *keys: str | QKeySequence.StandardKey, tip: str = "",
            name: str = "") -> QAction:
    action = QAction(text, parent)
    sequences = [QKeySequence(k) for k in keys]
    if sequences:
        action.setShortcuts(sequences)
    shown = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)
    action.setToolTip(f"{tip or text.rstrip('…')} ({shown})" if shown else tip or text)
    action.setStatusTip(tip)
    action.setObjectName(name)
    return action


def create_actions(parent: QWidget) -> ConsoleActions:
    actions = ConsoleActions(
        quit=_action(parent, "&Quit", "Ctrl+Q", name="actionQuit"),
        settings=_action(parent, "&Settings…", "Ctrl+,", tip="Mail source, AI, CRM, escalation",
                         name="actionSettings"),
        auto_approval=_action(parent, "&Auto-approval…", tip="Let the console approve proposals on its own, "
                              "per category", name="actionAutoApproval"),
        health=_action(parent, "Integration &health", "Ctrl+Shift+H",
                       tip="Whether the mailbox, the AI and the CRMs work", name="actionHealth"),
        audit=_action(parent, "&Audit trail", "Ctrl+Shift+A", tip="Who did what, and when",
                      name="actionAudit"),
        outbox=_action(parent, "&Outbox", "Ctrl+Shift+O", tip="Replies and escalations, and their delivery",
                       name="actionOutbox"),
        refresh=_action(parent, "&Refresh", "F5", tip="Reload the queue and the open email",
                        name="actionRefresh"),
        next_email=_action(parent, "&Next email", "J", tip="Select the next email in the queue",
                           name="actionNext"),
        previous_email=_action(parent, "&Previous email", "K", tip="Select the previous email in the queue",
                               name="actionPrevious"),
        focus_search=_action(parent, "&Search…", "Ctrl+F", "/", tip="Search the queue",
                             name="actionSearch"),
        poll_now=_action(parent, "&Poll mailbox now", "Ctrl+R", tip="Fetch new mail now", name="actionPoll"),
        approve=_action(parent, "&Approve && send", "Ctrl+Return", "Ctrl+Enter",
                        tip="Send the reply as shown", name="actionApprove"),
        undo=_action(parent, "&Undo last decision", QKeySequence.StandardKey.Undo,
                     tip="Take back the last approve, escalate, close or reject while it has not left yet",
                     name="actionUndo"),
        close_without_reply=_action(parent, "&Close without reply", "Ctrl+Shift+Return",
                                    tip="Done, no reply needed", name="actionClose"),
        reject=_action(parent, "Re&ject…", "Ctrl+Shift+R", QKeySequence.StandardKey.Delete,
                       tip="Reject the proposal; nothing is sent", name="actionReject"),
        escalate=_action(parent, "&Escalate…", "Ctrl+E", tip="Hand the email to someone who can act on it",
                         name="actionEscalate"),
        create_case=_action(parent, "Create &case…", "Ctrl+Shift+C",
                            tip="Create a case or ticket in the CRM from this email", name="actionCreateCase"),
        shortcuts=_action(parent, "&Keyboard shortcuts", "F1", name="actionShortcuts"),
        about=_action(parent, "&About EmailBot Console", name="actionAbout"),
    )
    actions.settings.setMenuRole(QAction.MenuRole.PreferencesRole)  # macOS: the application menu's Settings
    return actions


def build_menus(bar: QMenuBar, c: ConsoleActions) -> list[QMenu]:
    menus = []
    for title, actions in (
        ("&File", [c.settings, c.auto_approval, None, c.quit]),
        ("&View", [c.audit, c.outbox, c.health, None, c.refresh]),
        ("&Queue", [c.next_email, c.previous_email, None, c.focus_search, None, c.poll_now]),
        ("&Email", [c.approve, c.close_without_reply, None, c.escalate, c.reject, None, c.create_case, None,
                    c.undo]),
        ("&Help", [c.shortcuts, None, c.about]),
    ):
        menu = bar.addMenu(title)
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menus.append(menu)
    return menus
