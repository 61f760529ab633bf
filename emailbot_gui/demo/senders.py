"""Who writes the demo mail: customers from the demo customer DB (some far more often than others), their
colleagues, and the odd sender the DB does not know (a new starter, a personal address)."""

from __future__ import annotations

import random
import re

from emailbot_gui.demo.compose import Author
from emailbot_gui.demo.customers import DEMO_CUSTOMERS, DemoCustomer

UNKNOWN_NAMES = ("Rachel Lim", "Kevin O'Neill", "Marta Kowalska", "Ben Adeyemi", "Sara Lindgren",
                 "Nils Hartmann", "Yusuf Demir", "Chiara Bianchi", "Owen Price", "Maya Goldberg")
FREEMAIL_DOMAINS = ("mail.example", "freemail.example", "inbox.example", "posteo-demo.example")


def author_of(customer: DemoCustomer) -> Author:
    return Author(customer.name, customer.email, customer.company, customer.phone, customer.title,
                  site=customer.city)


class SenderPicker:
    """Chooses senders with a fixed, seeded preference, so a few customers write much more than most."""

    def __init__(self, rng: random.Random) -> None:
        order = list(DEMO_CUSTOMERS)
        rng.shuffle(order)
        self._weights = {c.email: 1.0 / (rank + 1) ** 0.6 for rank, c in enumerate(order)}
        self._by_language: dict[str, list[DemoCustomer]] = {}
        for c in DEMO_CUSTOMERS:
            self._by_language.setdefault(c.language, []).append(c)

    def customer(self, rng: random.Random, language: str) -> DemoCustomer:
        """A customer who would write in `language` (anyone writes English)."""
        pool = self._by_language.get(language, []) if language != "en" else []
        pool = pool or list(DEMO_CUSTOMERS)
        return rng.choices(pool, weights=[self._weights[c.email] for c in pool])[0]

    @staticmethod
    def colleague(rng: random.Random, of: DemoCustomer) -> DemoCustomer | None:
        others = [c for c in DEMO_CUSTOMERS if c.company == of.company and c.email != of.email]
        return rng.choice(others) if others else None

    @staticmethod
    def unknown(rng: random.Random) -> Author:
        name = rng.choice(UNKNOWN_NAMES)
        first, last = (re.sub(r"[^a-z]", "", part) for part in name.lower().split(" ", 1))
        if rng.random() < 0.5:  # a new starter at a known company, not yet in the customer DB
            return Author(name, f"{first}.{last}@{rng.choice(DEMO_CUSTOMERS).domain}")
        return Author(name, f"{first}{last}{rng.randint(7, 99)}@{rng.choice(FREEMAIL_DOMAINS)}")
