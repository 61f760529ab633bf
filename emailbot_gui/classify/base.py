"""The Classifier protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from emailbot_gui.core.types import Classification, Email


class Classifier(Protocol):
    name: str

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        """One Classification per email, in order."""
        ...


@runtime_checkable
class BacklogAware(Protocol):
    """A classifier that prepares for a flood (the triage loop tells it how many new emails wait, when it
    `wants_backlog`: counting them is a query)."""

    @property
    def wants_backlog(self) -> bool: ...

    async def expect_backlog(self, waiting: int) -> None: ...
