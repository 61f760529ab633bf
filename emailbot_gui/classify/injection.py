"""Prompt-injection and social-engineering checks, run on every email whatever classifier is used.

An email is data, never instructions: this module looks for mail that tries to *instruct* the assistant
or the operator anyway, and returns flags with short reasons the operator can read:

- ``prompt-injection``: "ignore previous instructions", claims to be a system prompt or a new role,
  instructions addressed to the AI (English, German, French, Spanish, Dutch, Italian, Portuguese);
- ``data-exfiltration``: requests to send customer data, mailboxes, passwords or files to someone;
- ``recipient-change``: requests to send the reply or future mail to another address;
- ``phishing-link``: links to credential pages on lookalike domains, raw IP hosts, punycode, or an
  anchor text that shows another domain than the link goes to;
- ``hidden-text``: HTML text a reader cannot see (display:none, zero size, white on white) that
  carries instructions, and zero-width characters hiding words.

`FlaggingClassifier(inner)` wraps any `Classifier` and adds the flags to its classifications, so the
triage loop needs no change. A flagged email is never auto-approved (see pipeline/auto_approval.py).
The checks are deliberately conservative patterns, not a model: each flag names its evidence.
"""

from __future__ import annotations

import asyncio
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from emailbot_gui.classify.base import Classifier
from emailbot_gui.classify.lookalike import KNOWN_DOMAINS, lookalike_of
from emailbot_gui.core.types import Classification, Email

if TYPE_CHECKING:
    from emailbot_gui.classify.worker import FloodWorker

PROMPT_INJECTION = "prompt-injection"
DATA_EXFILTRATION = "data-exfiltration"
RECIPIENT_CHANGE = "recipient-change"
PHISHING_LINK = "phishing-link"
HIDDEN_TEXT = "hidden-text"
INJECTION_FLAGS = (PROMPT_INJECTION, DATA_EXFILTRATION, RECIPIENT_CHANGE, PHISHING_LINK, HIDDEN_TEXT)
_FLAG_ORDER = {flag: i for i, flag in enumerate(INJECTION_FLAGS)}
_Adder = Callable[[str, str], object]  # records one finding: (flag, reason)
INLINE_CHECKS = 4  # batches up to this size are checked on the event loop; bigger ones in the executor
MAX_SCAN_CHARS = 20_000  # the start of a mail is where an attack must be to be read; bounds the cost


@dataclass(frozen=True, slots=True)
class Finding:
    flag: str
    reason: str


class _Rule:
    """A pattern run on folded (lower-cased) text, and only when the text contains one of its triggers:
    words or fragments every match must contain. Most mail contains none, and a substring test is
    a hundred times cheaper than scanning with a pattern that starts with an alternation."""

    def __init__(self, triggers: Iterable[str], *parts: str, words: Iterable[str] = ()) -> None:
        self.pattern = re.compile("|".join(f"(?:{p})" for p in parts))
        self.triggers = tuple(triggers)
        self.words = frozenset(words)  # whole words, for triggers too short to test as fragments ("ai")

    def search(self, text: str, words: frozenset[str]) -> re.Match[str] | None:
        if self.words.isdisjoint(words) and not any(t in text for t in self.triggers):
            return None
        return self.pattern.search(text)


