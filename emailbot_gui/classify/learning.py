"""Learning from the operator: every override is a labelled example; the local model is retrained in
the background (an executor, never the GUI thread) and swapped in whole when training finishes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from emailbot_gui.classify.local import LocalClassifier, TrainingExample
from emailbot_gui.classify.worker import FloodWorker
from emailbot_gui.core.types import Classification, Email

log = logging.getLogger(__name__)


class LearningClassifier:
    """A Classifier that delegates to the current local model and retrains it from corrections."""

    name = "local"

    def __init__(self, model: LocalClassifier, corrections: Sequence[TrainingExample] = ()) -> None:
        self.model = model
        self._base = model
        self._corrections: list[TrainingExample] = list(corrections)
        self._retrain_task: asyncio.Task[None] | None = None
        self._dirty = False
        self.retrained = asyncio.Event()
        self.generation = 0
        self.worker = FloodWorker(lambda: self.model)  # a process only while a flood lasts

    @property
    def corrections(self) -> int:
        return len(self._corrections)

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        return await self.model.classify(emails)

    def learn(self, example: TrainingExample) -> None:
        self._corrections.append(example)
        self.schedule_retrain()

    def forget(self, example: TrainingExample) -> None:
        """Drop a correction that was taken back (the newest equal one), and retrain without it."""
        for index in range(len(self._corrections) - 1, -1, -1):
            if self._corrections[index] == example:
                del self._corrections[index]
                break
        else:
            return
        self.schedule_retrain()

    def schedule_retrain(self) -> None:
        """Retrain soon; corrections arriving while training are folded into one more run after it."""
        if not self._corrections and self.model is self._base:
            return  # nothing learned, nothing to unlearn
        self._dirty = True
        if self._retrain_task is None or self._retrain_task.done():
            self.retrained.clear()
            self._retrain_task = asyncio.get_running_loop().create_task(self._retrain_until_clean())

    async def _retrain_until_clean(self) -> None:
        while self._dirty:
            self._dirty = False
            corrections = list(self._corrections)
            if not corrections:  # the last correction was taken back: the shipped model again
                self.model = self._base
                self.generation += 1
                continue
            try:
                self.model = await self._base.retrained(corrections)
                self.generation += 1
                log.info("local model retrained with %d corrections", len(corrections))
            except Exception:
                log.exception("retraining the local model failed; keeping the previous model")
        self.retrained.set()

    async def close(self) -> None:
        await self.worker.close()
        if self._retrain_task is not None and not self._retrain_task.done():
            self._retrain_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrain_task
