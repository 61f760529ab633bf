"""One signed-in IMAP connection, blocking (callers run it in a worker thread): opening it with the chosen
security, and the few commands the connector needs, each answer checked. Every failure becomes a typed
`MailServerError` naming host:port; nothing from imaplib escapes.

Mailbox names are given and returned as text; on the wire they are quoted and in modified UTF-7
(RFC 3501 5.1.3)."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from emailbot_gui.connectors.imap.config import DEFAULT_SENT_FOLDER, ImapSettings, Security
from emailbot_gui.connectors.imap.errors import (
    MailConnectionError,
    MailProtocolError,
    MailServerError,
    MailSignInError,
    connection_error,
)
from emailbot_gui.connectors.imap.tls import tls_context

T = TypeVar("T")
SEARCH_WINDOW = 50_000  # UIDs per SEARCH: keeps an answer well below imaplib's 1 MB line limit
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE ("[^"]+")')
_FETCH_START = re.compile(rb"^\d+ \(")
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$')


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    uid: int
    raw: bytes
    internal_date: float | None


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One message's part of a FETCH answer: the items outside literals, and the literal (if any)."""

    meta: bytes
    literal: bytes | None

    def number(self, pattern: re.Pattern[bytes]) -> int | None:
        found = pattern.search(self.meta)
        return int(found[1]) if found else None


