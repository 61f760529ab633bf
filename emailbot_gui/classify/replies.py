"""Reply templates: one text file per category, rendered into a proposed reply for the operator.

Template files live in `resources/templates/replies/<category_key>.txt`; a user's own templates folder
can override any of them (later folders win). Substitution is `string.Template.safe_substitute` only:
email text is inserted as a value and never interpreted, so a subject such as "${operator} {0.__class__}"
appears literally (str.format would let email content reach format specs and attributes).

Template syntax, besides `$placeholders`:
- a first line `#no-reply: <reason>` means "close without replying" (spam, out-of-office notices);
- other lines starting with `#` at the top are comments;
- a line starting with `?` is optional: it is kept (without the `?`) only if every placeholder in it
  has a value, e.g. `?Your $support_level plan includes priority handling.`

Placeholders: $first_name, $sender_name, $subject, $customer_name, $company, $support_level,
$open_tickets, $operator, and $context_sentence (a sentence about the support plan and open tickets,
empty when the CRM knows nothing).
"""

from __future__ import annotations

import functools
import logging
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emailbot_gui.config.paths import resources_dir
from emailbot_gui.core.types import Email, Enrichment, Proposal, SourceResult

log = logging.getLogger(__name__)

NO_REPLY_PREFIX = "#no-reply:"
DEFAULT_KEY = "_default"  # a user may provide _default.txt for categories without a template
PLACEHOLDERS = ("first_name", "sender_name", "subject", "customer_name", "company", "support_level",
                "open_tickets", "operator", "context_sentence")
_MAX_TEMPLATE_BYTES = 64 * 1024
_CLOSED_STATUSES = frozenset({"closed", "resolved", "done", "cancelled", "canceled", "solved"})
_BUILTIN_DEFAULT = """Hello $first_name,

Thank you for your message about "$subject". We have received it and a member of the support team will
get back to you shortly.
$context_sentence

Kind regards,
$operator
IT Support
"""


def shipped_templates_dir() -> Path:
    """The templates shipped with the application (source checkout or PyInstaller bundle)."""
    return resources_dir() / "templates" / "replies"


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    key: str
    body: str  # without header lines
    no_reply_reason: str = ""
    origin: str = ""  # the file it came from, for the operator's "where does this text come from"

    @classmethod
    def parse(cls, key: str, text: str, origin: str = "") -> ReplyTemplate:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
        reason = ""
        while lines and lines[0].startswith("#"):
            header = lines.pop(0)
            if header.lower().startswith(NO_REPLY_PREFIX):
                reason = header[len(NO_REPLY_PREFIX):].strip() or "no reply needed"
        return cls(key, "\n".join(lines).strip("\n") + "\n", reason, origin)


class ReplyTemplates:
    """The merged set of templates from several folders; immutable once loaded."""

    def __init__(self, templates: Mapping[str, ReplyTemplate]) -> None:
        self._templates = dict(templates)

    @classmethod
    def load(cls, dirs: Sequence[Path]) -> ReplyTemplates:
        """Read `*.txt` from each folder in order; a later folder's file replaces an earlier one's.
        Missing folders are skipped; unreadable files are logged and skipped, keeping the earlier
        version, so one broken user template cannot take the shipped one away."""
        templates: dict[str, ReplyTemplate] = {}
        for folder in dirs:
            folder = Path(folder)
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.txt")):
                try:
                    if path.stat().st_size > _MAX_TEMPLATE_BYTES:
                        raise ValueError(f"larger than {_MAX_TEMPLATE_BYTES} bytes")
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError, ValueError) as exc:
                    log.warning("skipping reply template %s: %s", path, exc)
                    continue
                templates[path.stem] = ReplyTemplate.parse(path.stem, text, str(path))
        return cls(templates)

    def keys(self) -> list[str]:
        return sorted(self._templates)

    def get(self, category: str) -> ReplyTemplate:
        found = self._templates.get(category) or self._templates.get(DEFAULT_KEY)
        return found or ReplyTemplate.parse(DEFAULT_KEY, _BUILTIN_DEFAULT, "built-in")

    def render(self, category: str, email: Email, enrichment: Enrichment | None, operator: str) -> Proposal:
        template = self.get(category)
        if template.no_reply_reason:
            return Proposal(no_reply_reason=template.no_reply_reason)
        values = placeholder_values(email, enrichment, operator)
        return Proposal(reply_text=fill(template.body, values))


