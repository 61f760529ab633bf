"""Decoding of untrusted header fields and text bytes: charsets with fallbacks, RFC 2047 encoded
words, address lists, message-id lists and dates.

Every function here is total (returns something sensible for any input, never raises) and runs in
time linear in its input, which is capped before any regex or stdlib parser sees it.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache

from emailbot_gui.core.types import Address

# Longest header text worth decoding for display; beyond ~1,000 characters (RFC 5322's line limit)
# nothing is readable anyway, and the cap bounds every regex and parser below.
MAX_TEXT_HEADER = 4096
MAX_LIST_HEADER = 65536
MAX_ADDRESSES = 500
MAX_REFERENCES = 100
MAX_MESSAGE_ID = 998

DefectSink = Callable[[str], None]

# Labels whose bytes are, in practice, whatever the sender's machine used: try UTF-8 first.
_UNDECLARED = frozenset({"", "unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default",
                         "us-ascii", "ascii", "ansi_x3.4-1968", "7bit", "8bit", "none", "charset"})
# WHATWG's label mapping: these labels really mean the superset encoding browsers decode them with.
_SUPERSETS = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "iso_8859-1": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932", "x-sjis": "cp932", "sjis": "cp932", "big5": "big5hkscs",
    "iso-8859-8-i": "iso-8859-8", "utf8": "utf-8",
}
_CHARSET_NAME = re.compile(r"[a-z0-9_.:()+-]{1,40}")
# Python codecs that are not mail charsets; a sender naming one could make us produce lone
# surrogates, which no UTF-8 consumer (SQLite, Qt, nh3) accepts.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"})
_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=256)
def _codec(label: str) -> str | None:
    """The Python codec for a charset label, or None when there is no usable one."""
    try:
        info = codecs.lookup(_SUPERSETS.get(label, label))
    except LookupError:
        return None
    # bytes.decode() refuses the codecs that are not text encodings ("zlib", "base64", "rot13")
    # with a LookupError; the same flag it reads keeps them out here.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _text(data: bytes, codec: str) -> str:
    """Strict decoding; UTF-7 can encode lone surrogates, which become U+FFFD."""
    text = data.decode(codec)
    return _SURROGATE.sub("\ufffd", text) if codec == "utf-7" else text


def decode_bytes(data: bytes, charset: str | None, defect: DefectSink | None = None) -> str:
    """Decode text bytes: the declared charset, then UTF-8 (leniently when only a few bytes are bad),
    then cp1252, then Latin-1, which never fails."""
    label = (charset or "").strip().strip("\"'").lower()
    if label in _UNDECLARED or not _CHARSET_NAME.fullmatch(label):
        if data.isascii():
            return data.decode("ascii")
        label = ""
    codec = _codec(label) if label else None
    if codec:
        try:
            return _text(data, codec)
        except (UnicodeError, ValueError, LookupError):
            pass
    text, used = _fallback(data, skip_utf8=codec == "utf-8")
    if defect is not None and label:
        defect(f"charset {label!r} did not decode; used {used}")
    return text


def _fallback(data: bytes, skip_utf8: bool = False) -> tuple[str, str]:
    if not skip_utf8:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeError:
            pass
    # Mostly UTF-8 with a few broken bytes (a truncated header, one pasted cp1252 quote) reads better
    # with replacement characters than as cp1252 mojibake; text in a legacy 8-bit charset fails
    # UTF-8 at nearly every non-ASCII byte, so the ratio tells the two apart.
    lenient = data.decode("utf-8", "replace")
    non_ascii = len(data.translate(None, _ASCII))
    if lenient.count("\ufffd") * 10 <= non_ascii:
        return lenient, "utf-8 with replacements"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeError:
        return data.decode("latin-1"), "latin-1"


_ASCII = bytes(range(128))


def _unbyte(value: str, charset: str | None = None) -> str:
    """compat32 keeps 8-bit header bytes as surrogate escapes; turn them into text: UTF-8 (RFC 6532)
    first, then the message's own charset, which is what old clients used for raw header bytes."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte (a stdlib decode let it through)
        raw = value.encode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeError:
        pass
    codec = _codec(charset) if charset else None
    if codec and not codec.startswith(("utf-16", "utf-32", "utf-7")):  # ASCII-compatible ones only
        try:
            return raw.decode(codec)
        except (UnicodeError, ValueError):
            pass
    return _fallback(raw, skip_utf8=True)[0]


# An encoded word cannot contain '?' or whitespace, so every match is bounded by the next '?':
# the scan is linear however hostile the header.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([qQbB])\?([^?\s]*)\?=")


