"""Drafts the proposal for a classified, enriched email: a reply from the category's template, and an
escalation when the policy says the email is urgent enough."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from emailbot_gui.core.types import Classification, Email, Enrichment, Proposal
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy


class ReplyDrafter(Protocol):
    def render(self, category: str, email: Email, enrichment: Enrichment | None, operator: str) -> Proposal: ...


class Proposer:
    def __init__(self, drafter: ReplyDrafter, policy: EscalationPolicy, operator: str) -> None:
        self.drafter = drafter
        self.policy = policy
        self.operator = operator

    def propose(self, email: Email, classification: Classification, enrichment: Enrichment | None) -> Proposal:
        proposal = self.drafter.render(classification.category, email, enrichment, self.operator)
        if proposal.no_reply_reason:
            return proposal
        return replace(proposal, escalation=self.policy.propose(email, classification, enrichment))