class ImapSession:
    def __init__(self, conn: imaplib.IMAP4, where: str) -> None:
        self.conn = conn
        self.where = where
        self.uid_next: int | None = None
        self.exists = 0
        self.permanent_flags: frozenset[str] | None = None  # of the selected folder; None: it did not say
        self._capabilities: frozenset[str] | None = None

    @classmethod
    def open(cls, settings: ImapSettings, password: str) -> ImapSession:
        where = f"IMAP server {settings.imap_host}:{settings.imap_port}"
        conn = _connect(settings, where)
        session = cls(conn, where)
        try:
            session._login(settings.username, password)
        except BaseException:
            session.close()
            raise
        return session

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.conn.logout()
        except Exception:  # the connection may already be gone; closing is best effort
            with contextlib.suppress(Exception):
                self.conn.shutdown()

    # ---- commands ------------------------------------------------------------------------------------------

    def select(self, folder: str, *, readonly: bool = True) -> int:
        """Open `folder` (read-only: EXAMINE); returns its UIDVALIDITY."""
        typ, data = self._call(lambda: self.conn.select(quote_mailbox(folder), readonly=readonly))
        if typ != "OK":
            raise MailProtocolError(f"{self.where}: the folder {folder!r} cannot be opened: {_text(data)}")
        validity = self._response_number("UIDVALIDITY")
        if validity is None:
            raise MailProtocolError(f"{self.where}: the folder {folder!r} has no UIDVALIDITY")
        self.uid_next = self._response_number("UIDNEXT")
        self.exists = _first_int(data) or 0
        _typ, flags = self.conn.response("PERMANENTFLAGS")
        self.permanent_flags = _flag_list(flags)
        return validity

    def capabilities(self) -> frozenset[str]:
        """What the server offers once signed in (upper case); the greeting's list is often shorter."""
        if self._capabilities is None:
            typ, data = self._call(self.conn.capability)
            if typ != "OK":
                raise MailProtocolError(f"{self.where}: CAPABILITY failed: {_text(data)}")
            self._capabilities = frozenset(_text(data).upper().split())
        return self._capabilities

    def keeps_flag(self, flag: str) -> bool:
        """Whether `flag` stays on messages of the selected folder: listed in its PERMANENTFLAGS, or a keyword
        where they include \\* (any keyword may be created). A folder that announced none keeps any."""
        if self.permanent_flags is None:
            return True
        allowed = {f.lower() for f in self.permanent_flags}
        return flag.lower() in allowed or (not flag.startswith("\\") and "\\*" in allowed)

    def uids_from(self, first: int, enough: int) -> list[int]:
        """UIDs of the selected folder from `first` on, ascending; stops once more than `enough` are found."""
        found: list[int] = []
        low = max(1, first)
        while True:
            if self.uid_next is None or self.uid_next - low <= SEARCH_WINDOW:
                # "n:*" always includes the highest UID, even when it is below n: keep only what is new.
                found += [u for u in self._search(f"{low}:*") if u >= low]
                return sorted(set(found))
            high = low + SEARCH_WINDOW - 1
            found += self._search(f"{low}:{high}")
            if len(found) > enough:
                return sorted(set(found))
            low = high + 1

    def _search(self, uid_range: str) -> list[int]:
        return self.search("UID", uid_range)

    def search(self, *criteria: str) -> list[int]:
        typ, data = self._call(lambda: self.conn.uid("SEARCH", *criteria))
        if typ != "OK":
            raise MailProtocolError(f"{self.where}: SEARCH failed: {_text(data)}")
        try:
            return [int(n) for chunk in data if chunk for n in bytes(chunk).split()]
        except (TypeError, ValueError):
            raise MailProtocolError(f"{self.where}: SEARCH answered {_text(data)!r}") from None

    def fetch(self, uids: Sequence[int], items: str) -> list[FetchRecord]:
        if not uids:
            return []
        typ, data = self._call(lambda: self.conn.uid("FETCH", ",".join(map(str, uids)), items))
        if typ != "OK":
            raise MailProtocolError(f"{self.where}: FETCH failed: {_text(data)}")
        return fetch_records(data)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for record in self.fetch(uids, "(UID RFC822.SIZE)"):
            uid, size = record.number(_UID), record.number(_SIZE)
            if uid is not None and size is not None:
                out[uid] = size
        return out

    def bodies(self, uids: Sequence[int]) -> list[FetchedMessage]:
        """The raw messages, without setting \\Seen (BODY.PEEK); a message expunged meanwhile is missing."""
        out = []
        for record in self.fetch(uids, "(UID INTERNALDATE BODY.PEEK[])"):
            uid = record.number(_UID)
            if uid is None or record.literal is None:
                continue  # an unsolicited update (flags of another message), not an answer
            found = _INTERNALDATE.search(record.meta)
            stamp = _internal_date(found[1]) if found else None
            out.append(FetchedMessage(uid, record.literal, stamp))
        return sorted(out, key=lambda m: m.uid)

    def header(self, uids: Sequence[int], name: str) -> dict[int, str]:
        out = {}
        for record in self.fetch(uids, f"(UID BODY.PEEK[HEADER.FIELDS ({name.upper()})])"):
            uid = record.number(_UID)
            if uid is not None and record.literal is not None:
                value = record.literal.decode("utf-8", "replace").partition(":")[2]
                out[uid] = " ".join(value.split())
        return out

    def add_flags(self, uids: Sequence[int], flags: str) -> None:
        if uids:
            typ, data = self._call(lambda: self.conn.uid("STORE", ",".join(map(str, uids)), "+FLAGS.SILENT", flags))
            if typ != "OK":
                raise MailProtocolError(f"{self.where}: setting {flags} failed: {_text(data)}")

    @property
    def moves(self) -> bool:
        """Whether the server moves mail in one step (UID MOVE, RFC 6851)."""
        return "MOVE" in self.capabilities()

    def move(self, uids: Sequence[int], folder: str, *, copied: Sequence[int] = ()) -> None:
        """Move messages of the selected folder (opened read-write) to `folder`, creating it when the server
        says it does not exist. UID MOVE (RFC 6851) when offered; else UID COPY, \\Deleted and UID EXPUNGE of
        exactly these UIDs (UIDPLUS, RFC 4315), leaving out of the copy those already `copied` there by an
        attempt that failed before its expunge. Never a plain EXPUNGE: it would also remove every message
        someone else marked deleted in the folder."""
        if not uids:
            return
        uid_set = ",".join(map(str, uids))
        offered = self.capabilities()
        if "MOVE" in offered:
            self._file_in("MOVE", uid_set, folder)
            return
        if "UIDPLUS" not in offered:
            raise MailProtocolError(f"{self.where} offers neither MOVE nor UIDPLUS, so mail cannot be moved "
                                    "without also deleting what others marked deleted; leave the folder to move "
                                    "handled mail to empty, and tag it instead")
        if to_copy := [u for u in uids if u not in set(copied)]:
            self._file_in("COPY", ",".join(map(str, to_copy)), folder)
        self.add_flags(uids, r"(\Deleted)")
        typ, data = self._call(lambda: self.conn.uid("EXPUNGE", uid_set))
        if typ != "OK":
            raise MailProtocolError(f"{self.where}: UID EXPUNGE failed after the copy to {folder!r}: {_text(data)}")

    def _file_in(self, command: str, uid_set: str, folder: str) -> None:
        mailbox = quote_mailbox(folder)
        typ, data = self._call(lambda: self.conn.uid(command, uid_set, mailbox))
        if typ == "NO" and b"TRYCREATE" in _text(data).encode().upper():
            self._call(lambda: self.conn.create(mailbox))
            typ, data = self._call(lambda: self.conn.uid(command, uid_set, mailbox))
        if typ != "OK":
            raise MailProtocolError(f"{self.where}: mail cannot be moved to {folder!r}: {_text(data)}")

    def sent_folder(self) -> str:
        """The folder the server marks \\Sent (RFC 6154 special use), else "Sent"."""
        typ, data = self._call(lambda: self.conn.list('""', "*"))
        if typ == "OK":
            for flags, name in list_entries(data):
                if "\\sent" in flags:
                    return decode_mailbox(name)
        return DEFAULT_SENT_FOLDER

    def append(self, folder: str, raw: bytes, *, flags: str = r"(\Seen)") -> None:
        """Add `raw` to `folder`, creating the folder when the server says it does not exist ([TRYCREATE])."""
        mailbox = quote_mailbox(folder)
        typ, data = self._call(lambda: self.conn.append(mailbox, flags, None, raw))
        if typ == "NO" and b"TRYCREATE" in _text(data).encode().upper():
            self._call(lambda: self.conn.create(mailbox))
            typ, data = self._call(lambda: self.conn.append(mailbox, flags, None, raw))
        if typ != "OK":
            raise MailProtocolError(f"{self.where}: the copy could not be filed in {folder!r}: {_text(data)}")

    # ---- plumbing ------------------------------------------------------------------------------------------

    def _login(self, user: str, password: str) -> None:
        if not password:
            raise MailSignInError(f"{self.where}: no password is set for {user}")
        try:
            if (user + password).isascii():
                self.conn.login(quoted(user), password)
            else:  # LOGIN is ASCII only; SASL PLAIN carries UTF-8
                blob = f"\0{user}\0{password}".encode()
                self.conn.authenticate("PLAIN", lambda _challenge: blob)
        except imaplib.IMAP4.abort as exc:
            raise MailConnectionError(f"{self.where} dropped the connection while signing in: {exc}") from None
        except imaplib.IMAP4.error as exc:
            raise MailSignInError(f"{self.where} refused the sign-in of {user}: {_reason(exc)}") from None
        except OSError as exc:
            raise connection_error(self.where, exc) from None

    def _response_number(self, name: str) -> int | None:
        _typ, data = self.conn.response(name)
        return _first_int(data)

    def _call(self, command: Callable[[], T]) -> T:
        try:
            return command()
        except imaplib.IMAP4.abort as exc:
            raise MailConnectionError(f"{self.where} dropped the connection: {_reason(exc)}") from None
        except imaplib.IMAP4.error as exc:
            raise MailProtocolError(f"{self.where}: {_reason(exc)}") from None
        except OSError as exc:
            raise connection_error(self.where, exc) from None
        except MailServerError:
            raise
        except (ValueError, IndexError, TypeError, AttributeError) as exc:  # imaplib choking on a malformed answer
            raise MailProtocolError(f"{self.where} sent an answer that cannot be read ({exc})") from None


