"""Turn raw RFC 5322 bytes from any mail source into the domain `Email`.

The bytes are untrusted. They are parsed into a stdlib `compat32` message tree (`policy.default` is
about ten times slower on typical mail and no more tolerant): by `mime.parse_well_formed` when the
message is plainly well formed, else by the stdlib parser, which recovers from any damage. Headers
are decoded here and in `headers`; the tree is walked with caps on depth and part count, and inputs
that would make the stdlib slow are trimmed first, so a hostile message costs time linear in its size.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from functools import lru_cache

from emailbot_gui.connectors.base import RawMessage
from emailbot_gui.core.types import Address, AttachmentInfo, Email
from emailbot_gui.mail import headers as h
from emailbot_gui.mail.mime import parse_well_formed
from emailbot_gui.mail.sanitize import html_to_text

MAX_BYTES = 25 * 1024 * 1024
MAX_DEPTH = 20
MAX_PARTS = 500
MAX_DEFECTS = 20
# The stdlib parser has no part limit: 100,000 tiny parts take it seconds. Cut the input before the
# 5,000th line that could be a MIME delimiter; MAX_PARTS is far below that anyway.
MAX_DELIMITER_LINES = 5000
MAX_HEADER_LINES = 2000  # kept at each end of a header block longer than twice this
_MB = 1024 * 1024

_PARSER = BytesParser(policy=policy.compat32)

# Header names that only mail has; a file whose headers include none of them is not an email
# (a JSON line such as `{"a": 1}` also "looks like" a header to the stdlib parser).
_MAIL_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path", "sender",
    "reply-to", "mime-version", "content-type", "content-transfer-encoding", "in-reply-to",
    "references", "delivered-to", "envelope-to", "thread-topic", "thread-index", "user-agent",
})
_MAIL_PREFIXES = ("x-", "list-", "resent-", "dkim-", "arc-", "authentication-", "content-")


class MalformedEmail(Exception):
    """The bytes are not an email this console can show; `reason` says why, for a human."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bare_parse(raw: bytes) -> object:
    """The stdlib baseline the parse benchmark compares `parse_message` against: a compat32 parse
    (the stdlib's fastest) plus the first text/plain part decoded with its declared charset.

    No header decoding, no addresses, no attachments, no error handling: the least any consumer of
    the stdlib must do to read a message's text.
    """
    msg = _PARSER.parsebytes(raw)
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                try:
                    return payload.decode(part.get_content_charset() or "ascii", "replace")
                except LookupError:
                    return payload.decode("latin-1")
    return msg


def parse_message(raw: RawMessage, source: str, *, max_bytes: int = MAX_BYTES) -> Email:
    """Parse one raw message into an `Email` (fields as documented on `Email`).

    Raises `MalformedEmail` only when the bytes are empty, too large, or have no mail header at all;
    anything else that is broken is parsed as far as it goes and listed in `parse_defects`.
    """
    data = bytes(raw.raw)
    if not data or data.isspace():
        raise MalformedEmail("empty file")
    if len(data) > max_bytes:
        raise MalformedEmail(f"too large: {_size_text(len(data))} exceeds the {_size_text(max_bytes)} limit")
    defects = _Defects()
    msg = _parse_bytes(data, defects)
    fields: dict[str, str] = {}
    for name, value in msg.raw_items():
        fields.setdefault(name.lower(), value)
    if not fields:
        raise MalformedEmail("not an email: no header lines")
    if not any(n in _MAIL_HEADERS or n.startswith(_MAIL_PREFIXES) for n in fields):
        names = ", ".join(name[:40] for name in list(fields)[:3])
        raise MalformedEmail(f"not an email: no mail header among {names!r}")

    walk = _Walk(defects)
    walk.visit(msg, 0)
    charset = walk.charset
    body_text, body_html = walk.body()
    if not body_text and not body_html and walk.enclosed:
        # A message forwarded as an attachment with no text of its own: show the forwarded text.
        inner = _Walk(defects, parts=walk.parts)
        for enclosed in _children(walk.enclosed[0]):
            inner.visit(enclosed, 1)
        body_text, body_html = inner.body()
    if body_html and not body_text:
        body_text = html_to_text(body_html)

    message_id = h.single_message_id(fields.get("message-id"))
    if not message_id:
        defects.add("missing Message-ID")
        message_id = f"<{hashlib.sha256(data).hexdigest()[:32]}@emailbot.invalid>"
    references = h.message_ids(fields.get("references"))
    in_reply_to = h.single_message_id(fields.get("in-reply-to"))
    return Email(
        source=source,
        provider_id=raw.provider_id,
        message_id=message_id,
        subject=h.header_text(fields.get("subject"), charset=charset),
        sender=_sender(fields, defects, charset),
        received_at=h.received_at(fields.get("date"), raw.received_at_hint, defects.add),
        to=h.addresses(fields.get("to"), "To", defects.add, charset),
        cc=h.addresses(fields.get("cc"), "Cc", defects.add, charset),
        reply_to=h.addresses(fields.get("reply-to"), "Reply-To", defects.add, charset),
        thread_id=references[0] if references else (in_reply_to or message_id),
        in_reply_to=in_reply_to,
        references=references,
        body_text=body_text,
        body_html=body_html,
        attachments=tuple(walk.attachments),
        size=len(raw.raw),
        language_hint=_language(fields.get("content-language")),
        parse_defects=tuple(defects.items),
    )


