"""QueueTableModel without a view: lazy pages, server-side sort and filter, debounced refreshes that
keep persistent indexes on their email, and Qt's own model checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Urgency
from emailbot_gui.store.views import QueueQuery, SortKey
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.formatting import format_age
from emailbot_gui.ui.queue_model import (
    LOADING_TEXT,
    Column,
    EmailIdRole,
    QueueTableModel,
    StateRole,
    UrgencyRole,
)
from emailbot_gui.ui.queue_view import QueueView

from .fake_console import NOW, FakeQueueConsole, make_rows


def loaded_model(qtbot, console, **kwargs) -> QueueTableModel:
    model = QueueTableModel(console, clock=lambda: NOW, **kwargs)
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.setQuery(model.query(), force=True)
    return model


def test_100k_rows_are_counted_not_loaded(qtbot, aloop):
    console = FakeQueueConsole(make_rows(100_000))
    model = loaded_model(qtbot, console)

    assert model.rowCount() == 100_000
    assert console.page_calls == [(0, 200)]  # only the first page, with the count

    far = model.index(50_003, Column.SUBJECT)
    assert model.data(far) == LOADING_TEXT
    assert model.data(far, EmailIdRole) is None
    model.data(model.index(50_001, Column.SENDER))  # same page: must not load it twice
    with qtbot.waitSignal(model.dataChanged, timeout=5000) as changed:
        pass
    first, last = changed.args[0], changed.args[1]
    assert (first.row(), last.row()) == (50_000, 50_199)
    assert console.page_calls[1:] == [(50_000, 200)]
    assert model.data(far) == "Subject 050003"
    assert model.data(far, EmailIdRole) == 50_004


def test_display_and_roles(qtbot, aloop):
    console = FakeQueueConsole(make_rows(5))
    model = loaded_model(qtbot, console)
    idx = lambda col: model.index(3, col)  # noqa: E731
    assert model.data(idx(Column.SENDER)) == "User 000003"
    assert model.data(idx(Column.CATEGORY)) == "Hardware"
    assert model.data(idx(Column.URGENCY)) == "Critical"
    assert model.data(idx(Column.URGENCY), UrgencyRole) is Urgency.CRITICAL
    assert model.data(idx(Column.CONFIDENCE)) == "3 %"
    assert model.data(idx(Column.STATE), StateRole) is EmailState.SENT  # every third is sent
    assert model.data(idx(Column.AGE)) == "3 min"
    assert model.data(idx(Column.SUBJECT), Qt.ItemDataRole.FontRole).bold()  # critical stands out
    assert model.data(model.index(0, Column.SUBJECT), Qt.ItemDataRole.DecorationRole) is not None  # flagged
    assert model.headerData(Column.AGE, Qt.Orientation.Horizontal) == "Age"


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=20), "now"), (timedelta(minutes=3), "3 min"),
    (timedelta(hours=2, minutes=59), "2 h"), (timedelta(days=5, hours=3), "5 d"),
])
def test_age_texts(delta, text):
    assert format_age(NOW - delta, NOW) == text


def test_sort_is_done_by_the_store(qtbot, aloop):
    console = FakeQueueConsole(make_rows(30))
    model = loaded_model(qtbot, console)
    counted = console.count_calls
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        model.sort(Column.SENDER, Qt.SortOrder.AscendingOrder)
    assert model.query().sort is SortKey.SENDER and not model.query().descending
    assert model.data(model.index(0, Column.SENDER)) == "User 000000"
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        model.sort(Column.AGE, Qt.SortOrder.DescendingOrder)  # oldest first
    assert model.query().sort is SortKey.RECEIVED and not model.query().descending
    assert model.data(model.index(0, Column.SENDER)) == "User 000029"
    assert console.count_calls == counted and model.rowCount() == 30  # another order: the same count, not re-read
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        model.setQuery(replace(model.query(), text="printer"))  # other filters: counted
    assert console.count_calls == counted + 1


def test_filter_query_shrinks_the_queue(qtbot, aloop):
    console = FakeQueueConsole(make_rows(100))
    model = loaded_model(qtbot, console)
    with qtbot.waitSignal(model.countChanged, timeout=5000) as counted:
        model.setQuery(replace(model.query(), text="printer"))
    assert counted.args == [10] and model.rowCount() == 10
    with qtbot.waitSignal(model.countChanged, timeout=5000):
        model.setQuery(replace(model.query(), states=frozenset({EmailState.SENT})))
    assert model.rowCount() == 4  # printer rows 0, 30, 60, 90 are the sent ones


class CountingRunner(TaskRunner):
    """Counts the tasks started, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[str | None] = []

    def run(self, coro, *args, **kwargs):
        self.started.append(kwargs.get("name"))
        return super().run(coro, *args, **kwargs)


