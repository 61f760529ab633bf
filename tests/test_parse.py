"""Tests of raw email -> `Email`: headers, charsets, MIME structure, damage and hostile input."""

from __future__ import annotations

import base64
import random
import re
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

import pytest

from emailbot_gui.connectors.base import RawMessage
from emailbot_gui.core.types import Address, Email
from emailbot_gui.mail.mime import parse_well_formed
from emailbot_gui.mail.parse import MalformedEmail, bare_parse, parse_message

MIME_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mime"
HINT = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def eml(*headers: str, body: bytes | str = "Hello.\r\n", nl: str = "\r\n") -> bytes:
    """A message from header lines and a body; str parts are UTF-8."""
    head = nl.join(headers).encode() + (nl * 2).encode()
    return head + (body.encode() if isinstance(body, str) else body)


STD = ("From: Jane Doe <jane@customer.example>", "To: support@example.com",
       "Date: Tue, 05 Mar 2024 10:15:00 +0100", "Message-ID: <abc.123@customer.example>")


def parse(raw: bytes, hint: datetime | None = HINT) -> Email:
    return parse_message(RawMessage(provider_id="pid-1", raw=raw, origin="test",
                                    received_at_hint=hint.timestamp() if hint else None), "test-source")


def multipart(boundary: str, *parts: str, subtype: str = "mixed", headers: tuple[str, ...] = STD) -> bytes:
    body = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts) + f"--{boundary}--\r\n"
    content_type = f'Content-Type: multipart/{subtype}; boundary="{boundary}"'
    return eml(*headers, content_type, "MIME-Version: 1.0", body=body)


# --- fields ------------------------------------------------------------------------------------


def test_plain_message_fills_every_field() -> None:
    raw = eml(*STD, "Cc: \"Doe, John\" <john@customer.example>, ana@example.es",
              "Reply-To: Jane <reply@customer.example>", "Subject: Order 42 is late",
              "In-Reply-To: <parent@example.com>",
              "References: <root@example.com>\r\n <parent@example.com>", "Content-Language: de-DE",
              "Content-Type: text/plain; charset=utf-8", body="Hi,\r\nwhere is it?\r\n")
    e = parse(raw)
    assert (e.source, e.provider_id, e.message_id) == ("test-source", "pid-1", "<abc.123@customer.example>")
    assert e.subject == "Order 42 is late"
    assert e.sender == Address("jane@customer.example", "Jane Doe")
    assert e.to == (Address("support@example.com"),)
    assert e.cc == (Address("john@customer.example", "Doe, John"), Address("ana@example.es"))
    assert e.reply_to == (Address("reply@customer.example", "Jane"),)
    assert e.received_at == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)
    assert e.references == ("<root@example.com>", "<parent@example.com>")
    assert (e.thread_id, e.in_reply_to) == ("<root@example.com>", "<parent@example.com>")
    assert e.body_text == "Hi,\nwhere is it?\n"
    assert (e.body_html, e.attachments, e.parse_defects) == ("", (), ())
    assert e.size == len(raw)
    assert e.language_hint == "de"


def test_thread_id_falls_back_to_in_reply_to_then_own_id() -> None:
    assert parse(eml(*STD, "In-Reply-To: <p@x>")).thread_id == "<p@x>"
    assert parse(eml(*STD)).thread_id == "<abc.123@customer.example>"


def test_message_id_whitespace_is_stripped() -> None:
    folded = eml("From: a@b.example", "Message-ID:\r\n  <spaced@x.example>  ")
    assert parse(folded).message_id == "<spaced@x.example>"
    bare = eml("From: a@b.example", "Message-ID: no-brackets@x.example ")
    assert parse(bare).message_id == "no-brackets@x.example"


def test_missing_message_id_is_synthesised_deterministically() -> None:
    raw = eml("From: a@b.example", "Subject: no id")
    first, second = parse(raw), parse(raw)
    assert re.fullmatch(r"<[0-9a-f]{32}@emailbot\.invalid>", first.message_id)
    assert first.message_id == second.message_id
    assert parse(raw + b"x").message_id != first.message_id
    assert "missing Message-ID" in first.parse_defects


