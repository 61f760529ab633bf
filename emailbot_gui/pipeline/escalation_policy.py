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
    categories: frozenset[str]
    min_urgency: Urgency | None  # escalated for ANY category at or above this urgency


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
        chosen = [p.address for p in self.people
                  if classification.category in p.categories
                  or (p.min_urgency is not None and classification.urgency >= p.min_urgency)]
        return tuple(dict.fromkeys(chosen))

    def suggest(self, email: Email, classification: Classification, enrichment: Enrichment | None
                ) -> EscalationProposal:
        customer = enrichment.customer_name if enrichment else ""
        who = f"{email.sender.name or email.sender.address}" + (f" ({customer})" if customer else "")
        topic = f"[{classification.urgency.label}] {category_label(classification.category)}: {email.subject}"[:250]
        lines = [f"{classification.urgency.label} {category_label(classification.category).lower()} "
                 f"reported by {who}.",
                 f"Subject: {email.subject}",
                 f"Summary: {email.snippet[:200]}"]
        if classification.rationale:
            lines.append(f"Why flagged: {classification.rationale}")
        return EscalationProposal(people=self.people_for(classification), topic=topic, message="\n".join(lines))

    def propose(self, email: Email, classification: Classification, enrichment: Enrichment | None
                ) -> EscalationProposal | None:
        """An escalation is proposed on its own only for urgent mail; the operator can always ask."""
        if classification.urgency < self.auto_propose_from or classification.category == "spam_phishing":
            return None
        proposal = self.suggest(email, classification, enrichment)
        return proposal if proposal.people else None