def _connect(settings: ImapSettings, where: str) -> imaplib.IMAP4:
    timeout = settings.request_timeout
    conn: imaplib.IMAP4 | None = None
    try:
        if settings.imap_security is Security.SSL:
            return imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port, ssl_context=tls_context(settings.ca_file),
                                     timeout=timeout)
        conn = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=timeout)
        if settings.imap_security is Security.STARTTLS:
            if "STARTTLS" not in conn.capabilities:
                raise MailConnectionError(f"{where} does not offer STARTTLS; choose ssl (port 993)")
            conn.starttls(ssl_context=tls_context(settings.ca_file))
        return conn
    except MailServerError:
        _shutdown(conn)
        raise
    except imaplib.IMAP4.error as exc:  # a greeting or STARTTLS answer that is not IMAP
        _shutdown(conn)
        raise MailProtocolError(f"{where} did not answer as an IMAP server: {_reason(exc)}") from None
    except OSError as exc:
        _shutdown(conn)
        raise connection_error(where, exc) from None


def _shutdown(conn: imaplib.IMAP4 | None) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.shutdown()


def fetch_records(data: Iterable[Any]) -> list[FetchRecord]:
    """imaplib's FETCH answer — (prefix, literal) pairs followed by the rest of their line, or plain lines —
    as one record per message."""
    records: list[list[Any]] = []
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], bytes):
            records.append([item[0], bytes(item[1])])
        elif isinstance(item, bytes):
            if _FETCH_START.match(item) or not records:
                records.append([item, None])
            else:
                records[-1][0] += b" " + item  # the items after a literal: ' UID 7)' or ')'
    return [FetchRecord(meta, literal) for meta, literal in records]