# --- headers: encoded words and 8-bit bytes ----------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("=?utf-8?q?Caf=C3=A9_au_lait?=", "Café au lait"),
    ("=?UTF-8?B?0JfQsNC60LDQtyDihJYgNDI=?=", "Заказ № 42"),
    ("Re: =?iso-8859-1?q?R=E9ponse?= urgente", "Re: Réponse urgente"),
    # whitespace between adjacent encoded words is dropped; a UTF-8 character split across two words
    ("=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=  =?utf-8?q?=E2=82?=\r\n =?utf-8?q?=AC?=", "éé€"),
    ("=?koi8-r?b?8NLJ18XU?=", "Привет"),
    ("=?x-unknown?q?caf=C3=A9?=", "café"),  # unknown charset: falls back to UTF-8
    ("=?utf-8?b?not base64!?= ok", "=?utf-8?b?not base64!?= ok"),  # broken word stays as written
    ("folded\r\n   across\r\n\tlines", "folded across lines"),
])
def test_subject_decoding(header: str, expected: str) -> None:
    assert parse(eml(*STD, f"Subject: {header}")).subject == expected


def test_raw_utf8_headers_rfc6532() -> None:
    e = parse(eml(*STD[1:], "From: Jörg Müller <jörg@bücher.example>", "Subject: Grüße aus Köln"))
    assert e.subject == "Grüße aus Köln"
    assert e.sender == Address("jörg@bücher.example", "Jörg Müller")


def test_raw_8bit_header_in_the_message_charset() -> None:
    raw = (b"From: a@b.example\r\nSubject: " + "Привет".encode("koi8-r")
           + b"\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n" + "тест".encode("koi8-r"))
    e = parse(raw)
    assert e.subject == "Привет"
    assert e.body_text == "тест"


# --- addresses -----------------------------------------------------------------------------------


def test_address_lists_with_comments_groups_and_encoded_names() -> None:
    e = parse(eml("From: =?utf-8?q?J=C3=B6rg?= <j@x.example> (work)",
                  "To: Team: a@x.example, \"B, b\" <b@x.example>;, c@x.example",
                  "Cc: undisclosed-recipients:;"))
    assert e.sender == Address("j@x.example", "Jörg")
    assert [a.address for a in e.to] == ["a@x.example", "b@x.example", "c@x.example"]
    assert e.cc == ()


def test_bad_sender_is_kept_as_text() -> None:
    e = parse(eml("From: John Smith", "Subject: who?"))
    assert e.sender == Address("John Smith")
    assert "invalid From address" in e.parse_defects


def test_sender_falls_back_to_sender_then_return_path() -> None:
    assert parse(eml("Sender: s@x.example", "Return-Path: <r@x.example>")).sender.address == "s@x.example"
    assert parse(eml("Subject: x", "Return-Path: <r@x.example>")).sender.address == "r@x.example"
    e = parse(eml("Subject: nobody sent this"))
    assert e.sender == Address("")
    assert "missing sender" in e.parse_defects


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("date", "expected"), [
    ("Tue, 05 Mar 2024 10:15:00 -0800", datetime(2024, 3, 5, 18, 15, tzinfo=UTC)),
    ("Tue, 05 Mar 2024 10:15:00 -0000", datetime(2024, 3, 5, 10, 15, tzinfo=UTC)),
    ("5 Mar 2024 10:15 GMT", datetime(2024, 3, 5, 10, 15, tzinfo=UTC)),
    ("yesterday-ish", HINT),
    ("Tue, 05 Mar 2999 10:15:00 +0000", HINT),  # implausible: would pin the mail to the top forever
    ("", HINT),
])
def test_received_at_is_utc_from_date_or_hint(date: str, expected: datetime) -> None:
    headers = ("From: a@b.example", f"Date: {date}") if date else ("From: a@b.example",)
    e = parse(eml(*headers))
    assert e.received_at == expected
    assert e.received_at.tzinfo is not None and e.received_at.utcoffset() == timedelta(0)


def test_received_at_without_date_or_hint_is_now() -> None:
    before = datetime.now(UTC)
    e = parse(eml("From: a@b.example"), hint=None)
    assert before <= e.received_at <= datetime.now(UTC)
    assert "missing Date header" in e.parse_defects


# --- bodies and charsets -------------------------------------------------------------------------------


@pytest.mark.parametrize(("charset", "payload", "expected"), [
    ("iso-8859-1", "Grüße".encode("latin-1"), "Grüße"),
    ("koi8-r", "Привет, мир".encode("koi8-r"), "Привет, мир"),
    ("iso-8859-1", "“quoted” – €5".encode("cp1252"), "“quoted” – €5"),  # cp1252 labelled latin-1
    ("us-ascii", "naïve café".encode(), "naïve café"),  # mislabelled UTF-8
    ("unknown-8bit", "Grüße".encode(), "Grüße"),
    ("x-user-defined", "señor".encode("cp1252"), "señor"),
    (None, "日本語".encode(), "日本語"),  # no charset at all
    ("utf-8", "Grüße".encode("cp1252"), "Grüße"),  # declared UTF-8, really cp1252
    ("utf-8", "Grüße ".encode() * 5 + b"\xff", "Grüße " * 5 + "\ufffd"),  # UTF-8 with one bad byte
    ("no-such-charset", "Grüße".encode(), "Grüße"),
])
def test_body_charset_fallbacks(charset: str | None, payload: bytes, expected: str) -> None:
    ctype = f"Content-Type: text/plain; charset={charset}" if charset else "Content-Type: text/plain"
    e = parse(eml(*STD, ctype, "Content-Transfer-Encoding: 8bit", body=payload))
    assert e.body_text == expected


