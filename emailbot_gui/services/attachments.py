"""Saving an email's attachment on the operator's request: fetched from where the message lives, written to
the file the operator chose, never opened.

The store keeps the text and the attachment list of an email, not its raw bytes (only quarantined mail
keeps those), so the content comes from the mail source on demand:
  - Microsoft 365: the message's attachments are listed again (for their Graph ids) and the one asked
    for is downloaded from `/attachments/{id}/$value`, refused above the size cap;
  - the demo mailbox and mail folders: the message is read again from its file (found by its content
    hash, which is its provider id) and the attachment is decoded from it;
  - IMAP: the message is found again in its folder by its Message-ID, checked against its content hash;
  - Gmail: the message is downloaded again by its Gmail id.

Attachment names come from the sender: `safe_filename` makes one fit to suggest as a file name."""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from emailbot_gui.core.types import AttachmentInfo, Email

if TYPE_CHECKING:
    from emailbot_gui.connectors.graph.mailbox import GraphAttachment, GraphMailbox

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_NAME_BYTES = 200  # well below every file system's 255, leaving room for " (2)" and the like
# Windows refuses these names with any extension ("CON.txt" too); other systems do not mind them.
RESERVED_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                            *(f"COM{i}" for i in "123456789¹²³"), *(f"LPT{i}" for i in "123456789¹²³")})
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


class AttachmentError(Exception):
    """The attachment cannot be fetched; the message says why, for the operator."""


class RawMessageReader(Protocol):
    name: str

    async def read_raw(self, provider_id: str, message_id: str = "") -> bytes | None:
        """The message delivered earlier under `provider_id`, or None when the source no longer has it.
        `message_id` (its Message-ID header) helps sources that cannot look a message up by provider id
        alone (IMAP: the provider id is a hash of the bytes)."""
        ...


class AttachmentSource(Protocol):
    name: str  # the mail source's name: only its emails can be fetched here

    async def fetch(self, email: Email, index: int) -> bytes: ...


@dataclass(frozen=True, slots=True)
class SavedAttachment:
    path: Path
    size: int
    filename: str


def safe_filename(name: str, content_type: str = "", index: int = 0) -> str:
    """A file name made from an untrusted attachment name: no folders, no characters or names a file
    system refuses, no invisible direction marks (which disguise "exe" as "txt"), not hidden, not empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cf", "Cc", "Co", "Cs"))
    name = _FORBIDDEN.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if stem.split(".")[0].strip().upper() in RESERVED_NAMES:
        stem = f"_{stem}"
    if not stem:
        stem = f"attachment-{index + 1}"
        if not extension:
            extension = (mimetypes.guess_extension(content_type.split(";")[0].strip().lower()) or "").lstrip(".")
    extension = extension[:16]
    suffix = f".{extension}" if extension else ""
    budget = MAX_NAME_BYTES - len(suffix.encode())
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def shown_attachments(email: Email) -> list[tuple[int, AttachmentInfo]]:
    """The attachments the operator can save (inline images belong to the body), with their index."""
    return [(i, a) for i, a in enumerate(email.attachments) if not a.inline]


class GraphAttachmentSource:
    """Attachments of a Microsoft 365 message, downloaded through Graph."""

    def __init__(self, mailbox: GraphMailbox, name: str, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> None:
        self.mailbox = mailbox
        self.name = name
        self.max_bytes = max_bytes

    async def fetch(self, email: Email, index: int) -> bytes:
        from emailbot_gui.connectors.graph.errors import GraphError

        wanted = email.attachments[index]
        try:
            listed = (await self.mailbox.list_attachments([email.provider_id])).get(email.provider_id, [])
            match = _matching(listed, wanted, index)
            if match is None:
                raise AttachmentError(f"{wanted.filename or 'the attachment'} is no longer in the message in "
                                      "the mailbox")
            if match.size > self.max_bytes:
                raise AttachmentError(f"{wanted.filename or 'the attachment'} is {match.size:,} bytes, above the "
                                      f"{self.max_bytes:,} byte limit for downloads")
            return await self.mailbox.download_attachment(email.provider_id, match, max_bytes=self.max_bytes)
        except GraphError as exc:
            raise AttachmentError(f"Microsoft 365 did not hand out the attachment: {exc}") from exc


def _matching(listed: list[GraphAttachment], wanted: AttachmentInfo, index: int) -> GraphAttachment | None:
    """The listed attachment that is the stored one: at the same position with the same name (the usual
    case: both lists come from Graph in its order), else the first with the same name and size."""
    unnamed = wanted.filename in ("", "(unnamed)")  # how a nameless Graph attachment is stored
    same_name = [a for a in listed if a.name == wanted.filename or (unnamed and not a.name)]
    if index < len(listed) and listed[index] in same_name:
        return listed[index]
    return next((a for a in same_name if a.size == wanted.size), same_name[0] if len(same_name) == 1 else None)


class RawMessageAttachmentSource:
    """Attachments decoded from the message file of a local source (the demo mailbox, a mail folder)."""

    def __init__(self, reader: RawMessageReader, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> None:
        self.reader = reader
        self.name = reader.name
        self.max_bytes = max_bytes

    async def fetch(self, email: Email, index: int) -> bytes:
        from emailbot_gui.mail.attachments import attachment_content
        from emailbot_gui.mail.parse import MalformedEmail

        try:
            raw = await self.reader.read_raw(email.provider_id, email.message_id)
        except (AttachmentError, OSError):
            raise
        except Exception as exc:  # a mail server's own error (sign-in, connection, ...): its text is for the operator
            raise AttachmentError(f"the mail server did not hand out the message: {exc}") from exc
        if raw is None:
            raise AttachmentError("the message is no longer in the mail folder it was read from")
        wanted = email.attachments[index]
        try:
            found, data = await asyncio.to_thread(attachment_content, raw, index)
        except (MalformedEmail, IndexError) as exc:
            raise AttachmentError(f"the attachment cannot be read from the message: {exc}") from None
        if (found.filename, found.size) != (wanted.filename, wanted.size):
            raise AttachmentError("the message file has changed since it was read; its attachments differ")
        if len(data) > self.max_bytes:
            raise AttachmentError(f"{wanted.filename or 'the attachment'} is above the {self.max_bytes:,} byte limit")
        return data


async def save_attachment(source: AttachmentSource | None, email: Email, index: int, path: Path) -> SavedAttachment:
    """Fetch the `index`-th attachment of `email` from `source` and write it to `path`. Raises AttachmentError
    with a sentence for the operator."""
    if not 0 <= index < len(email.attachments):
        raise AttachmentError("This email has no such attachment.")
    attachment = email.attachments[index]
    name = safe_filename(attachment.filename, attachment.content_type, index)
    if source is None or source.name != email.source:
        raise AttachmentError(f"{name} cannot be fetched: the email came from {email.source}, which is not the "
                              "mail source the console reads now.")
    try:
        data = await source.fetch(email, index)
    except AttachmentError as exc:
        raise AttachmentError(f"{name} could not be fetched: {exc}.") from exc
    except OSError as exc:
        raise AttachmentError(f"{name} could not be fetched: {exc.strerror or exc}.") from exc
    try:
        await write_file(path, data)
    except (OSError, AttachmentError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AttachmentError(f"{name} could not be saved to {path}: {why}.") from exc
    return SavedAttachment(path, len(data), name)


async def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file beside it, then a rename)."""
    await asyncio.to_thread(_write, path, data)


def _write(path: Path, data: bytes) -> None:
    if path.is_dir():
        raise AttachmentError(f"{path} is a folder")
    fd, tmp_name = tempfile.mkstemp(prefix=".emailbot-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