def _decode_payload(encoding: str, text: str) -> bytes | None:
    data = text.encode("utf-8", "surrogateescape")
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(data, header=True)
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; whitespace between adjacent words is dropped, and adjacent
    words in one charset are joined as bytes first (senders split multi-byte characters across them)."""
    out: list[str] = []
    pending = b""
    pending_charset = ""
    pos = 0
    last_was_word = False
    for m in _ENCODED_WORD.finditer(value):
        gap = value[pos:m.start()]
        adjacent = last_was_word and (not gap or gap.isspace())
        decoded = _decode_payload(m.group(2), m.group(3))
        charset = m.group(1).lower()
        if decoded is None:  # leave a broken word as the sender wrote it
            if pending:
                out.append(decode_bytes(pending, pending_charset))
                pending = b""
            out.append(gap + m.group(0))
            last_was_word = False
        else:
            if not adjacent or charset != pending_charset:
                if pending:
                    out.append(decode_bytes(pending, pending_charset))
                pending = b""
                if not adjacent:
                    out.append(gap)
            pending += decoded
            pending_charset = charset
            last_was_word = True
        pos = m.end()
    if pending:
        out.append(decode_bytes(pending, pending_charset))
    out.append(value[pos:])
    return "".join(out)


def header_text(value: str | None, limit: int = MAX_TEXT_HEADER, charset: str | None = None) -> str:
    """A header as one line of display text: 8-bit bytes and encoded words decoded, folding and runs
    of whitespace collapsed, NULs removed. `charset` is the message's, for raw 8-bit bytes."""
    if not value:
        return ""
    text = _unbyte(value[:limit], charset)
    if "=?" in text:
        text = decode_words(text)
        if "\x00" in text:
            text = text.replace("\x00", "")
    return " ".join(text.split())


def _valid_address(addr: str) -> bool:
    local, at, domain = addr.rpartition("@")
    return bool(at and local and domain) and "@" not in local.strip('"') and " " not in domain


# The common shapes, `a@b`, `Name <a@b>` and `"Name" <a@b>`, comma-separated: parsed here in one
# regex pass, five times faster than getaddresses; anything else (comments, groups, escapes) goes to it.
# The name is words separated by runs of blanks and every other run of blanks is possessive, so no
# two parts of the pattern compete for the same blanks: the regex cannot backtrack quadratically.
_ATOMS = r'[^<>\s"(),;:\\@]+@[^<>\s"(),;:\\@]+'
_WORDS = r'[^<>\s",;:()\\@]+(?:\s+[^<>\s",;:()\\@]+)*'
_SIMPLE_ADDRESS = re.compile(
    r'\s*+(?:(?:"([^"\\]*)"|(' + _WORDS + r'))?\s*+<(' + _ATOMS + r')>|(' + _ATOMS + r'))\s*+(?:,|\Z)')


def _simple_addresses(text: str) -> list[tuple[str, str]] | None:
    found: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while pos < end:
        m = _SIMPLE_ADDRESS.match(text, pos)
        if m is None or m.end() == pos:
            return None
        quoted, plain, bracketed, bare = m.groups()
        found.append(((quoted or plain or "").strip(), bracketed or bare))
        pos = m.end()
    return found


def addresses(value: str | None, field: str, defect: DefectSink, charset: str | None = None
              ) -> tuple[Address, ...]:
    """Parse an address list; when nothing valid can be found, keep the text itself as the address."""
    if not value:
        return ()
    raw = _unbyte(value[:MAX_LIST_HEADER], charset)
    pairs = _simple_addresses(raw)
    if pairs is None:
        try:
            pairs = getaddresses([raw])
        except Exception:
            pairs = []
    found: list[Address] = []
    for name, addr in pairs[:MAX_ADDRESSES]:
        addr = "".join(addr.split())
        if _valid_address(addr):
            found.append(Address(address=addr, name=header_text(name)))
    if not found:
        text = header_text(raw)
        if text and text.strip(";:<> ") and not text.endswith(":;"):  # "undisclosed-recipients:;"
            defect(f"invalid {field} address")
            return (Address(address=text),)
    return tuple(found)


_MSGID = re.compile(r"<[^<>\s]{1,998}>")


def message_ids(value: str | None, limit: int = MAX_REFERENCES) -> tuple[str, ...]:
    """Message-ids from References/In-Reply-To: the first and the last `limit - 1` (the first is the
    thread's root, the last ones are its closest ancestors)."""
    if not value:
        return ()
    text = _unbyte(value[:MAX_LIST_HEADER])
    ids = _MSGID.findall(text)
    if not ids:
        ids = [t for t in text.split() if "@" in t and len(t) <= MAX_MESSAGE_ID]
    if len(ids) > limit:
        ids = ids[:1] + ids[-(limit - 1):]
    return tuple(dict.fromkeys(ids))


def single_message_id(value: str | None) -> str:
    """The first message-id of a header, or its whitespace-stripped text when it has no brackets."""
    if not value:
        return ""
    text = _unbyte(value[:MAX_LIST_HEADER])
    m = _MSGID.search(text)
    return m.group(0) if m else "".join(text.split())[:MAX_MESSAGE_ID]


# Dates before this or well in the future are treated as invalid: a spammer's "year 2099" would
# otherwise pin a message to the top of every list sorted by date.
_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=2)


def received_at(value: str | None, hint: float | None, defect: DefectSink) -> datetime:
    """A timezone-aware UTC time from the Date header, else the source's hint, else now."""
    now = datetime.now(UTC)
    if value:
        try:
            parsed = parsedate_to_datetime(header_text(value, 256))
            if parsed.tzinfo is None:  # "-0000": time is UTC, source zone unknown
                parsed = parsed.replace(tzinfo=UTC)
            parsed = parsed.astimezone(UTC)
        except (ValueError, TypeError, IndexError, OverflowError):
            defect("invalid Date header")
        else:
            if _EARLIEST <= parsed <= now + _FUTURE_SLACK:
                return parsed
            defect("implausible Date header")
    else:
        defect("missing Date header")
    if hint is not None:
        try:
            return datetime.fromtimestamp(hint, UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return now