def _size_text(n: int) -> str:
    """41.2 MB, 25 MB, 3.9 KB."""
    value, unit = (n / _MB, "MB") if n >= _MB else (n / 1024, "KB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _parse_bytes(data: bytes, defects: _Defects) -> Message:
    data = _bounded(data, defects)
    msg = parse_well_formed(data)
    if msg is not None:
        return msg
    try:
        return _PARSER.parsebytes(data)
    except RecursionError:
        # The stdlib parser recurses once per nested part; a few hundred levels exhaust the stack.
        defects.add("MIME structure too deeply nested; body shown as raw text")
        return _PARSER.parsebytes(data, headersonly=True)


def _bounded(data: bytes, defects: _Defects) -> bytes:
    """Trim what would make the parsers slow without making the message any more readable."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data[:1] in (b"\r", b"\n", b" ", b"\t"):
        data = data.lstrip(b" \t\r\n")  # blank lines before the headers would make it all body
    ends = [i for i in (data.find(b"\n\n"), data.find(b"\n\r\n")) if i >= 0]
    header_end = min(ends) if ends else len(data)
    if data.count(b"\n", 0, header_end) > 2 * MAX_HEADER_LINES:
        head = tail = header_end
        for _ in range(MAX_HEADER_LINES):
            tail = data.rfind(b"\n", 0, tail)
        head = -1
        for _ in range(MAX_HEADER_LINES):
            head = data.find(b"\n", head + 1)
        data = data[:head + 1] + data[tail + 1:]
        defects.add(f"more than {2 * MAX_HEADER_LINES} header lines; only the first and last"
                    f" {MAX_HEADER_LINES} kept")
    if data.count(b";") > 50:
        data = _PARAM_HEADER.sub(lambda m: _shorten(m.group(0), defects), data)
    cut = -1
    for _ in range(MAX_DELIMITER_LINES):
        cut = data.find(b"\n--", cut + 1)
        if cut < 0:
            break
    else:
        data = data[:cut + 1]
        defects.add(f"more than {MAX_DELIMITER_LINES} MIME delimiter lines; the rest ignored")
    return data


# The stdlib's MIME parameter parser is quadratic in the number of ';' inside a quoted value, so
# a 60 KB Content-Type costs seconds; nothing useful in those headers needs more than a few KB.
_PARAM_HEADER = re.compile(rb"(?im)^content-(?:type|disposition)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*")
MAX_PARAM_HEADER = 4096


def _shorten(header: bytes, defects: _Defects) -> bytes:
    if len(header) <= MAX_PARAM_HEADER:
        return header
    defects.add(f"Content-Type or Content-Disposition longer than {MAX_PARAM_HEADER} bytes; cut")
    return header[:MAX_PARAM_HEADER].rstrip(b"\r\n")


def _sender(fields: dict[str, str], defects: _Defects, charset: str | None) -> Address:
    for name in ("from", "sender", "return-path"):
        found = h.addresses(fields.get(name), name.title(), defects.add, charset)
        if found:
            return found[0]
    defects.add("missing sender")
    return Address(address="")


_LANGUAGE = re.compile(r"\s*([A-Za-z]{2,3})\b")


def _language(value: str | None) -> str:
    m = _LANGUAGE.match(value or "")
    return m.group(1).lower() if m else ""


@dataclass
class _Defects:
    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if len(self.items) < MAX_DEFECTS and text not in self.items:
            self.items.append(text)

    def add_stdlib(self, found: Sequence[object]) -> None:
        for d in found:
            self.add(_defect_name(type(d).__name__))


@lru_cache(maxsize=64)
def _defect_name(class_name: str) -> str:
    """`StartBoundaryNotFoundDefect` -> "start boundary not found"."""
    name = class_name.removesuffix("Defect")
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


class _Walk:
    """Collect body text, body HTML and attachment metadata from a MIME tree, depth- and size-capped.

    Inside multipart/alternative only the first alternative that has plain text contributes text
    and the last that has HTML contributes HTML (the order senders rank them in); elsewhere all
    inline text parts are joined in order, as Apple Mail's text-image-text messages need.
    """

    def __init__(self, defects: _Defects, parts: int = 0) -> None:
        self.defects = defects
        self.parts = parts
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[AttachmentInfo] = []
        self.enclosed: list[Message] = []
        self.charset: str | None = None  # of the first body part, for raw 8-bit header bytes

    def body(self) -> tuple[str, str]:
        text = "\n".join(t for t in self.texts if t.strip())
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text, "\n".join(self.htmls)

    def visit(self, part: Message, depth: int) -> None:
        if self.parts >= MAX_PARTS:
            self.defects.add(f"more than {MAX_PARTS} MIME parts; the rest ignored")
            return
        self.parts += 1
        if part.defects:
            self.defects.add_stdlib(part.defects)
        content_type = part.get_content_type()
        maintype, _, subtype = content_type.partition("/")
        if part.is_multipart():
            if maintype == "message":
                if subtype in ("rfc822", "global", "news"):
                    self.enclosed.append(part)
                self._attachment(part, content_type, part.get_content_disposition())
            elif depth >= MAX_DEPTH:
                self.defects.add(f"MIME nesting deeper than {MAX_DEPTH} levels; inner parts ignored")
            elif subtype == "alternative":
                self._alternatives(_children(part), depth + 1)
            else:
                for child in _children(part):
                    self.visit(child, depth + 1)
            return
        disposition = part.get_content_disposition()
        if disposition != "attachment" and (
            content_type in ("text/plain", "text/html") or maintype == "multipart"
        ):
            # A multipart without a usable boundary has its whole body as one string: show it as text.
            text = self._text(part)
            (self.htmls if subtype == "html" else self.texts).append(text)
        else:
            self._attachment(part, content_type, disposition)

    def _alternatives(self, children: list[Message], depth: int) -> None:
        chosen_text: list[str] = []
        chosen_html: list[str] = []
        for child in children:
            t0, h0 = len(self.texts), len(self.htmls)
            self.visit(child, depth)
            if not chosen_text and len(self.texts) > t0:
                chosen_text = self.texts[t0:]
            if len(self.htmls) > h0:
                chosen_html = self.htmls[h0:]
            del self.texts[t0:], self.htmls[h0:]
        self.texts.extend(chosen_text)
        self.htmls.extend(chosen_html)

    def _text(self, part: Message) -> str:
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            return ""
        charset = _charset(part)
        self.charset = self.charset or charset
        text = h.decode_bytes(payload, charset, self.defects.add)
        return text.replace("\x00", "") if "\x00" in text else text

    def _attachment(self, part: Message, content_type: str, disposition: str | None) -> None:
        name = _filename(part, self.charset)
        filename = _safe_filename(h.header_text(name, 1024)) if name else ""
        content_id = h.single_message_id(_raw_header(part, "content-id")).strip("<>")
        self.attachments.append(AttachmentInfo(
            filename=filename,
            content_type=h.header_text(content_type, 255),  # may hold raw 8-bit bytes
            size=_enclosed_size(part) if content_type.startswith("message/") else _decoded_size(part),
            content_id=content_id,
            inline=disposition == "inline" or (disposition is None and bool(content_id)),
        ))


_CHARSET_PARAM = re.compile(r';\s*charset\s*=\s*"?([A-Za-z0-9_.:()+-]{1,40})"?\s*(?:;|\Z)', re.I)


def _charset(part: Message) -> str | None:
    """The part's charset parameter; a regex for the plain case, which is five times cheaper than
    the stdlib's general parameter parser (still used for RFC 2231 and 8-bit values)."""
    raw = _raw_header(part, "content-type")
    if raw is None:
        return None
    if "*" not in raw and raw.isascii():
        m = _CHARSET_PARAM.search(raw)
        if m:
            return m.group(1).lower()
        if "charset" not in raw.lower():
            return None
    return part.get_content_charset()


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _raw_header(part: Message, name: str) -> str | None:
    for key, value in part.raw_items():
        if key.lower() == name:
            return value
    return None


def _filename(part: Message, charset: str | None) -> str | None:
    source = part
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in ("content-disposition", "content-type")]
    if not all(v.isascii() for _, v in raw):
        # compat32 turns a raw 8-bit parameter into U+FFFD; decode the header's bytes first.
        source = Message()
        for key, value in raw:
            source[key] = h.header_text(value, h.MAX_LIST_HEADER, charset)
    try:
        return source.get_filename()
    except (ValueError, LookupError, TypeError):  # malformed RFC 2231 parameters
        return None


