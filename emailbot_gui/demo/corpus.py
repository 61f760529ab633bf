"""The demo mail corpus: a reproducible stream of IT-support emails to the shared mailbox, with labels.

`generate_corpus` gives the raw messages the demo mail source serves (plain, HTML-only, alternative,
with attachments, thread replies, auto-replies, spam and phishing) in chronological order;
`training_examples` gives labelled text from the train or holdout half of the phrase pools for
classifier training and honest evaluation; `synthetic_raw_emails` is the fast stream for benchmarks.

    python -m emailbot_gui.demo.corpus --out resources/demo/mail

writes the corpus as `NNNN-slug.eml` files plus `labels.csv` next to the folder.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from emailbot_gui.demo import markup
from emailbot_gui.demo.compose import (
    ATTACHMENT_NOTES,
    SPAM_KINDS,
    Author,
    ComposedText,
    EmailComposer,
    return_day,
)
from emailbot_gui.demo.customers import DemoCustomer
from emailbot_gui.demo.mime import (
    MAILBOX,
    Attachment,
    Envelope,
    build_message,
    empty_zip,
    message_id,
    received_headers,
    tiny_pdf,
    tiny_png,
)
from emailbot_gui.demo.phrases import COMMON_FILLERS
from emailbot_gui.demo.senders import SenderPicker, author_of
from emailbot_gui.demo.synthetic import synthetic_raw_emails
from emailbot_gui.demo.training import LabelledText, training_examples
from emailbot_gui.demo.weights import (
    CATEGORY_WEIGHTS,
    FOREIGN_LANGUAGE_WEIGHTS,
    FOREIGN_SHARE,
    SPAM_KIND_WEIGHTS,
    allocate,
    pick_category,
    pick_urgency,
    spam_urgency,
)

__all__ = ["DemoEmail", "LabelledText", "generate_corpus", "main", "synthetic_raw_emails",
           "training_examples"]

BASE_TIME = datetime(2026, 3, 2, 7, 10, tzinfo=UTC)  # Monday morning; the corpus runs for ~3 weeks
REPLY_SHARE = 0.10
_MAILERS = ("Microsoft Outlook 16.0", "Apple Mail (2.3774)", "Mozilla Thunderbird 128.4.2",
            "Microsoft Outlook for Mac 16.89", "iPhone Mail (21G93)", "Outlook-Android/2.0")


@dataclass(frozen=True)
class DemoEmail:
    filename: str
    raw: bytes
    category: str
    urgency: str  # "LOW".."CRITICAL"
    language: str
    sender: str


@dataclass
class _Sent:
    """What later messages in the corpus need to know about an earlier one."""

    message_id: str
    references: tuple[str, ...]
    text: ComposedText
    author: Author
    customer: DemoCustomer | None
    when: datetime
    category: str
    urgency: str
    repliable: bool
    replies: int = 0


def _slug(subject: str) -> str:
    text = unicodedata.normalize("NFKD", subject).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > 40:
        text = text[:40].rsplit("-", 1)[0]
    return text or "message"


def _advance(t: datetime, rng: random.Random) -> datetime:
    """Next arrival: about one message per half hour during the working day, none at weekends."""
    t += timedelta(minutes=rng.expovariate(1 / 27))
    if t.hour >= 18 or t.weekday() >= 5:
        t = (t + timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)
        while t.weekday() >= 5:
            t += timedelta(days=1)
        t += timedelta(minutes=rng.randint(0, 80))
    return t.replace(microsecond=0)


_ATTACHMENT_CHANCE = {"hardware": 0.2, "software_fault": 0.2, "network_vpn": 0.18, "billing_licence": 0.15}


def _attachment_for(rng: random.Random, category: str, index: int) -> Attachment | None:
    chance = _ATTACHMENT_CHANCE.get(category, 0.03)
    if rng.random() >= chance:
        return None
    if category == "network_vpn":
        lines = [f"2026-03-0{1 + index % 9} 0{7 + k % 3}:{(index * 7 + k * 13) % 60:02d}:1{k} [ERROR] tunnel "
                 f"negotiation failed (attempt {k + 1})" for k in range(5)]
        return Attachment("vpn-client.log", ("\n".join(lines) + "\n").encode(), "text", "plain")
    if category == "billing_licence":
        return Attachment(f"invoice-{index:04d}.pdf", tiny_pdf(f"Invoice {index}"), "application", "pdf")
    cid = f"screenshot-{index:04d}@{MAILBOX.split('@')[1]}" if rng.random() < 0.4 else ""
    return Attachment("screenshot.png", tiny_png(index), "image", "png", inline_cid=cid)


def _customer_headers(rng: random.Random, domain: str, when: datetime, token: str, urgency: str,
                      *, spf: str = "pass") -> list[tuple[str, str]]:
    ip = f"203.0.113.{rng.randint(2, 250)}" if spf == "pass" else f"198.51.100.{rng.randint(2, 250)}"
    headers = received_headers(domain, when, spf=spf, ip=ip, token=token)
    headers.append(("X-Mailer", rng.choice(_MAILERS)))
    if urgency in ("HIGH", "CRITICAL") and rng.random() < 0.4:
        headers.extend((("X-Priority", "1 (Highest)"), ("Importance", "High")))
    return headers


def generate_corpus(count: int = 320, seed: int = 2026) -> list[DemoEmail]:
    """`count` raw demo emails with their labels, oldest first. Same arguments, same bytes."""
    rng = random.Random(seed)
    composer = EmailComposer("all")
    senders = SenderPicker(rng)
    n_replies = round(count * REPLY_SHARE)
    n_fresh = count - n_replies
    categories = allocate(CATEGORY_WEIGHTS, n_fresh)
    rng.shuffle(categories)
    reply_slots = set(rng.sample(range(min(12, count), count), min(n_replies, max(0, count - 12))))
    foreign = allocate(FOREIGN_LANGUAGE_WEIGHTS, round(n_fresh * FOREIGN_SHARE))
    languages = foreign + ["en"] * (n_fresh - len(foreign))
    rng.shuffle(languages)

    sent: list[_Sent] = []
    out: list[DemoEmail] = []
    when = BASE_TIME
    for i in range(count):
        index = i + 1
        when = _advance(when, rng)
        candidates = [s for s in sent[-60:] if s.repliable and s.replies < 2]
        if i in reply_slots and candidates:
            email, record = _reply(rng, composer, index, when, rng.choice(candidates), senders)
        else:
            category = categories.pop() if categories else pick_category(rng)
            language = languages.pop() if languages else "en"
            email, record = _fresh(rng, composer, index, when, category, language, senders)
        sent.append(record)
        out.append(email)
    return out


def _local(when: datetime, c: DemoCustomer | None) -> datetime:
    return when.astimezone(timezone(timedelta(hours=c.utc_offset))) if c else when


def _fresh(rng: random.Random, composer: EmailComposer, index: int, when: datetime, category: str,
           language: str, senders: SenderPicker) -> tuple[DemoEmail, _Sent]:
    mid = message_id("demo", index, f"{category}:{language}:{when.isoformat()}")
    token = mid[6:16].replace(".", "")
    if category == "spam_phishing" and rng.random() < 0.55:
        return _spam(rng, composer, index, when, language, mid, token)
    customer: DemoCustomer | None = senders.customer(rng, language)
    if category != "out_of_office" and language == "en" and rng.random() < 0.08:
        customer = None  # someone the customer DB does not know
    author = author_of(customer) if customer else senders.unknown(rng)
    attachments: list[Attachment] = []
    in_reply_to = ""
    cc: tuple[tuple[str, str], ...] = ()
    if category == "out_of_office":
        assert customer is not None
        colleague = senders.colleague(rng, customer) or customer
        text = composer.out_of_office(rng, language, author, author_of(colleague), return_day(rng, when))
        urgency = "LOW"
        in_reply_to = message_id("reply", index, author.email)
        headers = _customer_headers(rng, author.email.split("@")[1], when, token, urgency)
        headers += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
        html = markup.client_html(text.body, rng) if rng.random() < 0.5 else None
        plain: str | None = text.body
    else:
        urgency = pick_urgency(rng, category)
        att = _attachment_for(rng, category, index)
        note = ATTACHMENT_NOTES[language].format(what=att.filename) if att and not att.inline_cid else ""
        text = composer.request(rng, language, category, urgency, author, note=note)
        if category == "spam_phishing" and urgency in ("LOW", "MEDIUM") and rng.random() < 0.45:
            kinds = composer.spam_kinds(language)
            spam, spam_from = composer.spam(rng, language, rng.choice(kinds), author.email)
            text = ComposedText(text.subject, composer.forwarded(language, text, spam, spam_from), language)
        headers = _customer_headers(rng, author.email.split("@")[1], when, token, urgency)
        if customer and rng.random() < 0.08 and (copied := senders.colleague(rng, customer)):
            cc = ((copied.name, copied.email),)
        plain, html = _formats(rng, text.body, customer, att)
        if att:
            attachments.append(att)
    env = Envelope(mid, author.name, author.email, text.subject, _local(when, customer), text.language,
                   cc=cc, in_reply_to=in_reply_to, references=(in_reply_to,) if in_reply_to else (),
                   extra_headers=headers)
    raw = build_message(env, text=plain, html=html, attachments=attachments)
    email = DemoEmail(f"{index:04d}-{_slug(text.subject)}.eml", raw, category, urgency, text.language,
                      author.email)
    repliable = category not in ("out_of_office",) and customer is not None
    return email, _Sent(mid, (), text, author, customer, when, category, urgency, repliable)


def _formats(rng: random.Random, body: str, customer: DemoCustomer | None,
             att: Attachment | None) -> tuple[str | None, str | None]:
    """Plain only (most), HTML only (some clients), or both as multipart/alternative."""
    roll = rng.random()
    if att and att.inline_cid:
        roll = 0.75  # inline images only exist in HTML: make it multipart/alternative
    if roll < 0.62:
        return body, None
    logo = customer.domain if customer and rng.random() < 0.3 else ""
    html = markup.client_html(body, rng, logo_domain=logo, tracker=rng.random() < 0.12)
    if att and att.inline_cid:
        html = html.replace("</div>\n</body>", f'<p><img src="cid:{att.inline_cid}" alt="screenshot"></p>\n'
                                               "</div>\n</body>")
    return (None, html) if roll >= 0.91 else (body, html)


def _spam(rng: random.Random, composer: EmailComposer, index: int, when: datetime, language: str, mid: str,
          token: str) -> tuple[DemoEmail, _Sent]:
    kinds = [k for k in SPAM_KINDS if language == "en" or k in composer.spam_kinds(language)]
    kind = rng.choices(kinds, weights=[SPAM_KIND_WEIGHTS[k] for k in kinds])[0]
    text, sender = composer.spam(rng, language, kind, MAILBOX)
    urgency = spam_urgency(rng, kind)
    domain = sender.email.split("@")[1]
    headers = _customer_headers(rng, domain, when, token, "LOW", spf=rng.choice(("fail", "softfail", "none")))
    link = next((w for w in text.body.split() if w.startswith("http")), "https://verify-account.example/login")
    exfil = rng.choice(COMMON_FILLERS["exfil_address"])
    html = markup.hostile_html(text.body, rng, link=link, exfil=exfil)
    plain = text.body if rng.random() < 0.25 else None
    attachments = []
    if rng.random() < 0.2:
        if kind == "invoice":
            preview = markup.hostile_html("Document preview", rng, link=link, exfil=exfil).encode()
            attachments.append(Attachment(f"Invoice_{rng.randint(1000, 9999)}.html", preview, "text", "html"))
        else:
            attachments.append(Attachment("scan_document.zip", empty_zip(), "application", "zip"))
    reply_to = f"reply-{rng.randint(100, 999)}@{rng.choice(('mail-relay.example', 'freemail.example'))}"
    env = Envelope(mid, sender.name, sender.email, text.subject, when, text.language,
                   reply_to=reply_to if rng.random() < 0.5 else "", extra_headers=headers)
    raw = build_message(env, text=plain, html=html, attachments=attachments)
    email = DemoEmail(f"{index:04d}-{_slug(text.subject)}.eml", raw, "spam_phishing", urgency, text.language,
                      sender.email)
    return email, _Sent(mid, (), text, sender, None, when, "spam_phishing", urgency, repliable=False)


def _reply(rng: random.Random, composer: EmailComposer, index: int, when: datetime, orig: _Sent,
           senders: SenderPicker) -> tuple[DemoEmail, _Sent]:
    orig.replies += 1
    customer = orig.customer
    if orig.category == "outage" and customer and rng.random() < 0.6:
        customer = senders.colleague(rng, customer) or customer
    author = author_of(customer) if customer else orig.author
    urgency = orig.urgency
    if author.email == orig.author.email and urgency != "CRITICAL" and rng.random() < 0.35:
        urgency = ("LOW", "MEDIUM", "HIGH", "CRITICAL")[("LOW", "MEDIUM", "HIGH").index(urgency) + 1]
    language = orig.text.language
    text = composer.followup(rng, language, orig.category, urgency, author, orig.text, orig.author,
                             _local(orig.when, orig.customer))
    mid = message_id("demo", index, f"reply:{orig.message_id}")
    references = (*orig.references, orig.message_id)
    headers = _customer_headers(rng, author.email.split("@")[1], when, mid[6:16].replace(".", ""), urgency)
    plain, html = _formats(rng, text.body, customer, None)
    env = Envelope(mid, author.name, author.email, text.subject, _local(when, customer), language,
                   in_reply_to=orig.message_id, references=references, extra_headers=headers)
    raw = build_message(env, text=plain, html=html)
    email = DemoEmail(f"{index:04d}-{_slug(text.subject)}.eml", raw, orig.category, urgency, language,
                      author.email)
    return email, _Sent(mid, references, text, author, customer, when, orig.category, urgency, repliable=True,
                        replies=1)


def write_corpus(emails: Sequence[DemoEmail], out_dir: Path, labels_path: Path) -> None:
    """Write the .eml files (removing stale ones from an earlier run) and the labels CSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    keep = {e.filename for e in emails}
    for stale in out_dir.glob("*.eml"):
        if stale.name not in keep:
            stale.unlink()
    for e in emails:
        target = out_dir / e.filename
        if not target.exists() or target.read_bytes() != e.raw:
            target.write_bytes(e.raw)
    with labels_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("filename", "category", "urgency", "language", "sender"))
        writer.writerows((e.filename, e.category, e.urgency, e.language, e.sender) for e in emails)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emailbot_gui.demo.corpus",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("resources/demo/mail"),
                        help="folder for the .eml files")
    parser.add_argument("--labels", type=Path, default=None, help="labels CSV (default: OUT/../labels.csv)")
    parser.add_argument("--count", type=int, default=320)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--customer-db", type=Path, default=None,
                        help="also build the demo customer SQLite file")
    args = parser.parse_args(argv)
    emails = generate_corpus(args.count, args.seed)
    labels = args.labels or args.out.parent / "labels.csv"
    write_corpus(emails, args.out, labels)
    if args.customer_db:
        from emailbot_gui.demo.customers import build_customer_db

        build_customer_db(args.customer_db)
    print(f"wrote {len(emails)} messages to {args.out} and labels to {labels}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