# "ignore / disregard / forget (all) (the) previous / above instructions", per language.
_IGNORE = _Rule(
    ("ignor", "disregard", "forget", "override", "bypass", "skip", "vergiss", "vergessen", "missacht", "oubli",
     "olvid", "negeer", "vergeet", "dimentic", "esqueç", "esquec"),
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|"
    r"your|any|the|system)\b[^.\n]{0,30}\b(?:instructions?|prompts?|rules|guidelines|directives|policies|"
    r"programming|context)\b",
    r"\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte)\b[^.\n]{0,50}\b(?:anweisungen|"
    r"instruktionen|regeln|vorgaben|prompts?)\b",
    r"\b(?:ignore[zs]?|oublie[zs]?)\b[^.\n]{0,50}\b(?:instructions|consignes|règles|directives)\b",
    r"\b(?:ignora|ignore|olvida|olvide)\b[^.\n]{0,50}\b(?:instrucciones|indicaciones|reglas|órdenes)\b",
    r"\b(?:negeer|vergeet)\b[^.\n]{0,50}\b(?:instructies|aanwijzingen|regels|opdrachten)\b",
    r"\b(?:ignora|dimentica)\b[^.\n]{0,50}\b(?:istruzioni|regole|indicazioni)\b",
    r"\b(?:ignore|esqueça|esqueca)\b[^.\n]{0,50}\b(?:instruções|instrucoes|regras)\b",
)
# Text that pretends to be the system, a developer, or gives the model a new role.
_ROLE = _Rule(
    ("system", "assistant", "developer", "im_start", "im_end", "endoftext", "instruction", "prompt", "rules",
     "you are now", "from now on", "act as", "pretend", "mode", "jailbreak", "a.i.", "du bist", "bist du",
     "anweisung", "maintenant", "désormais", "ahora", "instrucc", "bent nu", "ben je", "instructie", "ora sei",
     "ora in poi", "istruzion", "agora", "instruç", "approve"),
    r"(?:^|\n)\s*(?:\[|<|#+\s*)?(?:system|assistant|developer)\s*(?:prompt|message)?\s*(?:\]|>|:)",
    r"<\|?(?:im_start|im_end|system|endoftext)\|?>",
    r"\b(?:new|updated|revised|real)\s+(?:system\s+)?(?:instructions?|prompt|rules)\s*:",
    r"\byou are now\b|\bfrom now on,? you (?:are|will|must)\b|\bact as (?:an?|the) (?:unrestricted|admin|"
    r"developer|system)\b|\bpretend (?:to be|you are)\b|\b(?:enter|enable|activate) (?:developer|debug|god|"
    r"admin|dan) mode\b|\bjailbreak\b",
    r"\b(?:dear|hey|hi|attention|note to the|to the)\s+(?:(?:ai|assistant|chatbot|bot|gpt|chatgpt|llm|"
    r"language model|model|auto-?responder)\b|a\.i\.)[^.\n]{0,80}\b(?:must|should|shall|will|need to|are to|please|"
    r"instructed|reply|respond|answer|send|forward|include|mark|classify|approve)\b",
    r"\b(?:(?:du bist (?:jetzt|ab sofort)|ab sofort bist du|systemanweisung)\b|neue (?:system)?anweisungen?\s*:)",
    r"\b(?:(?:tu es maintenant|désormais,? tu (?:es|dois)|à partir de maintenant,? (?:tu|vous) "
    r"(?:es|êtes|dois|devez))\b|nouvelles instructions\s*:)",
    r"\b(?:(?:ahora eres|a partir de ahora,? (?:eres|debes))\b|nuevas instrucciones\s*:)",
    r"\b(?:(?:je bent nu|vanaf nu ben je)\b|nieuwe instructies\s*:)",
    r"\b(?:(?:ora sei|d'ora in poi,? (?:sei|devi))\b|nuove istruzioni\s*:)",
    r"\b(?:(?:agora você é|a partir de agora,? você (?:é|deve))\b|novas instruções\s*:)",
    r"\b(?:reveal|print|show|repeat|output)\b[^.\n]{0,30}\b(?:system prompt|your (?:instructions|prompt|rules)|"
    r"hidden instructions)\b",
    r"\b(?:mark|classify|label|tag)\s+(?:this|the)\s+(?:e-?mail|message|ticket)\s+as\s+(?:approved|safe|"
    r"resolved|urgent|critical|legitimate)\b[^.\n]{0,40}\b(?:and|then)\b",
    r"\bauto-?approve\b|\bapprove (?:this|the) (?:reply|request|payment|transfer) (?:automatically|without)\b",
    words=("ai", "chatbot", "bot", "gpt", "chatgpt", "llm", "model", "responder", "autoresponder", "approved",
           "safe", "resolved", "urgent", "critical", "legitimate"),
)
# Requests to send data out: a send verb, a sensitive object, a target (an address or "to me").
_SEND = (r"(?:forward|send|e-?mail|export|upload|share|transfer|copy|bcc|cc|leite\w* weiter|weiterleiten|"
         r"leite\w*|sende\w*|schick\w*|übermittel\w*|transf[eé]r\w*|envo\w*|reenv[ií]\w*|stuur\w*|doorsturen|"
         r"inoltra\w*|invia\w*|encaminh\w*|env[ií]\w*|mand[ae]\w*)")
