"""The escalation dialog: who (proposed by the console, plus anyone from the directory, with type-ahead),
the topic and the message. "Escalate" runs `console.escalate`; the dialog closes only once it worked.

Type-ahead asks `console.search_people` (the configured people, and Microsoft 365's directory when it is
connected) 250 ms after the operator stops typing, as a preemptive task: a newer search cancels an older
one, the dialog never waits for an answer, and a directory that cannot answer is said under the field.

It opens with `open()`, never `exec()`: a nested event loop inside an asyncio callback would re-enter
the loop that drives the console's coroutines."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.core.types import Address, EscalationProposal
from emailbot_gui.services.console import DirectoryUnavailable
from emailbot_gui.ui.async_call import TaskRunner, describe_error

if TYPE_CHECKING:
    from emailbot_gui.services.console import TriageConsole

SEARCH_DEBOUNCE_MS = 250
_ADDRESS = re.compile(r"^(?:(?P<name>[^<>]*?)\s*<(?P<angle>[^<>\s]+@[^<>\s]+)>|(?P<bare>[^<>\s]+@[^<>\s]+\.[^<>\s]+))$")


def parse_person(text: str, directory: list[Address]) -> Address | None:
    """A directory entry matching the text (as shown, or by address), else a typed `Name <a@b.c>`."""
    text = text.strip()
    lowered = text.lower()
    for person in directory:
        if lowered in (str(person).lower(), person.address.lower()):
            return person
    match = _ADDRESS.match(text)
    if match is None:
        return None
    if match.group("bare"):
        return Address(match.group("bare"))
    return Address(match.group("angle"), (match.group("name") or "").strip().strip('"'))


class EscalateDialog(QDialog):
    escalated = Signal(int)  # email id, once the console accepted the escalation

    def __init__(self, console: TriageConsole, email_id: int, runner: TaskRunner, *, demo: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("escalateDialog")
        self.setWindowTitle("Escalate email")
        self.setMinimumWidth(520)
        self._console = console
        self._email_id = email_id
        self._runner = runner
        self._directory: list[Address] = []
        self._loaded = False
        self._sending = False

        intro = QLabel("Send this email to the people who can act on it.", self)
        intro.setWordWrap(True)
        self.demo_note = QLabel("Demo mode: the escalation goes to the demo outbox; nobody is contacted.", self)
        self.demo_note.setObjectName("demoNote")
        self.demo_note.setWordWrap(True)
        self.demo_note.setProperty("role", "muted")
        self.demo_note.setVisible(demo)

        self.people = QListWidget(self)
        self.people.setObjectName("escalationPeople")
        self.people.setMaximumHeight(110)
        self.people.installEventFilter(self)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self._remove_selected)
        self.person_field = QLineEdit(self)
        self.person_field.setObjectName("addPerson")
        self.person_field.setPlaceholderText("Add someone: type a name or an address…")
        self.person_field.installEventFilter(self)
        # The suggestions are the search's answer as it is: the directory matches words that a filter on
        # the shown text would hide ("sam@" finds Sam Security <sam.security@…> by the sign-in name).
        self.suggestions = QStringListModel(self)
        self.completer = QCompleter(self.suggestions, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.activated.connect(self._add_person)
        self.person_field.setCompleter(self.completer)
        self.person_field.returnPressed.connect(lambda: self._add_person(self.person_field.text()))
        self.search_note = QLabel(self)
        self.search_note.setObjectName("peopleSearchNote")
        self.search_note.setProperty("role", "muted")
        self.search_note.setWordWrap(True)
        self.search_note.hide()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self._search)
        self.person_field.textEdited.connect(self._typed)
        self.searches = 0  # searches started (tests, diagnostics)
        self.add_button = QPushButton("Add", self)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self._add_person(self.person_field.text()))
        self.topic = QLineEdit(self)
        self.topic.setObjectName("escalationTopic")
        self.message = QPlainTextEdit(self)
        self.message.setObjectName("escalationMessage")
        self.message.setTabChangesFocus(True)
        self.error = QLabel(self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.escalate_button = self.buttons.addButton("Escalate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.escalate_button.setObjectName("confirmEscalation")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        add_row = QHBoxLayout()
        add_row.addWidget(self.person_field, 1)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.remove_button)
        people_box = QVBoxLayout()
        people_box.addWidget(self.people)
        people_box.addLayout(add_row)
        people_box.addWidget(self.search_note)
        form = QFormLayout()
        form.addRow("People", people_box)
        form.addRow("Topic", self.topic)
        form.addRow("Message", self.message)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.demo_note)
        layout.addLayout(form, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for widget in (self.topic, self.message, self.person_field):
            widget.textChanged.connect(self._update_buttons)
        self._set_loading(True)
        self._runner.run(self._load(), self._loaded_ok, self._load_failed,
                         name=f"escalate-load:{id(self)}", what="Loading the escalation proposal")

    # -- loading ------------------------------------------------------------------------------------

    async def _load(self) -> tuple[EscalationProposal, list[Address]]:
        proposal, directory = await asyncio.gather(self._console.suggest_escalation(self._email_id),
                                                   self._console.directory())
        return proposal, directory

    def _loaded_ok(self, result: tuple[EscalationProposal, list[Address]]) -> None:
        proposal, directory = result
        self._directory = list(directory) + [p for p in self._directory if p not in directory]
        for person in proposal.people:
            self._append(person)
        self.topic.setText(proposal.topic)
        self.message.setPlainText(proposal.message)
        self._set_loading(False)
        (self.topic if proposal.people else self.person_field).setFocus()

    def _load_failed(self, exc: BaseException) -> None:
        self._set_loading(False)
        self._show_error(f"The console could not propose an escalation: {describe_error(exc)}. "
                         "You can still choose people and write the message.")

    def _set_loading(self, loading: bool) -> None:
        self._loaded = not loading
        self.topic.setPlaceholderText("Loading the proposal…" if loading else "What is this about?")
        self._update_buttons()

    # -- people -------------------------------------------------------------------------------------

    def selected_people(self) -> list[Address]:
        return [self.people.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.people.count())]

    def _append(self, person: Address) -> None:
        if any(p.address.lower() == person.address.lower() for p in self.selected_people()):
            return
        item = QListWidgetItem(str(person))
        item.setData(Qt.ItemDataRole.UserRole, person)
        self.people.addItem(item)
        self._update_buttons()

    def _add_person(self, text: str) -> None:
        if not text.strip():
            return
        person = parse_person(text, self._directory)
        if person is None:
            self._show_error(f"“{text.strip()}” is neither in the directory nor an email address.")
            return
        self.error.hide()
        self._append(person)
        self.person_field.clear()
        # The completer writes its choice into the field after this slot; clear once more after it.
        QTimer.singleShot(0, self.person_field.clear)

    # -- type-ahead ---------------------------------------------------------------------------------

    @property
    def _search_name(self) -> str:
        return f"people-search:{id(self)}"

    def _typed(self, text: str) -> None:
        if text.strip():
            self._search_timer.start()  # restarts: one search once the operator pauses
            return
        self._search_timer.stop()
        self._runner.cancel(self._search_name)
        self.suggestions.setStringList([])
        self.search_note.hide()

    def _search(self) -> None:
        text = self.person_field.text().strip()
        if not text:
            return
        self.searches += 1
        self._runner.run(self._console.search_people(text), lambda people: self._found(text, people, ""),
                         lambda exc: self._search_failed(text, exc), name=self._search_name,
                         what="Searching for people")

    def _search_failed(self, text: str, exc: BaseException) -> None:
        people = exc.people if isinstance(exc, DirectoryUnavailable) else []
        self._found(text, people, describe_error(exc))

    def _found(self, text: str, people: list[Address], problem: str) -> None:
        known = {p.address.lower(): i for i, p in enumerate(self._directory)}
        for person in people:
            at = known.get(person.address.lower())
            if at is None:
                known[person.address.lower()] = len(self._directory)
                self._directory.append(person)
            elif person.name and not self._directory[at].name:
                self._directory[at] = person  # parse_person then finds the entry as it is shown
        self.search_note.setText(problem)
        self.search_note.setVisible(bool(problem))
        self.suggestions.setStringList([str(p) for p in people])
        if people and self.person_field.hasFocus() and self.person_field.text().strip() == text:
            self.completer.complete()

    def _remove_selected(self) -> None:
        for item in self.people.selectedItems():
            self.people.takeItem(self.people.row(item))
        self._update_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if watched is self.person_field and enter and self.person_field.text().strip():
                self._add_person(self.person_field.text())
                return True  # adding someone must not also press "Escalate"
            if watched is self.people and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._remove_selected()
                return True
        return super().eventFilter(watched, event)

    # -- escalating ---------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        ready = (self._loaded and not self._sending and self.people.count() > 0
                 and bool(self.topic.text().strip()) and bool(self.message.toPlainText().strip()))
        self.escalate_button.setEnabled(ready)
        self.remove_button.setEnabled(self.people.count() > 0 and not self._sending)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def accept(self) -> None:
        if not self.escalate_button.isEnabled():
            return
        self._sending = True
        self._update_buttons()
        self.error.hide()
        self._runner.run(
            self._console.escalate(self._email_id, self.selected_people(), self.topic.text().strip(),
                                   self.message.toPlainText().strip()),
            self._escalated, self._escalation_failed, what="Escalating", operation=True)

    def _escalated(self, _: None) -> None:
        self._sending = False
        self.escalated.emit(self._email_id)
        super().accept()

    def _escalation_failed(self, exc: BaseException) -> None:
        self._sending = False
        self._update_buttons()
        self._show_error(f"Not escalated: {describe_error(exc)}")

    def done(self, result: int) -> None:
        self._search_timer.stop()
        self._runner.cancel(self._search_name)
        super().done(result)

    def reject(self) -> None:
        self._runner.cancel(f"escalate-load:{id(self)}")
        super().reject()
