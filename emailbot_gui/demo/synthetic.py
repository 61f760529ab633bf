"""A fast, endless-looking stream of realistic raw emails for benchmarks.

The text comes from the same composer as the demo corpus; the MIME is written with string formatting
instead of `EmailMessage` (about ten times faster) but is still RFC 5322: CRLF line ends, Message-ID,
Date, From, To, Subject, MIME-Version and Content-Type headers, RFC 2047 encoded words for non-ASCII
headers, and lines well under 998 octets.
"""

from __future__ import annotations

import base64
import html
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from emailbot_gui.demo.compose import SPAM_KINDS, EmailComposer
from emailbot_gui.demo.customers import DEMO_CUSTOMERS
from emailbot_gui.demo.mime import MAIL_DOMAIN, MAILBOX
from emailbot_gui.demo.senders import author_of
from emailbot_gui.demo.weights import FOREIGN_LANGUAGE_WEIGHTS, FOREIGN_SHARE, pick_category, pick_urgency

_SYNTH_BASE = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
_SPECIALS = frozenset('()<>[]:;@\\,."')


def encode_header(value: str) -> str:
    """The value as is when ASCII, otherwise as folded RFC 2047 base64 encoded words."""
    if value.isascii():
        return value
    words = []
    for start in range(0, len(value), 11):  # 11 chars <= 44 UTF-8 bytes -> encoded word <= 72 chars
        chunk = base64.b64encode(value[start:start + 11].encode()).decode("ascii")
        words.append(f"=?utf-8?b?{chunk}?=")
    return "\r\n ".join(words)


def format_address(name: str, address: str) -> str:
    if not name:
        return address
    if not name.isascii():
        return f"{encode_header(name)} <{address}>"
    if any(ch in _SPECIALS for ch in name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _simple_html(body: str) -> str:
    paras = html.escape(body).split("\n\n")
    inner = "</p>\r\n<p>".join(p.replace("\n", "<br>\r\n") for p in paras)
    return f'<html><body style="font-family:Calibri,sans-serif">\r\n<p>{inner}</p>\r\n</body></html>\r\n'


def synthetic_raw_emails(count: int, seed: int) -> Iterator[bytes]:
    """Yield `count` raw messages; the same (count, seed) always yields the same bytes."""
    rng = random.Random(seed)
    composer = EmailComposer("all")
    customers = DEMO_CUSTOMERS
    langs, lang_weights = zip(*FOREIGN_LANGUAGE_WEIGHTS.items(), strict=True)
    by_language = {lang: [c for c in customers if c.language == lang] for lang in langs}
    when = _SYNTH_BASE
    for i in range(count):
        when += timedelta(seconds=rng.randint(5, 240))
        category = pick_category(rng)
        language = rng.choices(langs, weights=lang_weights)[0] if rng.random() < FOREIGN_SHARE else "en"
        c = rng.choice(by_language[language] if language != "en" else customers)
        author = author_of(c)
        extra = ""
        if category == "out_of_office":
            text = composer.out_of_office(rng, language, author, author, when.date() + timedelta(days=7))
            extra = "Auto-Submitted: auto-replied\r\n"
        elif category == "spam_phishing" and rng.random() < 0.5:
            kinds = composer.spam_kinds(language) if language != "en" else SPAM_KINDS
            text, author = composer.spam(rng, language, rng.choice(kinds), MAILBOX)
        else:
            text = composer.request(rng, language, category, pick_urgency(rng, category), author)
        head = (f"Message-ID: <synth-{seed}-{i:07d}@{MAIL_DOMAIN}>\r\n"
                f"Date: {format_datetime(when)}\r\n"
                f"From: {format_address(author.name, author.email)}\r\n"
                f"To: IT Support <{MAILBOX}>\r\n"
                f"Subject: {encode_header(text.subject)}\r\n"
                f"{extra}MIME-Version: 1.0\r\n")
        cte = "7bit" if text.body.isascii() else "8bit"
        plain = _crlf(text.body)
        if rng.random() < 0.25:
            boundary = f"=_synth_{seed}_{i}"
            raw = (f"{head}Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
                   f"--{boundary}\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
                   f"Content-Transfer-Encoding: {cte}\r\n\r\n{plain}\r\n"
                   f"--{boundary}\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
                   f"Content-Transfer-Encoding: {cte}\r\n\r\n{_simple_html(text.body)}"
                   f"--{boundary}--\r\n")
        else:
            raw = (f"{head}Content-Type: text/plain; charset=\"utf-8\"\r\n"
                   f"Content-Transfer-Encoding: {cte}\r\n\r\n{plain}\r\n")
        yield raw.encode("utf-8")
