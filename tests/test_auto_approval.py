"""Auto-approval policy and the operator's agreement rates, on a real EmailStore (temporary SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emailbot_gui.core.types import Address, Classification, Email, Enrichment, EscalationProposal, Proposal, Urgency
from emailbot_gui.pipeline.auto_approval import (
    AUTO_ACTOR,
    CLOSE,
    REPLY,
    AutoApprovalPolicy,
    AutoApprovalSettings,
    CategoryRule,
)
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.decision_stats import agreement_by_category
from emailbot_gui.store.email_store import EmailStore


def make_email(n: int) -> Email:
    return Email(source="test", provider_id=f"p{n}", message_id=f"<m{n}@example.test>", subject=f"Mail {n}",
                 sender=Address(f"user{n}@example.test", f"User {n}"),
                 received_at=datetime(2026, 11, 1, 8, n % 60, tzinfo=UTC), body_text=f"body {n}")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EmailStore]:
    s = await EmailStore.open(sqlite_url(tmp_path / "q.db"))
    yield s
    await s.close()


async def to_review(store: EmailStore, n: int, category: str = "password_reset", confidence: float = 0.97,
                    flags: tuple[str, ...] = (), proposal: Proposal | None = None, first: int = 0) -> list[int]:
    ids = (await store.ingest("test", [make_email(first + i) for i in range(n)])).new_ids
    await store.save_classifications([(i, Classification(category, Urgency.LOW, confidence, "why", "test",
                                                          flags=flags)) for i in ids])
    await store.save_enrichments([(i, Enrichment()) for i in ids])
    await store.save_proposals([(i, proposal or Proposal(reply_text="Hello, here is a reset link.")) for i in ids])
    return ids


async def approve(store: EmailStore, ids: Sequence[int], *, edited: bool = False, actor: str = "alice") -> None:
    for i in ids:
        await store.approve_reply(i, actor, to="x@example.test", subject="Re: x", body="Hi", in_reply_to="",
                                  edited=edited)


ON = AutoApprovalSettings(enabled=True, rules={"password_reset": CategoryRule(True, 0.9),
                                               "out_of_office": CategoryRule(True, 0.9)})


def test_off_by_default() -> None:
    c = Classification("password_reset", Urgency.LOW, 1.0, "", "m")
    assert AutoApprovalPolicy().check(c, Proposal(reply_text="Hi")).approve is False
    assert AutoApprovalSettings().enabled is False and AutoApprovalSettings().rules == {}


@pytest.mark.parametrize("classification, proposal, approve, reason", [
    (Classification("password_reset", Urgency.LOW, 0.95, "", "m"), Proposal("Hi"), True, "≥"),
    (Classification("password_reset", Urgency.LOW, 0.80, "", "m"), Proposal("Hi"), False, "below the threshold"),
    (Classification("password_reset", Urgency.LOW, 0.99, "", "m", flags=("phishing-link",)), Proposal("Hi"),
     False, "flagged"),
    (Classification("password_reset", Urgency.LOW, 0.99, "", "m", flags=("ai-fallback",)), Proposal("Hi"),
     False, "flagged"),
    (Classification("hardware", Urgency.LOW, 0.99, "", "m"), Proposal("Hi"), False, "not enabled for hardware"),
    (Classification("password_reset", Urgency.LOW, 0.99, "", "m", needs_manual_action=True), Proposal("Hi"),
     False, "by hand"),
    (Classification("password_reset", Urgency.LOW, 0.99, "", "m"),
     Proposal("Hi", escalation=EscalationProposal((Address("boss@example.test"),), "t", "m")), False, "escalation"),
    (Classification("password_reset", Urgency.LOW, 0.99, "", "m"), Proposal(""), False, "no reply"),
    (Classification("out_of_office", Urgency.LOW, 0.99, "", "m"), Proposal(no_reply_reason="auto-reply"), True,
     "close without reply"),
    (Classification("out_of_office", Urgency.LOW, 0.99, "", "m"), Proposal("Thanks for your note"), False,
     "needs no reply"),
])
def test_policy_rules(classification: Classification, proposal: Proposal, approve: bool, reason: str) -> None:
    decision = AutoApprovalPolicy(ON).check(classification, proposal)
    assert decision.approve is approve and reason in decision.reason, decision
    if approve:
        assert decision.action == (CLOSE if classification.category == "out_of_office" else REPLY)


def test_settings_round_trip_and_validation() -> None:
    settings = AutoApprovalSettings.from_json({"enabled": True, "rules": {
        "password_reset": {"enabled": True, "threshold": 0.97, "min_agreement": 0.9, "min_decisions": 10}}})
    assert AutoApprovalSettings.from_json(settings.to_json()) == settings
    with pytest.raises(ValueError):
        CategoryRule(True, 1.5)


async def test_agreement_rate_from_the_decision_history(store: EmailStore) -> None:
    ids = await to_review(store, 10)
    await approve(store, ids[:6])  # unchanged
    await approve(store, ids[6:8], edited=True)
    await store.reject(ids[8], "alice", "wrong")
    await store.override(ids[9], "alice", Classification("account_lockout", Urgency.HIGH, 1.0, "op", "operator"),
                         Proposal("Unlocked"), "locked, not reset", ("Mail 9", "body 9"))
    await approve(store, ids[9:10])  # approving after the override does not count as agreement
    spam = await to_review(store, 3, category="spam_phishing", proposal=Proposal(no_reply_reason="spam"), first=20)
    for i in spam:
        await store.close_without_reply(i, "alice", "spam")

    policy = AutoApprovalPolicy(ON, store)
    stats = await policy.agreement("password_reset")
    assert (stats.decided, stats.agreed, stats.edited, stats.rejected, stats.overridden) == (10, 6, 2, 1, 1)
    assert await policy.agreement_rate("password_reset") == pytest.approx(0.6)
    assert await policy.agreement_rate("spam_phishing") == 1.0  # closing a no-reply category agrees
    assert await policy.agreement_rate("hardware") is None
    assert set(await agreement_by_category(store)) == {"password_reset", "spam_phishing"}


async def test_an_undone_decision_does_not_count_the_next_one_does(store: EmailStore) -> None:
    changed_mind, left_open = await to_review(store, 2)
    await approve(store, [changed_mind])  # unchanged ... then undone, edited and approved again
    await store.undo_decision(changed_mind, "alice", window=10)
    await approve(store, [changed_mind], edited=True)
    await store.reject(left_open, "alice", "")
    await store.undo_decision(left_open, "alice", window=10)  # back in review, not decided yet
    stats = (await agreement_by_category(store))["password_reset"]
    assert (stats.decided, stats.agreed, stats.edited, stats.rejected) == (1, 0, 1, 0)


async def test_decide_uses_store_state_and_agreement(store: EmailStore) -> None:
    history = await to_review(store, 20)
    await approve(store, history[:15])
    await approve(store, history[15:], edited=True)  # 75 % agreement
    strict = AutoApprovalSettings(enabled=True, rules={
        "password_reset": CategoryRule(True, 0.9, min_agreement=0.8, min_decisions=10)})
    lenient = AutoApprovalSettings(enabled=True, rules={
        "password_reset": CategoryRule(True, 0.9, min_agreement=0.7, min_decisions=10)})
    [fresh] = await to_review(store, 1, first=40)
    [flagged] = await to_review(store, 1, flags=("prompt-injection",), first=41)
    [unsure] = await to_review(store, 1, confidence=0.5, first=42)

    assert "75%" in (await AutoApprovalPolicy(strict, store).decide(fresh)).reason
    assert (await AutoApprovalPolicy(lenient, store).decide(fresh)).approve
    assert not (await AutoApprovalPolicy(lenient, store).decide(flagged)).approve
    assert not (await AutoApprovalPolicy(lenient, store).decide(unsure)).approve
    assert not (await AutoApprovalPolicy(None, store).decide(fresh)).approve  # off by default
    assert not (await AutoApprovalPolicy(lenient, store).decide(history[0])).approve  # already decided

    # decisions made by the auto-approver itself never raise its own agreement rate
    more = await to_review(store, 5, first=50)
    await approve(store, more, actor=AUTO_ACTOR)
    assert (await AutoApprovalPolicy(lenient, store).agreement("password_reset")).decided == 20