def list_entries(data: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(lower-cased flags, mailbox name as the server sent it) of each LIST line."""
    for item in data:
        if isinstance(item, tuple):  # a name sent as a literal
            head, literal = item
            found = _LIST_LINE.match(bytes(head).strip())
            if found:
                yield found["flags"].decode("ascii", "replace").lower(), bytes(literal).decode("ascii", "replace")
            continue
        if not isinstance(item, bytes):
            continue
        found = _LIST_LINE.match(item.strip())
        if found:
            name = found["name"].decode("ascii", "replace")
            if name.startswith('"') and name.endswith('"'):
                name = re.sub(r"\\(.)", r"\1", name[1:-1])
            yield found["flags"].decode("ascii", "replace").lower(), name


def quote_mailbox(name: str) -> str:
    encoded = encode_mailbox(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_mailbox(name: str) -> str:
    """Modified UTF-7 (RFC 3501 5.1.3): printable ASCII as is ("&" as "&-"), the rest base64 of UTF-16."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def decode_mailbox(name: str) -> str:
    """The inverse of `encode_mailbox`; a name that is not valid modified UTF-7 is returned unchanged."""
    out, rest = [], name
    try:
        while "&" in rest:
            plain, _, rest = rest.partition("&")
            encoded, _, rest = rest.partition("-")
            out.append(plain)
            if not encoded:
                out.append("&")
                continue
            padded = encoded.replace(",", "/") + "=" * (-len(encoded) % 4)
            out.append(base64.b64decode(padded).decode("utf-16-be"))
    except (ValueError, UnicodeDecodeError):
        return name
    return "".join(out) + rest


def quoted(text: str) -> str:
    """`text` as an IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _internal_date(quoted: bytes) -> float | None:
    parsed = imaplib.Internaldate2tuple(b"INTERNALDATE " + quoted)
    if parsed is None:
        return None
    return time.mktime(parsed)


def _first_int(data: Any) -> int | None:
    for chunk in data or ():
        if isinstance(chunk, bytes):
            try:
                return int(chunk.split()[0])
            except (ValueError, IndexError):
                return None
    return None


def _flag_list(data: Any) -> frozenset[str] | None:
    """The flags of a PERMANENTFLAGS response code ("(\\Seen \\Deleted \\*)"); None when there was none."""
    chunks = [bytes(d) for d in (data or ()) if isinstance(d, bytes | bytearray)]
    if not chunks:
        return None
    return frozenset(b" ".join(chunks).decode("ascii", "replace").strip("() ").split())


def _text(data: Any) -> str:
    parts = [bytes(d).decode("utf-8", "replace") for d in (data or ()) if isinstance(d, bytes | bytearray)]
    return " ".join(parts)[:300]


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text[:300]
