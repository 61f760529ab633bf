"""The default category set for an IT-support mailbox. The set is configurable; these are the defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    label: str
    needs_reply: bool = True


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("password_reset", "Password reset"),
    Category("account_lockout", "Account lockout"),
    Category("access_request", "Access request"),
    Category("hardware", "Hardware"),
    Category("software_fault", "Software fault"),
    Category("network_vpn", "Network / VPN"),
    Category("outage", "Outage"),
    Category("how_to", "How-to question"),
    Category("billing_licence", "Billing / licence"),
    Category("spam_phishing", "Spam / phishing", needs_reply=False),
    Category("out_of_office", "Out of office", needs_reply=False),
)

CATEGORY_KEYS = tuple(c.key for c in DEFAULT_CATEGORIES)


def category_label(key: str, categories: tuple[Category, ...] = DEFAULT_CATEGORIES) -> str:
    for c in categories:
        if c.key == key:
            return c.label
    return key.replace("_", " ").capitalize() if key else ""
