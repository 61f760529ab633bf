"""Turning domain values into the short texts the console shows: ages, timestamps, sizes, addresses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from emailbot_gui.core.types import Address


def as_aware(when: datetime) -> datetime:
    """Stored datetimes are UTC; SQLite may hand them back naive."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def format_age(received_at: datetime, now: datetime) -> str:
    """'now', '3 min', '2 h', '5 d': precise enough to triage, short enough for a column."""
    seconds = (as_aware(now) - as_aware(received_at)).total_seconds()
    if seconds < 60:
        return "now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h"
    return f"{hours // 24} d"


def format_when(when: datetime | None, *, seconds: bool = False) -> str:
    """A timestamp in the operator's local time zone."""
    if when is None:
        return "—"
    local = as_aware(when).astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def format_time(when: datetime) -> str:
    """The local time of day, for things that happened today (the last poll)."""
    return as_aware(when).astimezone().strftime("%H:%M:%S")


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def format_addresses(addresses: Iterable[Address]) -> str:
    return ", ".join(str(a) for a in addresses) or "—"


def format_confidence(confidence: float | None) -> str:
    return "" if confidence is None else f"{confidence * 100:.0f} %"


_FLAG_LABELS = {
    "prompt-injection": "Prompt-injection attempt",
    "data-exfiltration": "Asks to send data out",
    "recipient-change": "Asks to change the recipient",
    "phishing-link": "Phishing link",
    "hidden-text": "Hidden text",
    "phishing": "Possible phishing",
    "phishing-suspect": "Suspected phishing",
    "spoofed-sender": "Spoofed sender",
    "ai-fallback": "AI unavailable: classified locally",
}
# Flags that say how the email was classified, not that it is dangerous (still never auto-approved).
ADVISORY_FLAGS = frozenset({"ai-fallback"})
_FLAGGED = re.compile(r"\s*Flagged: (?P<reasons>.+?)\.?\s*$", re.DOTALL)


def split_flag_reasons(rationale: str) -> tuple[str, list[str]]:
    """The classifier's rationale without the injection checks' "Flagged: a; b." tail, and those reasons."""
    match = _FLAGGED.search(rationale)
    if match is None:
        return rationale, []
    reasons = [r.strip() for r in match.group("reasons").split("; ") if r.strip()]
    return rationale[:match.start()].strip(), reasons


def flag_label(flag: str) -> str:
    """A classifier flag ("phishing-link") as the operator reads it ("Phishing link")."""
    return _FLAG_LABELS.get(flag, flag.replace("-", " ").replace("_", " ").capitalize())