def test_quoted_printable_and_base64_bodies() -> None:
    qp = parse(eml(*STD, "Content-Type: text/plain; charset=utf-8",
                   "Content-Transfer-Encoding: quoted-printable",
                   body="Gr=C3=BC=C3=9Fe, a soft=\r\n break\r\n"))
    assert qp.body_text == "Grüße, a soft break\n"
    b64 = parse(eml(*STD, "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
                    body=base64.encodebytes("Привет".encode()).decode()))
    assert b64.body_text == "Привет"


def test_html_only_message_gets_text_and_keeps_original_html() -> None:
    html = "<html><body><p>Hello <b>there</b></p><script>alert(1)</script><p>Bye</p></body></html>"
    e = parse(eml(*STD, "Content-Type: text/html; charset=utf-8", body=html))
    assert e.body_html == html  # sanitizing happens at display time
    assert e.body_text == "Hello there\n\nBye"


def assert_utf8_clean(e: Email) -> None:
    """Every text field can be stored and shown: no lone surrogates, no NULs."""
    texts = [e.message_id, e.subject, e.body_text, e.body_html, e.thread_id, e.in_reply_to, *e.references,
             *e.parse_defects, *(f"{a.name}{a.address}" for a in (e.sender, *e.to, *e.cc, *e.reply_to)),
             *(f"{a.filename}{a.content_type}{a.content_id}" for a in e.attachments)]
    for text in texts:
        text.encode("utf-8")
        assert "\x00" not in text


@pytest.mark.parametrize("charset", ["unicode_escape", "raw-unicode-escape", "utf-7", "punycode", "idna",
                                     "undefined", "rot13", "base64", "zlib", "UTF-16"])
def test_python_codecs_that_are_no_mail_charsets_cannot_harm(charset: str) -> None:
    payload = b"\\ud800 +2AA- x\xff"
    raw = eml(*STD, f"Subject: =?{charset}?q?=5Cud800_+2AA-?=", "Content-Type: multipart/mixed; boundary=b",
              body=f"--b\r\nContent-Type: text/plain; charset={charset}\r\n\r\n".encode() + payload
              + f"\r\n--b\r\nContent-Type: text/html; charset={charset}\r\n\r\n".encode() + payload
              + "\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
                f" filename*={charset}''%5Cud800.pdf\r\n\r\nx\r\n--b--\r\n".encode())
    e = parse(raw)
    assert_utf8_clean(e)
    assert len(e.attachments) == 1


def test_nul_bytes_are_removed() -> None:
    e = parse(eml("From: a\x00@b.example", "Subject: he\x00llo", body=b"bo\x00dy"))
    assert (e.subject, e.body_text) == ("hello", "body")


# --- MIME structure -------------------------------------------------------------------------------------


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(100)).decode()
PDF = base64.encodebytes(b"%PDF-1.4 " + bytes(3000)).decode()


def nested_sample() -> bytes:
    alternative = ('Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
                   "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain version\r\n"
                   '--alt\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n'
                   "--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                   '<p>HTML <img src="cid:logo@x"></p>\r\n'
                   "--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
                   f"Content-ID: <logo@x>\r\n\r\n{PNG}\r\n--rel--\r\n--alt--")
    pdf = ("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment;\r\n filename*=UTF-8''%E2%82%AC%20rates%202024.pdf\r\n\r\n" + PDF)
    return multipart("mixed", alternative, pdf)


def test_nested_multipart_body_html_and_attachments() -> None:
    e = parse(nested_sample())
    assert e.body_text == "Plain version"
    assert e.body_html == '<p>HTML <img src="cid:logo@x"></p>'
    logo, pdf = e.attachments
    assert (logo.content_type, logo.content_id, logo.inline, logo.size) == ("image/png", "logo@x", True, 108)
    assert (pdf.filename, pdf.content_type, pdf.inline) == ("€ rates 2024.pdf", "application/pdf", False)
    assert pdf.size == 3009
    assert e.parse_defects == ()