def fill(body: str, values: Mapping[str, str]) -> str:
    """Substitute placeholders line by line (as `string.Template.safe_substitute`), dropping optional (`?`)
    lines that lack a value. Which placeholders a line uses is read from the *template* line, never from the
    substituted text."""
    out: list[str] = []
    for optional, used, parts in _lines(body):
        if optional and any(not values.get(name, "") for name in used):
            continue
        out.append("".join(p if isinstance(p, str) else str(values.get(p[0], p[1])) for p in parts))
    text = "\n".join(out)
    text = re.sub(r"[ \t]+\n", "\n", text)  # an empty $context_sentence leaves trailing blanks
    text = re.sub(r"\n{3,}", "\n\n", text)  # ... or an empty line between paragraphs
    return text.strip("\n") + "\n"


_Part = str | tuple[str, str]  # literal text, or (placeholder name, its text in the template)


@functools.lru_cache(maxsize=256)
def _lines(body: str) -> tuple[tuple[bool, frozenset[str], tuple[_Part, ...]], ...]:
    """A template body read once: per line, whether it is optional, its placeholders, and its parts."""
    lines = []
    for line in body.split("\n"):
        optional = line.startswith("?")
        line = line[1:] if optional else line
        parts: list[_Part] = []
        at = 0
        for match in string.Template.pattern.finditer(line):
            parts.append(line[at:match.start()])
            name = match.group("named") or match.group("braced")
            if name:
                parts.append((name, match.group(0)))
            else:  # "$$" is a dollar sign; a lone "$" stays as it is
                parts.append("$" if match.group("escaped") is not None else match.group(0))
            at = match.end()
        parts.append(line[at:])
        used = frozenset(p[0] for p in parts if not isinstance(p, str))
        lines.append((optional, used, tuple(p for p in parts if p != "")))
    return tuple(lines)


def placeholder_values(email: Email, enrichment: Enrichment | None, operator: str) -> dict[str, str]:
    """All placeholder values, as plain single-line strings ("" when unknown)."""
    record = _customer_record(enrichment)
    customer: Mapping[str, Any] = _mapping(record.get("customer"))
    contract: Mapping[str, Any] = _mapping(record.get("contract"))
    sender_name = _clean(email.sender.name)
    customer_name = _clean(customer.get("name")) or _clean(record.get("name"))
    support_level = _clean(contract.get("support_level")) if _contract_active(contract) else ""
    open_tickets = _open_tickets(record)
    values = {
        "first_name": _first_name(customer_name or sender_name) or "there",
        "sender_name": sender_name or _clean(email.sender.address),
        "subject": _clean(email.subject, 200) or "your request",
        "customer_name": customer_name,
        "company": _clean(customer.get("company")),
        "support_level": support_level,
        "open_tickets": "" if open_tickets is None else str(open_tickets),
        "operator": _clean(operator) or "The support team",
    }
    values["context_sentence"] = _context_sentence(support_level, open_tickets)
    return values


def _customer_record(enrichment: Enrichment | None) -> Mapping[str, Any]:
    if enrichment is None:
        return {}
    for result in enrichment.results:
        record = result.record
        if (result.status == SourceResult.FOUND and isinstance(record, Mapping)
                and (isinstance(record.get("customer"), Mapping) or record.get("name"))):
            return record
    return {}


def _contract_active(contract: Mapping[str, Any]) -> bool:
    status = _clean(contract.get("status")).lower()
    return bool(contract) and status not in ("expired", "cancelled", "canceled", "terminated", "inactive")


def _open_tickets(record: Mapping[str, Any]) -> int | None:
    tickets = record.get("tickets")
    if not isinstance(tickets, list):
        return None
    return sum(1 for t in tickets if isinstance(t, Mapping)
               and _clean(t.get("status")).lower() not in _CLOSED_STATUSES)


def _context_sentence(support_level: str, open_tickets: int | None) -> str:
    parts: list[str] = []
    if support_level:
        parts.append(f"Your {support_level} support plan applies, so we will handle this within its "
                     "response times.")
    if open_tickets:
        noun = "request" if open_tickets == 1 else "requests"
        parts.append(f"We can also see {open_tickets} open {noun} from you, which we will keep in view.")
    return " ".join(parts)


def _first_name(name: str) -> str:
    if "," in name:  # "Doe, Jane" as many directories write it
        name = name.split(",", 1)[1]
    parts = [p for p in name.split() if p.strip(".")]
    first = parts[0] if parts else ""
    if "@" in first:
        return ""
    return first


def _clean(value: object, limit: int = 120) -> str:
    """One line of plain text: header folding and control characters removed, length bounded."""
    if value is None:
        return ""
    text = str(value)
    if not text.isprintable():  # rare: most values are one printable line already
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    return text[:limit].rstrip()


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