_SENSITIVE = (r"(?:all (?:e-?mails?|messages|customer|client|user|the)|customer (?:data|list|records|database)|"
              r"(?:client|user|employee) (?:data|list|records)|database|passwords?|credentials|api keys?|tokens?|"
              r"mailbox|inbox|contacts|address book|invoices|payroll|salar(?:y|ies)|bank details|"
              r"conversation history|previous (?:e-?mails|messages|tickets)|other customers|"
              r"kundendaten|alle (?:e-?mails|nachrichten|kunden\w*)|passw(?:ö|o)rter|zugangsdaten|"
              r"données (?:clients?|personnelles)|tous les (?:e-?mails|messages|clients)|mots de passe|"
              r"datos de (?:clientes|usuarios)|todos los (?:correos|mensajes|clientes)|contraseñas|"
              r"klantgegevens|alle (?:e-?mails|berichten|klanten)|wachtwoorden|"
              r"dati (?:dei )?clienti|tutte le (?:e-?mail|email)|dados (?:de|dos) clientes|senhas)")
_EXFIL = _Rule(("@", "to me", "to this address", "external", "gmail", "an mich", "à moi", "naar mij", "a mí",
                "para mim", "http"),
               rf"\b{_SEND}\b[^\n]{{0,80}}?{_SENSITIVE}[^\n]{{0,120}}?"
               rf"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bto me\b|\bto this address\b|\bexternal\b|\bgmail\b|"
               rf"\ban mich\b|\bà moi\b|\bnaar mij\b|\ba mí\b|\bpara mim\b|\bhttps?://)")
