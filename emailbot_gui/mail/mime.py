"""A fast path for the stdlib MIME parser on well-formed messages.

`email.feedparser` processes a message one line at a time in Python, which is most of the cost of
parsing a typical 3 KB email. Well-formed messages (every header line valid, a blank line after the
headers, every multipart boundary opened and closed) can be split with `str.find` instead. This
module does exactly that and builds the same `compat32` `Message` tree the stdlib would; at the first
sign of anything unusual it returns None and the caller uses the stdlib parser, which knows how to
recover from every kind of damage and records the defects.

tests/test_parse.py checks, message by message, that both parsers build the same tree.
"""

from __future__ import annotations

import re
from email.message import Message

MAX_DEPTH = 20
MAX_PARTS = 500

# One header field: a name of printable characters other than ':' and space (the stdlib's rule),
# the rest of the line, and any continuation lines.
_FIELD = re.compile(r"([\041-\071\073-\176]+):([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)(?:\r?\n|\Z)")
_MULTIPART_CTE = ("7bit", "8bit", "binary")


class _Unusual(Exception):
    """Something the fast path does not handle; the stdlib parser takes over."""


def parse_well_formed(data: bytes) -> Message | None:
    """The stdlib's `compat32` parse of `data`, or None when `data` is not plainly well formed."""
    text = data.decode("ascii", "surrogateescape")
    # The stdlib also ends lines at a lone CR; the fast path only knows LF and CRLF.
    if text.startswith("From ") or ("\r" in text and text.count("\r") != text.count("\r\n")):
        return None
    try:
        return _Splitter(text).entity(0, len(text), 0, (), top=True)
    except _Unusual:
        return None


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.parts = 0

    def entity(self, start: int, end: int, depth: int, boundaries: tuple[str, ...],
               top: bool = False) -> Message:
        """Parse text[start:end]; a part of a multipart (not `top`) loses the line break before the
        next delimiter, which RFC 2046 gives to the delimiter."""
        self.parts += 1
        if depth > MAX_DEPTH or self.parts > MAX_PARTS:
            raise _Unusual
        msg = Message()
        body_start = self._headers(msg, start, end)
        content_type = msg.get_content_type()
        if content_type.startswith("message/") or content_type == "multipart/digest":
            raise _Unusual  # enclosed messages: the stdlib parses them (rare in support mail)
        if not content_type.startswith("multipart/"):
            payload = self.text[body_start:end]
            msg.set_payload(payload if top else _strip_eol(payload))
            return msg
        boundary = msg.get_boundary()
        if not boundary or any(boundary.startswith(b) for b in boundaries):
            raise _Unusual  # missing, or one an ancestor's delimiter lines could match
        if str(msg.get("content-transfer-encoding", "8bit")).lower() not in _MULTIPART_CTE:
            raise _Unusual
        self._multipart(msg, body_start, end, depth, (*boundaries, boundary))
        if not top:
            msg.epilogue = _strip_eol(msg.epilogue) if msg.epilogue else None
        return msg

    def _headers(self, msg: Message, start: int, end: int) -> int:
        """Set the header fields found at `start`; return where the body starts."""
        text = self.text
        if text.startswith("\n", start):
            return start + 1
        if text.startswith("\r\n", start):
            return start + 2
        blank = _first_blank_line(text, start, end)
        block_end, body_start = (end, end) if blank < 0 else (blank + 1, _after_line(text, blank + 1, end))
        pos = start
        while pos < block_end:
            m = _FIELD.match(text, pos, block_end)
            if m is None:
                raise _Unusual
            msg.set_raw(m.group(1), m.group(2).lstrip(" \t"))
            pos = m.end()
        return body_start

    def _multipart(self, msg: Message, start: int, end: int, depth: int, boundaries: tuple[str, ...]) -> None:
        text = self.text
        delimiter = "--" + boundaries[-1]
        line_delimiter = "\n" + delimiter  # searching for this skips candidates inside lines
        parts: list[Message | str] = []
        part_start = -1  # -1: still in the preamble
        pos = start
        while True:
            if pos == start and text.startswith(delimiter, start, end):
                found = start
            else:
                found = text.find(line_delimiter, pos, end)
                if found < 0:
                    raise _Unusual  # no closing delimiter
                found += 1
            pos = found + 1
            line_end = text.find("\n", found, end)
            next_line = end if line_end < 0 else line_end + 1
            # The stdlib's delimiter line: "--" boundary, optional "--", optional blanks, line end.
            tail = text[found + len(delimiter):next_line].rstrip("\r\n")
            if not tail.strip(" \t"):
                closing = False
            elif tail.startswith("--") and not tail[2:].strip(" \t"):
                closing = True
            else:
                continue
            if part_start < 0:
                if closing:
                    raise _Unusual  # closed before it opened
                if found > start:
                    msg.preamble = _strip_eol(text[start:found])
            elif found == part_start:
                pass  # the stdlib skips delimiter lines that follow one, even a closing one
            else:
                parts.append(self.entity(part_start, found, depth + 1, boundaries))
                if closing:
                    msg.set_payload(parts)
                    msg.epilogue = text[next_line:end]
                    return
            part_start = next_line


def _first_blank_line(text: str, start: int, end: int) -> int:
    """Index of the newline that ends the header block (the one before an empty line), or -1."""
    candidates = [i for i in (text.find("\n\n", start, end), text.find("\n\r\n", start, end)) if i >= 0]
    return min(candidates) if candidates else -1


def _after_line(text: str, pos: int, end: int) -> int:
    newline = text.find("\n", pos, end)
    return end if newline < 0 else newline + 1


def _strip_eol(value: str) -> str:
    if value.endswith("\r\n"):
        return value[:-2]
    return value[:-1] if value.endswith("\n") else value
