"""Who an email is escalated to: people from the directory by category and urgency."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from emailbot_gui.core.categories import category_label
from emailbot_gui.core.types import Address, Classification, Email, Enrichment, EscalationProposal, Urgency


@dataclass(frozen=True, slots=True)
class Person:
    address: Address
    role: str
    categories: frozenset[str]  # empty: every category
    min_urgency: Urgency | None  # only from this urgency up; None: any urgency

    def handles(self, classification: Classification) -> bool:
        in_scope = not self.categories or classification.category in self.categories
        urgent_enough = self.min_urgency is None or classification.urgency >= self.min_urgency
        return in_scope and urgent_enough


def load_directory(path: Path) -> list[Person]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    people = []
    for p in data.get("people", []):
        mu = p.get("min_urgency")
        people.append(Person(Address(p["address"], p.get("name", "")), p.get("role", ""),
                             frozenset(p.get("categories", [])), Urgency.parse(mu) if mu else None))
    return people


class EscalationPolicy:
    def __init__(self, people: list[Person], *, auto_propose_from: Urgency = Urgency.HIGH) -> None:
        self.people = people
        self.auto_propose_from = auto_propose_from

    def people_for(self, classification: Classification) -> tuple[Address, ...]:
        return tuple(dict.fromkeys(p.address for p in self.people if p.handles(classification)))

    def suggest(self, email: Email, classification: Classification, enrichment: Enrichment | None
                ) -> EscalationProposal:
        who = email.sender.name or email.sender.address
        context = _customer_context(enrichment)
        topic = f"[{classification.urgency.label}] {category_label(classification.category)}: {email.subject}"[:250]
        lines = [f"{classification.urgency.label} {category_label(classification.category).lower()} "
                 f"reported by {who}" + (f" ({context})" if context else "") + ".",
                 f"Subject: {email.subject}",
                 f"Summary: {email.snippet[:200]}"]
        if classification.rationale:
            lines.append(f"Classifier: {classification.rationale}")
        return EscalationProposal(people=self.people_for(classification), topic=topic, message="\n".join(lines))

    def propose(self, email: Email, classification: Classification, enrichment: Enrichment | None
                ) -> EscalationProposal | None:
        """An escalation is proposed on its own only for urgent mail; the operator can always ask."""
        if classification.urgency < self.auto_propose_from or classification.category == "spam_phishing":
            return None
        proposal = self.suggest(email, classification, enrichment)
        return proposal if proposal.people else None


def _customer_context(enrichment: Enrichment | None) -> str:
    """'Company, Gold support, VIP' from the first source that knows the sender."""
    for result in enrichment.results if enrichment else ():
        if result.status != "found":
            continue
        customer = result.record.get("customer") or {}
        contract = result.record.get("contract") or {}
        parts = [str(customer.get("company") or "")]
        if contract.get("support_level") and contract.get("status", "active") == "active":
            parts.append(f"{contract['support_level']} support")
        if customer.get("vip"):
            parts.append("VIP")
        return ", ".join(p for p in parts if p)
    return ""
