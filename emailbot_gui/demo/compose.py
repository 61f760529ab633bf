"""Composes the text of demo emails (subject and plain-text body) from the phrase pools.

One `EmailComposer` serves one phrase variant ("all", "train" or "holdout"); every method takes the
caller's `random.Random`, so the same seed always gives the same text. MIME packaging lives elsewhere
(`corpus`, `synthetic`); this module only writes words.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from emailbot_gui.demo.phrases import LANGUAGES, PhraseTree, common_fillers, phrasebook

URGENCIES: tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
SPAM_KINDS: tuple[str, ...] = ("mailbox", "invoice", "ceo", "delivery", "injection")
SPAM_DOMAINS: dict[str, tuple[str, ...]] = {
    "mailbox": ("m365-alerts.example", "c0ntoso-demo.example", "mailbox-quota.example"),
    "invoice": ("invoice-portal.example", "accounts-dept.example", "payments-remit.example"),
    "ceo": ("exec-office-mail.example", "ceo-mobile.example"),
    "delivery": ("parcel-notify.example", "dhl-parcel-hold.example", "postnl-bezorging.example"),
    "injection": ("audit-bot.example", "compliance-check.example"),
}
_SPAM_LOCALS = ("no-reply", "support", "billing", "security", "admin", "service", "notification")
ATTACHMENT_NOTES: dict[str, str] = {
    "en": "I've attached {what}.", "de": "Im Anhang: {what}.", "fr": "Ci-joint : {what}.",
    "es": "Adjunto {what}.", "nl": "In de bijlage: {what}.",
}
# Categories where "I already tried X" makes sense.
TROUBLESHOOTING = frozenset({"password_reset", "account_lockout", "hardware", "software_fault",
                             "network_vpn"})
_URGENCY_CUE_CHANCE = {"LOW": 0.55, "MEDIUM": 0.7, "HIGH": 1.0, "CRITICAL": 1.0}
_SUBJECT_TAG_CHANCE = {"HIGH": 0.45, "CRITICAL": 0.75}


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str
    company: str = ""
    phone: str = ""
    title: str = ""
    site: str = ""  # the sender's office, used for "{site}" when known

    @property
    def first(self) -> str:
        return self.name.split(" ")[0]


@dataclass(frozen=True, slots=True)
class ComposedText:
    subject: str
    body: str  # paragraphs separated by blank lines
    language: str


def _digits(pattern: str, rng: random.Random) -> str:
    if "#" not in pattern:
        return pattern
    return "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in pattern)


def _amount(rng: random.Random, language: str) -> str:
    value = f"{rng.randint(49, 9800):,}.{rng.choice(('00', '50', '90', '20'))}"
    if language == "en":
        return rng.choice(("£", "€", "$")) + value
    value = value.replace(",", " " if language == "fr" else "#").replace(".", ",").replace("#", ".")
    return f"€ {value}" if language == "nl" else f"{value} €"


_GENERATED: dict[str, Callable[[random.Random, str], str]] = {
    "time": lambda rng, _: f"{rng.randint(7, 17):02d}:{rng.randrange(0, 60, 5):02d}",
    "n": lambda rng, _: str(rng.choice((8, 12, 15, 20, 25, 30, 40, 60, 80, 120, 200))),
    "amount": _amount,
}


class Slots(dict[str, str]):
    """Placeholder values for one email, drawn on first use and then kept, so a name used twice matches."""

    def __init__(self, rng: random.Random, language: str, lang_fillers: Mapping[str, tuple[str, ...]],
                 common: Mapping[str, tuple[str, ...]], fixed: Mapping[str, str]) -> None:
        super().__init__(fixed)
        self._rng = rng
        self._language = language
        self._lang_fillers = lang_fillers
        self._common = common

    def __missing__(self, key: str) -> str:
        pool = self._lang_fillers.get(key) or self._common.get(key)
        if pool:
            value = _digits(self._rng.choice(pool), self._rng)
        elif key in _GENERATED:
            value = _GENERATED[key](self._rng, self._language)
        else:
            raise KeyError(f"no filler for placeholder {{{key}}}")
        self[key] = value
        return value


def add_typo(text: str, rng: random.Random) -> str:
    """Swap, drop or double one letter in one longer word, the way people mistype."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif kind == 1:
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def capitalise(text: str) -> str:
    """Upper-case the first letter, for sentences that start with a filler ("the CRM is down")."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def return_day(rng: random.Random, when: datetime) -> date:
    """When an absent colleague is back: a working day a few days to a fortnight after `when`."""
    day = when.date() + timedelta(days=rng.randint(2, 16))
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def format_date(language: str, day: date) -> str:
    book = phrasebook(language)
    return str(book["_date_format"]).format(
        day=day.day, month=day.month, year=day.year, month_name=book["_months"][day.month - 1],
        weekday_name=book["_weekday_names"][day.weekday()])


def quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


class EmailComposer:
    """Writes subjects and bodies from one variant of the phrase pools."""

    def __init__(self, variant: str = "all") -> None:
        self.variant = variant
        self._books: dict[str, PhraseTree] = {lang: phrasebook(lang, variant) for lang in LANGUAGES}
        self._en = self._books["en"]
        self._common = common_fillers(variant)

    def book(self, language: str) -> PhraseTree:
        return self._books[language]

    def slots(self, rng: random.Random, language: str, fixed: Mapping[str, str]) -> Slots:
        return Slots(rng, language, self._books[language]["fillers"], self._common, fixed)

    @staticmethod
    def author_slots(author: Author) -> dict[str, str]:
        slots = {"name": author.name, "first": author.first, "email": author.email, "company": author.company,
                 "phone": author.phone or "+44 20 7946 0000", "username": author.email.split("@")[0]}
        if author.site:
            slots["site"] = author.site
        return slots

    # -- requests ---------------------------------------------------------------------------------------

    def request(self, rng: random.Random, language: str, category: str, urgency: str, author: Author,
                *, note: str = "", mobile: bool | None = None) -> ComposedText:
        """A support request of one category, written with the cues of one urgency level."""
        book = self._books[language]
        cat = book["categories"][category]
        slots = self.slots(rng, language, self.author_slots(author))
        compromised = category == "spam_phishing" and urgency in ("HIGH", "CRITICAL")
        problems = cat["problems_compromised"] if compromised else cat["problems"]
        details = cat["details_compromised"] if compromised else cat["details"]
        style = rng.choices(("short", "normal", "long"), weights=(18, 62, 20))[0]
        if mobile is None:
            mobile = style == "short" and rng.random() < 0.6

        hint, _, problem = rng.choice(problems).rpartition(" | ")
        if rng.random() < 0.12:
            problem = add_typo(problem, rng)
        first: list[str] = []
        if rng.random() < (0.6 if style == "long" else 0.22):
            first.append(rng.choice(book["intros"]))
        first.append(problem)
        n_details = {"short": 0, "normal": rng.choice((0, 1, 1, 2)), "long": rng.choice((2, 3))}[style]
        picked = rng.sample(details, min(n_details, len(details)))
        second: list[str] = []
        if picked:
            first.append(picked[0])
            second.extend(picked[1:])
        tried_chance = {"long": 0.7, "normal": 0.3}.get(style, 0.0) if category in TROUBLESHOOTING else 0.0
        if rng.random() < tried_chance:
            second.append(rng.choice(book["tried"]))
        if note:
            second.append(note)
        third: list[str] = []
        if rng.random() < _URGENCY_CUE_CHANCE[urgency]:
            cues = self._cues(book, category, urgency)
            two = urgency == "CRITICAL" and len(cues) > 1 and rng.random() < 0.35
            third.extend(rng.sample(cues, 2) if two else [rng.choice(cues)])
        if style != "short" or rng.random() < 0.3:
            third.append(rng.choice(book["closers"]))

        paragraphs = []
        if rng.random() < (0.55 if mobile else 0.9):
            greeting = rng.choice(book["greetings"])
            if greeting:
                paragraphs.append(greeting)
        joiner = "\n" if rng.random() < 0.2 else " "
        for sentences in (first, second, third):
            if sentences:
                paragraphs.append(joiner.join(capitalise(t.format_map(slots)) for t in sentences))
        signature = self._signature(rng, book, author, mobile=mobile, long=style == "long")
        paragraphs.append(signature.format_map(slots))
        body = "\n\n".join(paragraphs)
        if mobile and rng.random() < 0.25:
            body = body.lower()

        subject = hint if hint and rng.random() < 0.65 else rng.choice(cat["subjects"])
        tags = book["subject_tags"].get(urgency)
        forwarded = subject.startswith(str(book["_forward_prefix"]).strip())
        if tags and not forwarded and rng.random() < _SUBJECT_TAG_CHANCE[urgency]:
            subject = rng.choice(tags) + subject
        subject = capitalise(subject.format_map(slots))
        if rng.random() < 0.05:
            subject = subject.lower()
        return ComposedText(subject, body, language)

    @staticmethod
    def _cues(book: PhraseTree, category: str, urgency: str) -> tuple[str, ...]:
        """Urgency cues: the category's own when it has them (a phishing victim sounds different)."""
        own = book["categories"].get(category, {}).get("urgency", {}).get(urgency)
        return tuple(own) if own else tuple(book["urgency"][urgency])

    def _signature(self, rng: random.Random, book: PhraseTree, author: Author, *, mobile: bool,
                   long: bool) -> str:
        lines = [rng.choice(book["signoffs"])]
        if mobile:
            lines.append(author.first)
            lines.append("")
            lines.append(rng.choice(book["mobile"]))
            return "\n".join(lines)
        full = rng.random() < 0.6
        lines.append(author.name if full else author.first)
        if full and rng.random() < 0.6:
            if author.title:
                lines.append(author.title)
            if author.company:
                lines.append(author.company)
            if author.phone and rng.random() < 0.7:
                lines.append(f"T: {author.phone}" if rng.random() < 0.5 else author.phone)
        if long and author.company and rng.random() < 0.5:
            lines.extend(("", rng.choice(book["disclaimers"])))
        return "\n".join(lines)

    # -- replies in a thread ----------------------------------------------------------------------------

    def followup(self, rng: random.Random, language: str, category: str, urgency: str, author: Author,
                 original: ComposedText, original_author: Author, original_when: datetime) -> ComposedText:
        """A reply to an earlier message: a chaser, more detail, or a colleague's 'same here'."""
        book = self._books[language]
        slots = self.slots(rng, language, self.author_slots(author))
        same_person = author.email == original_author.email
        mode = "metoo" if not same_person else rng.choice(("chase", "chase", "info"))
        parts: list[str] = []
        if rng.random() < 0.5:
            greeting = rng.choice(book["greetings"])
            if greeting:
                parts.append(greeting)
        line = rng.choice(book["followups"][mode])
        if urgency in ("HIGH", "CRITICAL") or rng.random() < 0.3:
            line += " " + rng.choice(self._cues(book, category, urgency))
        parts.append(line)
        parts.append(f"{rng.choice(book['signoffs'])}\n{author.first}")
        header = str(book["_quote_header"]).format(
            date=f"{format_date(language, original_when.date())} {original_when:%H:%M}",
            name=original_author.name, email=original_author.email)
        body = "\n\n".join(parts).format_map(slots) + f"\n\n{header}\n{quote(original.body)}\n"
        return ComposedText(self.reply_subject(language, original.subject), body, language)

    def reply_subject(self, language: str, subject: str) -> str:
        prefix = str(self._books[language]["_reply_prefix"])
        known = ("re:", "aw:", "re :", "antw:")
        return subject if subject.lower().startswith(known) else prefix + subject

    # -- automatic replies ------------------------------------------------------------------------------

    def out_of_office(self, rng: random.Random, language: str, author: Author, colleague: Author,
                      return_on: date) -> ComposedText:
        book = self._books[language]
        slots = self.slots(rng, language, {
            **self.author_slots(author), "colleague": colleague.name, "colleague_email": colleague.email,
            "return_date": format_date(language, return_on)})
        topic_cat = rng.choice(tuple(book["categories"]))
        topic = rng.choice(book["categories"][topic_cat]["subjects"]).format_map(slots)
        orig = str(book["_reply_prefix"]) + str(book["_support_subject"]).format(
            ticket=slots["ticket"], subject=topic)
        subject = rng.choice(book["ooo"]["subjects"]).format(orig=orig)
        return ComposedText(subject, rng.choice(book["ooo"]["bodies"]).format_map(slots), language)

    # -- spam and phishing ------------------------------------------------------------------------------

    def spam_kinds(self, language: str) -> tuple[str, ...]:
        return tuple(self._books[language]["spam"])

    def spam(self, rng: random.Random, language: str, kind: str,
             recipient: str) -> tuple[ComposedText, Author]:
        """A spam or phishing mail of one kind, and its (forged) sender. Falls back to English when the
        language has no pool for that kind."""
        book = self._books[language]
        if kind not in book["spam"]:
            language, book = "en", self._en
        pools = book["spam"][kind]
        slots = self.slots(rng, language, {"email": recipient, "name": "", "first": ""})
        slots["link"] = slots["phish_url"]
        hint, _, body = rng.choice(pools["bodies"]).rpartition(" | ")
        subject = hint if hint and rng.random() < 0.6 else rng.choice(pools["subjects"])
        text = ComposedText(subject.format_map(slots), body.format_map(slots), language)
        address = f"{rng.choice(_SPAM_LOCALS)}@{rng.choice(SPAM_DOMAINS[kind])}"
        return text, Author(rng.choice(pools["senders"]), address)

    def forwarded(self, language: str, report: ComposedText, spam: ComposedText, spam_sender: Author) -> str:
        """A user's report with the suspicious mail forwarded below it."""
        header = str(self._books[language]["_forward_header"])
        return (f"{report.body}\n\n{header}\nFrom: {spam_sender.name} <{spam_sender.email}>\n"
                f"Subject: {spam.subject}\n\n{spam.body}\n")