_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f]")


def _safe_filename(name: str) -> str:
    """Only the last path component, no control characters: the name may be used to save the file."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_FILENAME.sub("", name).strip(" .")[:255]


def _decoded_size(part: Message) -> int:
    try:
        decoded = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError):
        return 0
    return len(decoded) if isinstance(decoded, bytes) else 0


def _enclosed_size(part: Message) -> int:
    """Approximate size of an attached message: its headers and leaf bodies, within the part cap."""
    total, seen, stack = 0, 0, [part]
    while stack and seen < MAX_PARTS:
        current = stack.pop()
        seen += 1
        total += sum(len(k) + len(v) + 4 for k, v in current.raw_items())
        if current.is_multipart():
            stack.extend(_children(current))
        else:
            total += _decoded_size(current)
    return total


def parse_each(parser: Callable[[RawMessage, str], Email], messages: Sequence[RawMessage], source: str
               ) -> list[Email | str]:
    """Each message parsed, or why it could not be (MalformedEmail, or a parser bug: either way the caller keeps
    the mail, in quarantine). Module-level, so a worker process can be sent it by name."""
    out: list[Email | str] = []
    for message in messages:
        try:
            out.append(parser(message, source))
        except Exception as exc:
            out.append(str(exc) or type(exc).__name__)
    return out