@pytest.mark.parametrize(("disposition", "expected"), [
    ("attachment; filename*0*=utf-8''Gr%C3%BC%C3%9Fe%20; filename*1=\"und mehr.txt\"", "Grüße und mehr.txt"),
    ('attachment; filename="=?utf-8?b?0J/RgNC40LLQtdGCLmRvY3g=?="', "Привет.docx"),
    ('attachment; filename="../../etc/passwd"', "passwd"),
    ('attachment; filename="C:\\\\Users\\\\x\\\\evil.exe"', "evil.exe"),
    ("attachment; filename=\"Bericht für Q1.pdf\"", "Bericht für Q1.pdf"),  # raw UTF-8 parameter
    ("attachment", ""),
])
def test_attachment_filenames(disposition: str, expected: str) -> None:
    part = f"Content-Type: application/octet-stream\r\nContent-Disposition: {disposition}\r\n\r\nxyz"
    e = parse(multipart("b1", "Content-Type: text/plain\r\n\r\nsee attached", part))
    assert [a.filename for a in e.attachments] == [expected]
    assert e.body_text == "see attached"


def test_missing_boundary_shows_the_body_as_text() -> None:
    raw = eml(*STD, "Content-Type: multipart/mixed",
              body="--x\r\nContent-Type: text/plain\r\n\r\nstill readable\r\n")
    e = parse(raw)
    assert "still readable" in e.body_text
    assert "no boundary in multipart" in e.parse_defects


def test_missing_close_boundary_keeps_the_parts() -> None:
    raw = eml(*STD, 'Content-Type: multipart/mixed; boundary="b"',
              body="--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
                   "--b\r\nContent-Type: text/plain\r\n\r\nsecond\r\n")
    e = parse(raw)
    assert e.body_text.split() == ["first", "second"]
    assert "close boundary not found" in e.parse_defects


def test_forwarded_message_as_only_content_shows_its_text() -> None:
    inner = "From: orig@x.example\r\nSubject: original\r\n\r\nThe original text.\r\n"
    e = parse(multipart("f", "Content-Type: message/rfc822\r\n"
                             f"Content-Disposition: attachment; filename=fwd.eml\r\n\r\n{inner}"))
    assert e.body_text == "The original text.\n"
    assert [(a.filename, a.content_type) for a in e.attachments] == [("fwd.eml", "message/rfc822")]
    assert e.attachments[0].size > len(inner) // 2


def nested_multiparts(depth: int) -> str:
    part = '--b{}\r\nContent-Type: multipart/mixed; boundary="b{}"\r\n\r\n'
    return "".join(part.format(i, i + 1) for i in range(depth))


def test_deep_nesting_is_capped() -> None:
    depth = 60
    body = nested_multiparts(depth) + f"--b{depth}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n"
    body += "".join(f"--b{i}--\r\n" for i in range(depth, -1, -1))
    e = parse(eml(*STD, 'Content-Type: multipart/mixed; boundary="b0"', body=body))
    assert any("deeper than 20" in d for d in e.parse_defects)
    assert "deep" not in e.body_text


# --- not email, too big, hostile --------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "empty file"),
    (b" \r\n\t\r\n", "empty file"),
    (bytes(random.Random(7).randrange(256) for _ in range(4096)), "not an email: no header lines"),
    (b'{"name": "not mail", "n": 1}\n', "not an email: no mail header"),
    (b"\x89PNG\r\n\x1a\n" + bytes(500), "not an email: no header lines"),
])
def test_not_an_email(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedEmail) as info:
        parse(raw)
    assert info.value.reason.startswith(reason)


def test_too_large() -> None:
    raw = eml(*STD, body="x" * (3 * 1024 * 1024))
    with pytest.raises(MalformedEmail, match=r"too large: 3 MB exceeds the 2 MB limit"):
        parse_message(RawMessage("p", raw), "s", max_bytes=2 * 1024 * 1024)


def test_defects_are_deduplicated_and_capped() -> None:
    parts = [f"Content-Type: text/plain; charset=bogus-{i}\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße"
             for i in range(40)]
    e = parse(multipart("d", *parts, *parts))
    assert len(e.parse_defects) == 20
    assert len(set(e.parse_defects)) == len(e.parse_defects)
    assert "charset 'bogus-0' did not decode; used utf-8" in e.parse_defects


