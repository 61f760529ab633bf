"""The escalation dialog's people type-ahead: one search once the operator pauses (debounced), run as a
task that never blocks the dialog and that a newer search cancels, the answers offered as completions and
usable as they are shown, and a directory that cannot answer said under the field, not as a crash."""

from __future__ import annotations

import asyncio
import itertools
import time

from PySide6.QtCore import QTimer

from emailbot_gui.core.types import Address, EscalationProposal
from emailbot_gui.services.console import DirectoryUnavailable
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.escalate_dialog import SEARCH_DEBOUNCE_MS, EscalateDialog

CONFIGURED = [Address("helpdesk@contoso.test")]
NINA = Address("nina@contoso.test", "Nina Network")
NILS = Address("nils@contoso.test", "Nils Nyberg")


class DirectoryConsole:
    """What the dialog uses of TriageConsole; `search_people` answers when the test says so."""

    def __init__(self) -> None:
        self.searches: list[str] = []
        self.cancelled: list[str] = []
        self.answers: dict[str, list[Address] | Exception] = {}
        self.release = asyncio.Event()
        self.release.set()
        self.escalated: list[list[Address]] = []

    async def suggest_escalation(self, email_id: int) -> EscalationProposal:
        return EscalationProposal((), "Printer down", "Please have a look.")

    async def directory(self) -> list[Address]:
        return list(CONFIGURED)

    async def search_people(self, text: str) -> list[Address]:
        self.searches.append(text)
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled.append(text)
            raise
        answer = self.answers.get(text, [])
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    async def escalate(self, email_id: int, people: list[Address], topic: str, message: str) -> None:
        self.escalated.append(list(people))


def open_dialog(qtbot, console: DirectoryConsole) -> EscalateDialog:
    runner = TaskRunner()
    dialog = EscalateDialog(console, 7, runner, demo=False)  # type: ignore[arg-type]
    dialog.runner = runner  # kept alive with the dialog
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.topic.text() == "Printer down")
    dialog.person_field.setFocus()
    return dialog


def test_one_search_once_the_operator_pauses(qtbot, aloop) -> None:
    console = DirectoryConsole()
    console.answers["ni"] = [NINA, NILS]
    dialog = open_dialog(qtbot, console)
    started = time.monotonic()
    qtbot.keyClicks(dialog.person_field, "ni")
    assert console.searches == []  # nothing asked while typing
    qtbot.waitUntil(lambda: dialog.suggestions.stringList() == [str(NINA), str(NILS)])
    assert time.monotonic() - started >= SEARCH_DEBOUNCE_MS / 1000 * 0.9
    assert console.searches == ["ni"] and dialog.searches == 1
    assert not dialog.search_note.isVisible()

    dialog.completer.activated.emit(str(NILS))  # the operator picks a suggestion as it is shown
    assert dialog.selected_people() == [NILS]
    dialog.message.setPlainText("Please call the customer.")
    with qtbot.waitSignal(dialog.accepted):
        dialog.escalate_button.click()
    assert console.escalated == [[NILS]]


def test_a_slow_directory_never_blocks_the_dialog_and_a_newer_search_wins(qtbot, aloop) -> None:
    console = DirectoryConsole()
    console.release.clear()  # the directory does not answer until the test says so
    console.answers["nil"] = [NILS]
    dialog = open_dialog(qtbot, console)
    qtbot.keyClicks(dialog.person_field, "ni")
    qtbot.waitUntil(lambda: console.searches == ["ni"])

    ticks: list[float] = []
    timer = QTimer(dialog, interval=10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    qtbot.keyClicks(dialog.person_field, "l")  # typing goes on while the first search hangs
    assert dialog.person_field.text() == "nil"
    qtbot.waitUntil(lambda: console.searches == ["ni", "nil"])
    qtbot.waitUntil(lambda: console.cancelled == ["ni"])  # the stale search was cancelled, not awaited
    qtbot.waitUntil(lambda: len(ticks) >= 10)
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.2  # the event loop kept running the whole time
    assert dialog.suggestions.stringList() == []

    console.release.set()
    qtbot.waitUntil(lambda: dialog.suggestions.stringList() == [str(NILS)])


def test_a_directory_that_cannot_answer_is_said_inline(qtbot, aloop) -> None:
    console = DirectoryConsole()
    console.answers["help"] = DirectoryUnavailable(
        "Sign in to Microsoft 365 to search the directory (Settings → Microsoft 365 → Sign in).", CONFIGURED)
    console.answers["boom"] = RuntimeError("socket closed")
    dialog = open_dialog(qtbot, console)
    qtbot.keyClicks(dialog.person_field, "help")
    qtbot.waitUntil(dialog.search_note.isVisible)
    assert "Sign in to Microsoft 365" in dialog.search_note.text()
    assert dialog.suggestions.stringList() == ["helpdesk@contoso.test"]  # the configured people still come
    assert not dialog.error.isVisible() and dialog.isVisible()

    dialog.person_field.clear()
    qtbot.keyClicks(dialog.person_field, "boom")
    qtbot.waitUntil(lambda: "socket closed" in dialog.search_note.text())
    assert dialog.isVisible() and dialog.suggestions.stringList() == []
    dialog.person_field.selectAll()
    qtbot.keyClicks(dialog.person_field, "nina@contoso.test")  # typed addresses still work
    qtbot.keyClick(dialog.person_field, "\r")
    assert Address("nina@contoso.test") in dialog.selected_people()


def test_the_demo_console_suggests_its_configured_people(qtbot, aloop, console, run) -> None:
    people = run(console.directory())
    person = next(p for p in people if p.name)
    word = person.name.split()[-1][:4]
    dialog = open_dialog_over(qtbot, console, run)
    qtbot.keyClicks(dialog.person_field, word)
    qtbot.waitUntil(lambda: str(person) in dialog.suggestions.stringList())
    assert all(word.lower() in s.lower() for s in dialog.suggestions.stringList())


def open_dialog_over(qtbot, console, run) -> EscalateDialog:
    from emailbot_gui.store.views import QueueQuery

    [row] = run(console.queue_page(QueueQuery(), 0, 1))
    runner = TaskRunner()
    dialog = EscalateDialog(console, row.id, runner, demo=True)
    dialog.runner = runner
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.topic.text() != "")
    dialog.person_field.setFocus()
    return dialog