def test_flood_of_events_costs_one_refresh(qtbot, aloop):
    console = FakeQueueConsole(make_rows(50))
    runner = CountingRunner()
    model = loaded_model(qtbot, console, runner=runner)
    runner.started.clear()
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        for i in range(500):
            model.schedule_refresh()
            console.rows[i % 50] = replace(console.rows[i % 50], subject=f"changed {i}")
        assert runner.started == []  # nothing yet: the refresh waits for the flood to settle
    assert len(runner.started) == 1
    assert model.data(model.index(0, Column.SUBJECT)) == "changed 450"


def test_refresh_keeps_persistent_index_on_the_same_email(qtbot, aloop):
    console = FakeQueueConsole(make_rows(20))
    model = loaded_model(qtbot, console)
    selected = QPersistentModelIndex(model.index(5, Column.SUBJECT))
    email_id = model.data(selected, EmailIdRole)

    newer = [replace(r, id=1000 + r.id, received_at=r.received_at + timedelta(hours=1))
             for r in make_rows(3)]
    console.rows = newer + console.rows  # three newer emails arrive on top
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.refresh()
    assert model.rowCount() == 23
    assert selected.row() == 8 and model.data(selected, EmailIdRole) == email_id

    console.rows = [r for r in console.rows if r.id != email_id]  # it leaves the queue
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.refresh()
    assert model.rowCount() == 22 and not selected.isValid()


def test_page_failure_is_reported_once_not_retried_per_repaint(qtbot, aloop):
    console = FakeQueueConsole(make_rows(1000))
    runner = TaskRunner()
    model = loaded_model(qtbot, console, runner=runner)
    console.fail_pages = True
    with qtbot.waitSignal(runner.failed, timeout=5000) as failed:
        model.data(model.index(600, 0))
    assert "store unavailable" in failed.args[1]
    calls = len(console.page_calls)
    for _ in range(3):
        model.data(model.index(600, 0))
    assert len(console.page_calls) == calls


def test_qt_model_checks(qtbot, qtmodeltester, aloop):
    console = FakeQueueConsole(make_rows(450))
    model = loaded_model(qtbot, console)
    for row in (0, 250, 449):  # load every page, so the checks see real rows
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: not model._loading, timeout=5000)
    qtmodeltester.check(model)
    console.rows = console.rows[10:] + make_rows(3)
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.refresh()
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.setQuery(QueueQuery(text="printer"))
    assert model.rowCount() == sum("printer" in r.subject for r in console.rows)


def test_a_view_over_100k_rows_pulls_only_the_pages_it_paints(qtbot, aloop):
    console = FakeQueueConsole(make_rows(100_000))
    model = loaded_model(qtbot, console)
    view = QueueView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    last = model.index(99_999, Column.SUBJECT)
    qtbot.waitUntil(lambda: model.data(last) == "Subject 099999")
    assert len(console.page_calls) <= 3  # the first page, the last one, maybe its neighbour
    assert console.count_calls == 1