_EXFIL_REVERSED = _Rule(("@",), rf"{_SENSITIVE}[^\n]{{0,60}}\b{_SEND}\b[^\n]{{0,60}}?[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Requests to send the answer (or all future mail) somewhere else than the thread it came from.
_RECIPIENT = _Rule(
    ("@",),
    r"\b(?:reply|respond|answer|send (?:the|your) (?:reply|answer|response))\b[^.\n]{0,40}\b(?:only |instead )?"
    r"(?:to|at)\s+[\w.+-]+@[\w-]+(?:\.[\w-]+)+[^.\n]{0,30}\b(?:instead|not (?:to )?(?:this|the sender)|rather)\b",
    r"\b(?:reply|respond|send (?:the|your) (?:reply|answer))\b[^.\n]{0,20}\binstead\b[^.\n]{0,20}"
    r"(?:to|at)\s+[\w.+-]+@",
    r"\b(?:change|update|set|add)\b[^.\n]{0,30}\b(?:recipients?|reply-to|to address|forwarding address|"
    r"destination address)\b[^.\n]{0,60}[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    r"\b(?:add|include|put)\s+[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s+(?:in|as|to)\s+(?:bcc|cc|the recipients)\b",
    r"\b(?:antworten? sie|antworte)\b[^.\n]{0,40}\b(?:stattdessen|nur)\b[^.\n]{0,20}\ban\s+[\w.+-]+@",
    r"\b(?:répondez|réponds)\b[^.\n]{0,40}\b(?:plutôt|uniquement)\b[^.\n]{0,20}\bà\s+[\w.+-]+@",
    r"\b(?:responda|responde)\b[^.\n]{0,40}\b(?:en su lugar|solo|solamente|mejor)\b[^.\n]{0,20}\ba\s+[\w.+-]+@",
    r"\b(?:antwoord|beantwoord)\b[^.\n]{0,40}\b(?:in plaats daarvan|alleen)\b[^.\n]{0,20}\baan\s+[\w.+-]+@",
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_CREDENTIAL_WORDS = re.compile(r"log-?in|sign-?in|signon|verif|account|passw|secure|auth|credential|"
                               r"update|confirm|unlock|wallet|billing|session|sso|owa|webmail", re.IGNORECASE)
_HREF = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HIDDEN_BLOCK = re.compile(
    r"<(\w+)\b[^>]*\bstyle\s*=\s*[\"'][^\"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0"
    r"(?:px|pt|em|%)?\s*(?:;|[\"'])|opacity\s*:\s*0(?:\.0+)?\s*(?:;|[\"'])|color\s*:\s*(?:#fff(?:fff)?|white|"
    r"rgba?\(\s*255\s*,\s*255\s*,\s*255)[^\"']*background(?:-color)?\s*:\s*(?:#fff(?:fff)?|white)|"
    r"(?:max-)?height\s*:\s*0(?:px)?\s*;[^\"']*overflow\s*:\s*hidden)[^\"']*[\"'][^>]*>(.*?)</\1\s*>",
    re.IGNORECASE | re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_WORDS = re.compile(r"\w+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HIDDEN_INSTRUCTION_WORDS = re.compile(
    r"\b(?:ai|assistant|model|gpt|bot|instructions?|prompt|ignore|reply|respond|forward|send|approve|"
    r"classify|anweisung\w*|ignoriere|instruction|consignes|instrucciones|instructies|system)\b", re.IGNORECASE)


class InjectionDetector:
    """Stateless pattern checks; `known_domains` are the real domains whose lookalikes are phishing
    (add the company's own domains to catch lookalikes of them too)."""

    def __init__(self, known_domains: Iterable[str] = KNOWN_DOMAINS) -> None:
        self.known_domains = tuple(d.lower() for d in known_domains)

    def check_email(self, email: Email) -> tuple[Finding, ...]:
        return self.check(email.subject, email.body_text, email.body_html)

    def check(self, subject: str, body_text: str, body_html: str = "") -> tuple[Finding, ...]:
        """All findings for one mail, at most one per flag (the first, strongest evidence)."""
        raw_html = body_html[:MAX_SCAN_CHARS]
        visible = _visible_text(raw_html) if raw_html and not body_text.strip() else body_text
        text = _fold(f"{subject}\n{visible[:MAX_SCAN_CHARS]}")
        findings: dict[str, Finding] = {}

        def add(flag: str, reason: str) -> None:
            findings.setdefault(flag, Finding(flag, reason))

        self._instructions(text, add, where="")
        self._links(text, raw_html, add)
        if raw_html:
            self._hidden_html(raw_html, add)
        zero_width = _ZERO_WIDTH.findall(f"{subject}{body_text[:MAX_SCAN_CHARS]}")
        if len(zero_width) >= 3:
            hidden = _fold(_ZERO_WIDTH.sub("", f"{subject}\n{body_text[:MAX_SCAN_CHARS]}"))
            if hidden != text:
                self._instructions(hidden, add, where=" (behind invisible characters)")
            add(HIDDEN_TEXT, f"{len(zero_width)} invisible zero-width characters inside the text")
        return tuple(sorted(findings.values(), key=lambda f: _FLAG_ORDER[f.flag]))

    # -- the individual checks ------------------------------------------------------------------------
    @staticmethod
    def _instructions(text: str, add: _Adder, where: str) -> None:
        """Checks `text`, which must be folded (see _fold): the patterns are lower-case."""
        words = frozenset(_WORDS.findall(text))
        if m := _IGNORE.search(text, words):
            add(PROMPT_INJECTION, f"tells the assistant to ignore its instructions{where}: {_quote(m)}")
        elif m := _ROLE.search(text, words):
            add(PROMPT_INJECTION, f"writes instructions to the assistant or claims a system role{where}: "
                                  f"{_quote(m)}")
        if (m := _EXFIL.search(text, words)) or (m := _EXFIL_REVERSED.search(text, words)):
            add(DATA_EXFILTRATION, f"asks to send data to someone{where}: {_quote(m)}")
        if m := _RECIPIENT.search(text, words):
            add(RECIPIENT_CHANGE, f"asks to send the reply or mail to another address{where}: {_quote(m)}")

    def _links(self, text: str, raw_html: str, add: _Adder) -> None:
        urls = _URL.findall(text)
        anchors = _HREF.findall(raw_html) if raw_html else []
        urls += [href for href, _ in anchors]
        for url in urls[:200]:
            reason = self._bad_link(url)
            if reason:
                add(PHISHING_LINK, reason)
                return
        for href, label in anchors[:200]:
            shown = _URL.search(_fold(html.unescape(_TAGS.sub("", label))))
            if shown is None:
                continue
            shown_host, real_host = _host(shown.group(0)), _host(href)
            if shown_host and real_host and not _same_site(shown_host, real_host):
                add(PHISHING_LINK, f"a link shows {shown_host} but goes to {real_host}")
                return

    def _bad_link(self, url: str) -> str:
        host = _host(url)
        if not host:
            return ""
        rest = url.split(host, 1)[-1]
        if "xn--" in host:
            return f"a link to an internationalised (punycode) lookalike host: {host}"
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host) and _CREDENTIAL_WORDS.search(rest):
            return f"a login-style link to a bare IP address: {host}"
        if "@" in url.split("//", 1)[-1].split("/", 1)[0]:
            return f"a link that hides its real host behind a user name: {host}"
        brand = lookalike_of(host, self.known_domains)
        if brand:
            return f"a link to {host}, which imitates {brand}"
        return ""

    @staticmethod
    def _hidden_html(raw_html: str, add: _Adder) -> None:
        hidden_parts = [m.group(2) for m in _HIDDEN_BLOCK.finditer(raw_html)]
        hidden_parts += _HTML_COMMENT.findall(raw_html)
        for part in hidden_parts:
            hidden = _fold(html.unescape(_TAGS.sub(" ", part)))
            if not hidden.strip():
                continue
            sub: dict[str, Finding] = {}

            def collect(flag: str, reason: str, found: dict[str, Finding] = sub) -> None:
                found.setdefault(flag, Finding(flag, reason))

            InjectionDetector._instructions(hidden, collect, where="")
            if sub or (len(hidden) > 40 and _HIDDEN_INSTRUCTION_WORDS.search(hidden)):
                for finding in sub.values():
                    add(finding.flag, f"{finding.reason} (in text hidden from the reader)")
                add(HIDDEN_TEXT, f"HTML text hidden from the reader: {_shorten(hidden)}")
                return


class FlaggingClassifier:
    """A `Classifier` decorator: classifies with `inner`, then adds injection flags and their reasons.
    With a `worker` (see classify/worker.py), a flood's big batches are classified and checked there."""

    def __init__(self, inner: Classifier, detector: InjectionDetector | None = None,
                 worker: FloodWorker | None = None) -> None:
        self.inner = inner
        self.detector = detector or InjectionDetector()
        self.worker = worker
        self.name = getattr(inner, "name", "classifier")

    @property
    def wants_backlog(self) -> bool:
        return self.worker is not None

    async def expect_backlog(self, waiting: int) -> None:
        if self.worker is not None:
            await self.worker.expect_backlog(waiting, self.detector)

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        if self.worker is not None and (done := await self.worker.classify(emails, self.detector)) is not None:
            return done
        results = await self.inner.classify(emails)
        if len(results) != len(emails):  # let the loop report the inner classifier's bug
            return results
        if len(emails) <= INLINE_CHECKS:
            return self._flagged(emails, results)
        # Regex work of up to a tenth of a millisecond per mail: a batch would stall the GUI thread.
        return await asyncio.get_running_loop().run_in_executor(None, self._flagged, tuple(emails), results)

    def _flagged(self, emails: Sequence[Email], results: Sequence[Classification]) -> list[Classification]:
        return flag_all(self.detector, emails, results)


def flag_all(detector: InjectionDetector, emails: Sequence[Email], results: Sequence[Classification]
             ) -> list[Classification]:
    """Each email's classification with its injection findings added."""
    return [flag_classification(c, detector.check_email(e)) for e, c in zip(emails, results, strict=True)]


def flag_classification(c: Classification, findings: Sequence[Finding]) -> Classification:
    """`c` with the findings' flags added (no duplicates) and their reasons appended to the rationale."""
    if not findings:
        return c
    flags = tuple(dict.fromkeys((*c.flags, *(f.flag for f in findings))))
    reasons = "; ".join(f.reason for f in findings)
    rationale = f"{c.rationale} Flagged: {reasons}." if c.rationale else f"Flagged: {reasons}."
    return replace(c, flags=flags, rationale=rationale)


# -- helpers ------------------------------------------------------------------------------------------
def _fold(text: str) -> str:
    """NFKC (full-width and styled letters become plain ones), lower-cased, whitespace runs collapsed."""
    return re.sub(r"[ \t\r\f\v]+", " ", unicodedata.normalize("NFKC", text)).casefold()


def _visible_text(raw_html: str) -> str:
    without_hidden = _HTML_COMMENT.sub(" ", _HIDDEN_BLOCK.sub(" ", raw_html))
    without_hidden = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", without_hidden, flags=re.I | re.S)
    return html.unescape(_TAGS.sub(" ", without_hidden))


def _host(url: str) -> str:
    if not re.match(r"https?://", url, re.I):
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def _same_site(a: str, b: str) -> bool:
    a2, b2 = ".".join(a.split(".")[-2:]), ".".join(b.split(".")[-2:])
    return a2 == b2


def _quote(m: re.Match[str]) -> str:
    return f"“{_shorten(m.group(0))}”"


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
