import itertools

import pytest

from emailbot_gui.core.lifecycle import (
    FINISHED,
    REVIEWABLE,
    TRANSITIONS,
    UNDOABLE,
    EmailState,
    IllegalTransition,
    can_transition,
    check_transition,
)


def test_happy_path_is_allowed():
    path = [EmailState.NEW, EmailState.CLASSIFIED, EmailState.ENRICHED, EmailState.AWAITING_REVIEW,
            EmailState.APPROVED, EmailState.SENT]
    for a, b in itertools.pairwise(path):
        check_transition(a, b)


@pytest.mark.parametrize(("a", "b"), [
    (EmailState.NEW, EmailState.SENT),
    (EmailState.NEW, EmailState.APPROVED),
    (EmailState.CLASSIFIED, EmailState.AWAITING_REVIEW),
    (EmailState.AWAITING_REVIEW, EmailState.SENT),
    (EmailState.SENT, EmailState.APPROVED),
    (EmailState.REJECTED, EmailState.SENT),
    (EmailState.DONE, EmailState.APPROVED),
    (EmailState.QUARANTINED, EmailState.CLASSIFIED),
])
def test_illegal_moves_are_refused_with_a_reason(a, b):
    with pytest.raises(IllegalTransition) as info:
        check_transition(a, b)
    assert a.value in str(info.value) and b.value in str(info.value)
    assert not can_transition(a, b)


def test_finished_and_quarantined_states_are_final_but_for_an_undo():
    for state in (*FINISHED, EmailState.QUARANTINED):
        assert TRANSITIONS[state] <= REVIEWABLE
        assert (TRANSITIONS[state] == frozenset()) == (state not in UNDOABLE)
    for state in UNDOABLE:  # an undone decision goes back to review, never on to another decision
        assert TRANSITIONS[state] & REVIEWABLE == REVIEWABLE


def test_every_state_has_rules_and_a_label():
    assert set(TRANSITIONS) == set(EmailState)
    assert all(s.label for s in EmailState)


def test_overridden_is_still_reviewable():
    for target in (EmailState.APPROVED, EmailState.REJECTED, EmailState.OVERRIDDEN):
        check_transition(EmailState.OVERRIDDEN, target)


def test_failed_can_be_retried_but_not_finished_directly():
    check_transition(EmailState.FAILED, EmailState.NEW)
    check_transition(EmailState.FAILED, EmailState.APPROVED)
    with pytest.raises(IllegalTransition):
        check_transition(EmailState.FAILED, EmailState.SENT)
