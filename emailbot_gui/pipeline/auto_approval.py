"""Auto-approval: the operator may let the console approve a proposal without review, per category, above
a confidence threshold. Off by default, and conservative by construction — it never applies to:

- an email with any flag (prompt injection, phishing link, AI fallback, ...): a person must look;
- a category that needs no reply (spam, out-of-office), unless the proposal is to close it;
- a proposal with an escalation, or an email that asks for manual action;
- a category whose operator agreement rate (from the decision history, see store/decision_stats.py) is
  below the rule's minimum, when the rule sets one.

`AutoApprovalPolicy.check` is pure (for the UI's "would this be auto-approved, and why not");
`decide` reads the email and the history from the store. Acting on the decision (approving as the actor
`AUTO_ACTOR`) is the console's job, so the same guarded, audited store operations are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emailbot_gui.core.categories import DEFAULT_CATEGORIES, Category
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Classification, Proposal
from emailbot_gui.store.decision_stats import CategoryAgreement, agreement_by_category
from emailbot_gui.store.email_store import EmailStore

AUTO_ACTOR = "auto-approval"
REPLY = "reply"
CLOSE = "close"


@dataclass(frozen=True, slots=True)
class CategoryRule:
    enabled: bool = False
    threshold: float = 0.95  # minimum classifier confidence
    min_agreement: float | None = None  # e.g. 0.9: also require this agreement rate ...
    min_decisions: int = 20  # ... measured over at least this many of the operator's decisions

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be within [0, 1]")
        if self.min_agreement is not None and not 0.0 <= self.min_agreement <= 1.0:
            raise ValueError("min_agreement must be within [0, 1]")


@dataclass(frozen=True, slots=True)
class AutoApprovalSettings:
    enabled: bool = False  # the master switch; off by default
    rules: Mapping[str, CategoryRule] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AutoApprovalSettings:
        """{"enabled": true, "rules": {"password_reset": {"enabled": true, "threshold": 0.97}}}"""
        rules = {str(k): CategoryRule(**{f: v[f] for f in CategoryRule.__dataclass_fields__ if f in v})
                 for k, v in dict(data.get("rules") or {}).items()}
        return cls(enabled=bool(data.get("enabled", False)), rules=rules)

    def to_json(self) -> dict[str, Any]:
        return {"enabled": self.enabled,
                "rules": {k: {"enabled": r.enabled, "threshold": r.threshold, "min_agreement": r.min_agreement,
                              "min_decisions": r.min_decisions} for k, r in self.rules.items()}}


@dataclass(frozen=True, slots=True)
class AutoDecision:
    approve: bool
    action: str = ""  # REPLY or CLOSE when approve
    reason: str = ""  # why (not): shown to the operator and written to the audit note


class AutoApprovalPolicy:
    def __init__(self, settings: AutoApprovalSettings | None = None, store: EmailStore | None = None, *,
                 categories: tuple[Category, ...] = DEFAULT_CATEGORIES) -> None:
        self.settings = settings or AutoApprovalSettings()
        self.store = store
        self._no_reply = frozenset(c.key for c in categories if not c.needs_reply)

    def check(self, classification: Classification | None, proposal: Proposal | None,
              agreement: CategoryAgreement | None = None) -> AutoDecision:
        if not self.settings.enabled:
            return AutoDecision(False, reason="auto-approval is off")
        if classification is None or proposal is None:
            return AutoDecision(False, reason="not classified and proposed yet")
        category = classification.category
        if classification.flags:
            return AutoDecision(False, reason=f"flagged ({', '.join(classification.flags)}): needs a person")
        rule = self.settings.rules.get(category)
        if rule is None or not rule.enabled:
            return AutoDecision(False, reason=f"auto-approval is not enabled for {category}")
        if classification.confidence < rule.threshold:
            return AutoDecision(False, reason=f"confidence {classification.confidence:.2f} is below "
                                              f"the threshold {rule.threshold:.2f}")
        if classification.needs_manual_action:
            return AutoDecision(False, reason="the sender asks for something to be done by hand")
        if proposal.escalation is not None:
            return AutoDecision(False, reason="the proposal includes an escalation")
        if rule.min_agreement is not None:
            if agreement is None or agreement.decided < rule.min_decisions:
                seen = agreement.decided if agreement else 0
                return AutoDecision(False, reason=f"only {seen} operator decisions in {category} so far "
                                                  f"(needs {rule.min_decisions})")
            rate = agreement.rate or 0.0
            if rate < rule.min_agreement:
                return AutoDecision(False, reason=f"the operator approved {rate:.0%} of {category} proposals "
                                                  f"unchanged (needs {rule.min_agreement:.0%})")
        closing = bool(proposal.no_reply_reason) and not proposal.reply_text.strip()
        if category in self._no_reply:
            if closing:
                return AutoDecision(True, CLOSE, f"close without reply: {proposal.no_reply_reason}")
            return AutoDecision(False, reason=f"{category} needs no reply, and the proposal is not to close it")
        if closing or not proposal.reply_text.strip():
            return AutoDecision(False, reason="there is no reply to approve")
        return AutoDecision(True, REPLY, f"confidence {classification.confidence:.2f} ≥ {rule.threshold:.2f}")

    async def agreements(self) -> dict[str, CategoryAgreement]:
        """The operator's own agreement per category (auto-approvals left out): one read of the audit trail."""
        if self.store is None:
            return {}
        return await agreement_by_category(self.store, no_reply_categories=self._no_reply,
                                           exclude_actors=(AUTO_ACTOR,))

    async def agreement(self, category: str) -> CategoryAgreement:
        """The operator's own agreement with proposals in `category` (auto-approvals left out)."""
        return (await self.agreements()).get(category, CategoryAgreement(category))

    async def agreement_rate(self, category: str) -> float | None:
        """Share of `category` proposals the operator approved unchanged; None before any decision."""
        return (await self.agreement(category)).rate

    async def decide(self, email_id: int, batch: AgreementMemo | None = None) -> AutoDecision:
        """The decision for a stored email that awaits review. Decisions on a batch of emails share one
        `AgreementMemo`, so the audit trail is read once for the batch, not once per email."""
        if self.store is None:
            raise RuntimeError("decide() needs the policy to have a store")
        if not self.settings.enabled:
            return AutoDecision(False, reason="auto-approval is off")
        detail = await self.store.detail(email_id)
        if detail is None or detail.state != EmailState.AWAITING_REVIEW:  # never after an override
            return AutoDecision(False, reason="the email is not awaiting review")
        agreement = None
        if detail.classification is not None:
            rule = self.settings.rules.get(detail.classification.category)
            if rule is not None and rule.min_agreement is not None:
                agreement = await (batch or AgreementMemo(self)).get(detail.classification.category)
        return self.check(detail.classification, detail.proposal, agreement)


class AgreementMemo:
    """`AutoApprovalPolicy.agreements()`, read on first need and then kept, for one batch of decisions."""

    def __init__(self, policy: AutoApprovalPolicy) -> None:
        self._policy = policy
        self._stats: dict[str, CategoryAgreement] | None = None

    async def get(self, category: str) -> CategoryAgreement:
        if self._stats is None:
            self._stats = await self._policy.agreements()
        return self._stats.get(category, CategoryAgreement(category))
