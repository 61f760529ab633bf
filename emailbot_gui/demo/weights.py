"""How often each label occurs in the demo data: categories, urgency per category, languages, spam kinds."""

from __future__ import annotations

import random
from collections.abc import Mapping

CATEGORY_WEIGHTS: dict[str, int] = {
    "password_reset": 34, "account_lockout": 26, "access_request": 30, "hardware": 30, "software_fault": 38,
    "network_vpn": 30, "outage": 24, "how_to": 30, "billing_licence": 22, "spam_phishing": 30,
    "out_of_office": 26,
}

# (LOW, MEDIUM, HIGH, CRITICAL) per category: outages are mostly high or critical, how-to mostly low.
URGENCY_WEIGHTS: dict[str, tuple[int, int, int, int]] = {
    "password_reset": (15, 50, 30, 5),
    "account_lockout": (5, 40, 42, 13),
    "access_request": (40, 45, 13, 2),
    "hardware": (25, 45, 25, 5),
    "software_fault": (15, 45, 32, 8),
    "network_vpn": (8, 40, 37, 15),
    "outage": (0, 8, 45, 47),
    "how_to": (72, 25, 3, 0),
    "billing_licence": (35, 45, 17, 3),
    "spam_phishing": (20, 30, 32, 18),  # user reports; the higher ones are "I clicked it"
    "out_of_office": (1, 0, 0, 0),
}
URGENCIES: tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

FOREIGN_SHARE = 0.125  # of fresh (non-reply) messages
FOREIGN_LANGUAGE_WEIGHTS: dict[str, int] = {"de": 35, "fr": 25, "es": 20, "nl": 20}
SPAM_KIND_WEIGHTS: dict[str, int] = {"mailbox": 30, "invoice": 25, "ceo": 12, "delivery": 13, "injection": 20}


def allocate(weights: Mapping[str, int], total: int) -> list[str]:
    """Exactly `total` keys in proportion to `weights` (largest remainder), in key order."""
    wsum = sum(weights.values())
    exact = {k: total * w / wsum for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    leftover = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), k))[:leftover]:
        counts[k] += 1
    return [k for k in weights for _ in range(counts[k])]


def pick_category(rng: random.Random) -> str:
    keys = tuple(CATEGORY_WEIGHTS)
    return rng.choices(keys, weights=[CATEGORY_WEIGHTS[k] for k in keys])[0]


def pick_urgency(rng: random.Random, category: str) -> str:
    return rng.choices(URGENCIES, weights=URGENCY_WEIGHTS[category])[0]


def spam_urgency(rng: random.Random, kind: str) -> str:
    """Urgency of handling a spam/phishing mail itself: injections and credential traps matter more."""
    if kind == "injection":
        return "MEDIUM"
    if kind == "delivery":
        return "LOW"
    return rng.choices(("LOW", "MEDIUM"), weights=(55, 45))[0]
