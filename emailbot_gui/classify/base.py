"""The Classifier protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from emailbot_gui.core.types import Classification, Email


class Classifier(Protocol):
    name: str

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        """One Classification per email, in order."""
        ...
