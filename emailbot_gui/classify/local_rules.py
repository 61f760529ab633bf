"""Hand-written rules the local classifier applies around its model: urgency floors for unambiguous
wording, a language guess from stop words, and the wording of the rationale."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from emailbot_gui.core.types import Urgency

SPAM_CATEGORY = "spam_phishing"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Urgency floors for unambiguous wording, in the languages the console sees. The learned head decides
# between the levels above a floor. Each floor is a judgement, kept deliberately small: a mail about a
# breach or a whole site being down is never low priority, whatever the wording around it; a sender who
# calls a mail urgent is at least not LOW ("not urgent" is excluded by the lookbehinds).
_CUES: tuple[tuple[frozenset[str], re.Pattern[str], Urgency], ...] = (
    (_words("production security data ransomware users nobody whole produktion sicherheitsvorfall niemand "
            "alle tous personne fuite todos nadie brecha gebruikers datalek"),
     re.compile(r"\b(?:production (?:is |went )?down|security (?:breach|incident)|data (?:breach|leak)"
                r"|ransomware|all users|nobody can work|whole (?:company|site|office) is down"
                r"|produktion steht|sicherheitsvorfall|niemand kann arbeiten|alle (?:benutzer|nutzer)"
                r"|tous les utilisateurs|personne ne peut travailler|fuite de données"
                r"|todos los usuarios|nadie puede trabajar|brecha de seguridad"
                r"|alle gebruikers|niemand kan werken|datalek)\b"), Urgency.HIGH),
    (_words("urgent dringend urgente spoed"),
     re.compile(r"(?<!not )(?<!n't )(?<!no )(?<!nicht )(?<!pas )(?<!niet )"
                r"\b(?:urgent|dringend|urgente|spoed)\b"), Urgency.MEDIUM),
)
_STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": _words("the and you for this that with have are not please can our from but was"),
    "de": _words("der die das und ich nicht mit ist sie bitte wir ein eine auf für den"),
    "fr": _words("les des est pas vous nous une pour que dans avec sur mon je le la"),
    "es": _words("los las que por una para con del nos mi el está no es favor"),
    "nl": _words("het een van ik niet met voor zijn wij op dat ook graag de en"),
}
RATIONALE_SKIP = frozenset().union(*_STOPWORDS.values()) | {"_num_", "_url_", "_email_"}


def apply_cues(probs: np.ndarray, words: Sequence[set[str]], texts: Sequence[tuple[str, str]],
                categories: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """The learned urgency, raised to the floor of any cue found. Probability mass below a floor is
    dropped and the rest renormalised, so the confidence stays a probability. A cue's regex runs only
    when one of its anchor words is in the mail: most mails have none, and this runs for every mail."""
    probs = np.array(probs, dtype=np.float64)
    for i, (ws, (subject, body), category) in enumerate(zip(words, texts, categories, strict=True)):
        if category in (SPAM_CATEGORY, "out_of_office"):  # "URGENT: verify your mailbox" is bait
            continue
        floor = Urgency.LOW
        text = ""
        for anchors, pattern, level in _CUES:
            if level > floor and not anchors.isdisjoint(ws):
                text = text or f"{subject}\n{body}".casefold()
                if pattern.search(text):
                    floor = level
        if floor > Urgency.LOW and probs[i, floor.value - 1:].sum() > 0:
            probs[i, : floor.value - 1] = 0.0
            probs[i] /= probs[i].sum()
    return probs, probs.argmax(axis=1).tolist()


def rationale(evidence: Sequence[str], label: str) -> str:
    if not evidence:
        return f"No strong keywords; closest match is {label}."
    quoted = ", ".join(f"'{w}'" for w in evidence)
    return f"Mentions {quoted} — typical of {label}."


def guess_language(words: set[str]) -> str:
    hits = {lang: len(stop & words) for lang, stop in _STOPWORDS.items()}
    lang, best = max(hits.items(), key=lambda kv: kv[1])
    return lang if best >= 2 else ""
