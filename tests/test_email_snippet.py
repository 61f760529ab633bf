"""An email's snippet (the queue's preview line) is the body's start with whitespace collapsed; it is read from
the start of the body only, so a huge mail costs no more than a small one, and it is exactly what collapsing
the whole body would give."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from emailbot_gui.core.types import SNIPPET_CHARS, Address, Email


def email(body: str) -> Email:
    return Email(source="t", provider_id="1", message_id="<1@t>", subject="s", sender=Address("a@b.example"),
                 received_at=datetime(2026, 1, 1, tzinfo=UTC), body_text=body)


def collapsed(body: str) -> str:
    return " ".join(body.split())[:SNIPPET_CHARS]


def bodies() -> list[str]:
    rng = random.Random(7)
    pieces = ["word", "a", "Grüße", "x" * 300, " ", "  ", "\n", "\t\r\n ", " " * 5000, "é" * 2000, "\u00a0", "\u2028"]
    out = ["", " ", "short body", " " * 100_000 + "late start", "y" * 100_000, "z" * 1023 + " tail",
           "w" * 1024 + " tail", ("q" * 239 + " ") * 10]
    out += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 400))) for _ in range(300)]
    return out


def test_the_snippet_is_the_collapsed_start_of_the_body() -> None:
    for body in bodies():
        assert email(body).snippet == collapsed(body), repr(body[:80])


def test_a_huge_body_gives_its_snippet_from_its_start() -> None:
    huge = "Printer on floor 3 jammed again. " + "log line 0x1f " * 3_000_000  # about 40 MB
    assert email(huge).snippet == collapsed(huge[:10_000])
