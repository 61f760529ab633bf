"""The operator's decisions as the audit trail records them, and which of them still stand: an `undo` entry
takes back the newest decision standing before it. The undo itself (store/operator_ops.py) and the agreement
rates (store/decision_stats.py) read the trail the same way through `standing`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

DECISION_ACTIONS = ("approve_reply", "approve_edited_reply", "override", "reject", "close", "escalate")
UNDO = "undo"

_Entry = TypeVar("_Entry")


def standing(entries: Iterable[_Entry], action_of: Callable[[_Entry], str]) -> list[_Entry]:
    """The decisions among one email's audit `entries` (oldest first) that no later undo took back, in order;
    entries that are neither decisions nor undos are skipped."""
    kept: list[_Entry] = []
    for entry in entries:
        action = action_of(entry)
        if action == UNDO:
            if kept:
                kept.pop()
        elif action in DECISION_ACTIONS:
            kept.append(entry)
    return kept
