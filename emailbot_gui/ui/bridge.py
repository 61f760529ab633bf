"""Turns the console's EventHub events into Qt signals, so views connect to them like to any widget.

The hub calls subscribers on the loop thread, which under qasync is the GUI thread, so re-emitting
directly is safe."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from emailbot_gui.services.events import EmailsChanged, Event, EventHub, HealthChanged, LoopStatus, Notice


class EventBridge(QObject):
    emailsChanged = Signal(object)  # EmailsChanged
    loopStatusChanged = Signal(object)  # LoopStatus
    noticePosted = Signal(object)  # Notice
    healthChanged = Signal(object)  # tuple[Health, ...]

    def __init__(self, hub: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        unsubscribe = hub.subscribe(self._on_event)
        self._unsubscribe = unsubscribe
        # The lambda holds only the unsubscribe function, never `self`, so it is safe to run while the
        # C++ object is being destroyed.
        self.destroyed.connect(lambda *_: unsubscribe())

    def detach(self) -> None:
        self._unsubscribe()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, EmailsChanged):
            self.emailsChanged.emit(event)
        elif isinstance(event, LoopStatus):
            self.loopStatusChanged.emit(event)
        elif isinstance(event, Notice):
            self.noticePosted.emit(event)
        elif isinstance(event, HealthChanged):
            self.healthChanged.emit(event.health)
