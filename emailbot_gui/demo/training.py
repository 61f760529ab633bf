"""Labelled subject/body text for training and evaluating classifiers.

`training_examples(variant="train")` and `training_examples(variant="holdout")` are written from
disjoint shares of every phrase pool (see `phrases.split_pool`), so accuracy measured on the holdout
examples is accuracy on wording the model has never seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from emailbot_gui.demo.compose import EmailComposer, return_day
from emailbot_gui.demo.customers import DEMO_BASE_DATE
from emailbot_gui.demo.mime import MAILBOX
from emailbot_gui.demo.senders import SenderPicker, author_of
from emailbot_gui.demo.weights import (
    FOREIGN_LANGUAGE_WEIGHTS,
    FOREIGN_SHARE,
    pick_category,
    pick_urgency,
    spam_urgency,
)

_BASE = datetime.combine(DEMO_BASE_DATE, time(9, 0), tzinfo=UTC)


@dataclass(frozen=True)
class LabelledText:
    subject: str
    body: str
    category: str
    urgency: str
    language: str


def training_examples(count: int = 4000, seed: int = 7, variant: str = "train") -> list[LabelledText]:
    """`count` labelled examples from one variant ("train", "holdout", or "all") of the phrase pools."""
    if variant not in ("train", "holdout", "all"):
        raise ValueError(f"variant must be 'train', 'holdout' or 'all', not {variant!r}")
    rng = random.Random(f"{seed}:{variant}")
    composer = EmailComposer(variant)
    senders = SenderPicker(rng)
    langs, lang_weights = zip(*FOREIGN_LANGUAGE_WEIGHTS.items(), strict=True)
    out: list[LabelledText] = []
    for _ in range(count):
        category = pick_category(rng)
        language = rng.choices(langs, weights=lang_weights)[0] if rng.random() < FOREIGN_SHARE else "en"
        customer = senders.customer(rng, language)
        author = author_of(customer)
        if category == "out_of_office":
            colleague = senders.colleague(rng, customer) or customer
            back = return_day(rng, _BASE + timedelta(days=rng.randint(0, 30)))
            text = composer.out_of_office(rng, language, author, author_of(colleague), back)
            urgency = "LOW"
        elif category == "spam_phishing" and rng.random() < 0.55:
            kind = rng.choice(composer.spam_kinds(language))
            text, _ = composer.spam(rng, language, kind, MAILBOX)
            urgency = spam_urgency(rng, kind)
        else:
            urgency = pick_urgency(rng, category)
            text = composer.request(rng, language, category, urgency, author)
            if rng.random() < 0.08:  # a reply quoting the first message
                text = composer.followup(rng, language, category, urgency, author, text, author,
                                         _BASE + timedelta(hours=rng.randint(1, 300)))
        out.append(LabelledText(text.subject, text.body, category, urgency, text.language))
    return out
