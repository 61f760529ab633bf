"""Drafts the proposal for a classified, enriched email: the AI's draft reply when the classifier wrote one
(else the category's template), and an escalation when the policy says the email is urgent enough."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from emailbot_gui.core.types import Classification, Email, Enrichment, Proposal, SourceResult, Urgency
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy

# An email that tried to instruct the assistant may have steered the AI's draft: the template is used then.
DISTRUSTED_DRAFT_FLAGS = frozenset({"prompt-injection", "data-exfiltration", "recipient-change", "hidden-text"})
PHISHING = "spam_phishing"
PHISHING_REPORT_TEMPLATE = "phishing_report"


class ReplyDrafter(Protocol):
    def render(self, category: str, email: Email, enrichment: Enrichment | None, operator: str) -> Proposal: ...


class Proposer:
    def __init__(self, drafter: ReplyDrafter, policy: EscalationPolicy, operator: str) -> None:
        self.drafter = drafter
        self.policy = policy
        self.operator = operator

    def propose(self, email: Email, classification: Classification, enrichment: Enrichment | None) -> Proposal:
        proposal = self.drafter.render(classification.category, email, enrichment, self.operator)
        if proposal.no_reply_reason and is_phishing_victim_report(classification, enrichment):
            proposal = self.drafter.render(PHISHING_REPORT_TEMPLATE, email, enrichment, self.operator)
            escalation = self.policy.suggest(email, classification, enrichment)  # the security people
            return replace(proposal, escalation=escalation if escalation.people else None)
        if proposal.no_reply_reason:
            return proposal
        if classification.draft_reply.strip() and not set(classification.flags) & DISTRUSTED_DRAFT_FLAGS:
            proposal = replace(proposal, reply_text=classification.draft_reply.strip() + "\n")
        return replace(proposal, escalation=self.policy.propose(email, classification, enrichment))


def is_phishing_victim_report(classification: Classification, enrichment: Enrichment | None) -> bool:
    """Phishing is closed unanswered (a reply reaches the attacker). But an urgent "phishing" mail from a sender
    the customer records know, which does not itself try to steer the assistant, is someone reporting that they
    fell for one ("I clicked the link and typed my password"): a security incident to answer and escalate."""
    if classification.category != PHISHING or classification.urgency < Urgency.HIGH:
        return False
    if set(classification.flags) & DISTRUSTED_DRAFT_FLAGS:
        return False
    return enrichment is not None and any(r.status == SourceResult.FOUND for r in enrichment.results)