HOSTILE = {
    "20 MB subject line": lambda: eml("From: a@b.example", "Subject: " + "a" * 20_000_000),
    "a million encoded-words": lambda: eml("From: a@b.example", "Subject: " + "=?utf-8?q?a" * 1_000_000),
    "a million header lines": lambda: b"X-A: b\r\n" * 1_000_000 + b"From: a@b.example\r\n\r\nbody",
    "200,000 recipients": lambda: eml("From: a@b.example", "To: " + "x <a@b.example>, " * 200_000),
    "3,000 nested multiparts": lambda: eml("From: a@b.example", "Content-Type: multipart/mixed; boundary=b0",
                                           body=nested_multiparts(3000)),
    "3,000 nested messages": lambda: b"From: a@b.example\r\n" + (
        b"Content-Type: message/rfc822\r\n\r\nFrom: x@y.example\r\n" * 3000) + b"\r\nhi",
    "100,000 parts": lambda: eml("From: a@b.example", 'Content-Type: multipart/mixed; boundary="b"',
                                 body="--b\r\n\r\nx\r\n" * 100_000 + "--b--"),
    "20 MB of unclosed divs": lambda: eml("From: a@b.example", "Content-Type: text/html",
                                          body="<div>x" * 3_000_000),
    "binary garbage after a header": lambda: b"Subject: x\r\n" + random.Random(3).randbytes(2_000_000),
    "1 MB of blanks in To": lambda: eml("From: a@b.example", "To: x" + " " * 1_000_000),
    "60,000 ';' in a quoted parameter": lambda: eml(
        "From: a@b.example", f'Content-Type: multipart/mixed; boundary=b; x="{";" * 60_000}"',
        body="--b\r\n\r\nx\r\n--b--"),
    "20,000 RFC 2231 filename sections": lambda: multipart(
        "b", "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n "
        + "".join(f"filename*{i}=a;\r\n " for i in range(20_000))),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_parses_in_bounded_time(name: str) -> None:
    raw = HOSTILE[name]()
    started = time.perf_counter()
    try:
        e = parse(raw)
    except MalformedEmail as exc:
        assert exc.reason
    else:
        assert e.message_id and e.received_at.tzinfo is not None
        assert_utf8_clean(e)
    assert time.perf_counter() - started < 2.0, f"{name} took {time.perf_counter() - started:.2f} s"


# --- the fast path against the stdlib ----------------------------------------------------------------------


def _tree(msg: Message) -> list[object]:
    """What parse_message reads from a parsed message, recursively."""
    defects = [type(d).__name__ for d in msg.defects]
    node: list[object] = [msg.get_content_type(), list(msg.raw_items()), defects]
    if msg.is_multipart():
        node.append([_tree(part) for part in msg.get_payload()])
    else:
        node.append(msg.get_payload(decode=True))
    return node


def _samples() -> list[bytes]:
    crlf = nested_sample()
    lf = crlf.replace(b"\r\n", b"\n")
    samples = [crlf, lf, lf[:-40], multipart("b1", "Content-Type: text/plain\r\n\r\nx", "\r\nno headers")]
    if MIME_DIR.is_dir():
        samples += [p.read_bytes() for p in sorted(MIME_DIR.rglob("*.eml"))]
    return samples


def _mutations(samples: list[bytes], count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    pieces = [b"\r\n", b"\n", b"\r", b"--", b" ", b":", b"\r\n\r\n", b"\n\n", b"\x00", b"\xff", b"=?", b'"']
    out = []
    for _ in range(count):
        data = bytearray(rng.choice(samples)[:5000])
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data) + 1)
            roll = rng.random()
            if roll < 0.4:
                data[i:i] = rng.choice(pieces)
            elif roll < 0.7:
                del data[i:i + rng.randint(1, 5)]
            else:  # copy a line that may be a delimiter somewhere else
                j = data.find(b"\n--", rng.randrange(len(data) + 1))
                if j >= 0:
                    data[i:i] = data[j + 1:data.find(b"\n", j + 1) + 1]
        out.append(bytes(data))
    return out


def test_fast_path_builds_the_same_tree_as_the_stdlib() -> None:
    stdlib = BytesParser(policy=policy.compat32)
    samples = _samples()
    checked = 0
    for raw in samples + _mutations(samples, 1500, seed=11):
        fast = parse_well_formed(raw)
        if fast is not None:
            assert _tree(fast) == _tree(stdlib.parsebytes(raw)), raw[:300]
            checked += 1
    assert checked > 300  # most of them are well formed enough for the fast path


def test_mutated_messages_never_raise_anything_but_malformed_email() -> None:
    for raw in _mutations(_samples(), 800, seed=5):
        try:
            e = parse(raw)
        except MalformedEmail as exc:
            assert exc.reason
        else:
            assert e.message_id and e.received_at.tzinfo is not None
            assert_utf8_clean(e)


def test_bare_parse_is_the_stdlib_baseline() -> None:
    assert bare_parse(nested_sample()) == "Plain version"
