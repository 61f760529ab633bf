"""The life of an email in the console, as an explicit state machine that refuses illegal moves.

    new -> classified -> enriched -> awaiting_review -> approved -> sent | escalated | done
                                                     `-> rejected
                                   awaiting_review <-> overridden (the operator corrected it; still reviewable)
    any working state -> failed (with a reason); failed -> the stage to retry
    quarantined: could not be parsed at all; kept with its reason, never processed

An operator's decision can be undone while nothing has left the console (see store/operator_ops.py,
`undo_decision`): approved (its reply or escalation not yet being delivered), done (closed without a reply)
and rejected go back to the reviewable state they came from; so does overridden (the correction is taken
back, and the model forgets it).
"""

from __future__ import annotations

import enum


class EmailState(enum.StrEnum):
    NEW = "new"
    CLASSIFIED = "classified"
    ENRICHED = "enriched"
    AWAITING_REVIEW = "awaiting_review"
    OVERRIDDEN = "overridden"
    APPROVED = "approved"
    SENT = "sent"
    ESCALATED = "escalated"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"
    QUARANTINED = "quarantined"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    EmailState.NEW: "New",
    EmailState.CLASSIFIED: "Classified",
    EmailState.ENRICHED: "Enriched",
    EmailState.AWAITING_REVIEW: "Awaiting review",
    EmailState.OVERRIDDEN: "Overridden",
    EmailState.APPROVED: "Approved",
    EmailState.SENT: "Sent",
    EmailState.ESCALATED: "Escalated",
    EmailState.DONE: "Done",
    EmailState.REJECTED: "Rejected",
    EmailState.FAILED: "Failed",
    EmailState.QUARANTINED: "Quarantined",
}

S = EmailState
TRANSITIONS: dict[EmailState, frozenset[EmailState]] = {
    S.NEW: frozenset({S.CLASSIFIED, S.FAILED}),
    S.CLASSIFIED: frozenset({S.ENRICHED, S.FAILED}),
    S.ENRICHED: frozenset({S.AWAITING_REVIEW, S.FAILED}),
    S.AWAITING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.OVERRIDDEN, S.FAILED}),
    S.OVERRIDDEN: frozenset({S.APPROVED, S.REJECTED, S.OVERRIDDEN, S.FAILED, S.AWAITING_REVIEW}),  # the last: undo
    S.APPROVED: frozenset({S.SENT, S.ESCALATED, S.DONE, S.FAILED, S.AWAITING_REVIEW, S.OVERRIDDEN}),
    S.FAILED: frozenset({S.NEW, S.CLASSIFIED, S.ENRICHED, S.APPROVED, S.AWAITING_REVIEW}),
    S.SENT: frozenset(),
    S.ESCALATED: frozenset(),
    S.DONE: frozenset({S.AWAITING_REVIEW, S.OVERRIDDEN}),  # only by undo, within its window
    S.REJECTED: frozenset({S.AWAITING_REVIEW, S.OVERRIDDEN}),  # likewise
    S.QUARANTINED: frozenset(),
}
UNDOABLE = frozenset({S.APPROVED, S.DONE, S.REJECTED, S.OVERRIDDEN})  # the state a decision left the email in

REVIEWABLE = frozenset({S.AWAITING_REVIEW, S.OVERRIDDEN})
IN_PIPELINE = frozenset({S.NEW, S.CLASSIFIED, S.ENRICHED})
FINISHED = frozenset({S.SENT, S.ESCALATED, S.DONE, S.REJECTED})


class IllegalTransition(ValueError):
    def __init__(self, current: EmailState, target: EmailState) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (final state)"
        super().__init__(f"an email cannot go from {current.value} to {target.value} "
                         f"(allowed from {current.value}: {allowed})")
        self.current = current
        self.target = target


def check_transition(current: EmailState, target: EmailState) -> None:
    """Raise IllegalTransition unless `current -> target` is a move the lifecycle allows."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


def can_transition(current: EmailState, target: EmailState) -> bool:
    return target in TRANSITIONS[current]
