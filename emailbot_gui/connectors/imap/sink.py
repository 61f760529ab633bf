"""The `ActionSink` of an IMAP/SMTP mailbox: replies and escalations (emails to the chosen people — Teams
needs Microsoft 365) go out through SMTP, and never twice.

    build the mail (Message-ID derived from the outbox key) -> connect and sign in to SMTP
    -> checkpoint "send requested" (with the Message-ID) -> the SMTP transaction
    -> file a copy in the Sent folder (unless the server does that itself, as Gmail does) -> checkpoint "sent"

A server that answers the message with an error code did not accept it: the checkpoint is taken back, so the
next attempt sends. A connection lost during the transaction leaves "send requested": `find_delivered` then
looks for the Message-ID in the Sent folder; found means delivered, not found means "cannot confirm", which
is reported and never resent blindly (the message may be on its way)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from emailbot_gui.connectors.base import Checkpoint, DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.imap.config import ImapSettings
from emailbot_gui.connectors.imap.errors import (
    DeliveryNotVisibleYet,
    DeliveryUnconfirmed,
    MailProtocolError,
    MailServerError,
    SendRejected,
)
from emailbot_gui.connectors.imap.imap_session import ImapSession, quoted
from emailbot_gui.connectors.imap.outgoing import PreparedMail, escalation_mail, reply_mail
from emailbot_gui.connectors.imap.smtp_session import SmtpSession

log = logging.getLogger(__name__)

NAME = "smtp"  # stamped into the progress this sink checkpoints

PasswordLoader = Callable[[], str]


class ImapSmtpActionSink:
    name = "imap"

    def __init__(self, settings: ImapSettings, imap_password: PasswordLoader, smtp_password: PasswordLoader, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.imap_password = imap_password
        self.smtp_password = smtp_password
        self.clock = clock
        self._sent_folder = settings.sent_folder  # detected on first use when empty

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        return await self._deliver(reply.idempotency_key, reply.progress, reply.checkpoint,
                                   lambda: reply_mail(reply, self.settings.from_address))

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        if not escalation.people:
            raise ValueError("an escalation email needs at least one person to send it to")
        return await self._deliver(escalation.idempotency_key, escalation.progress, escalation.checkpoint,
                                   lambda: escalation_mail(escalation, self.settings.from_address))

    async def _deliver(self, key: str, progress: Mapping[str, Any], checkpoint: Checkpoint,
                       prepare: Callable[[], PreparedMail]) -> DeliveryReceipt:
        if progress.get("transport") == NAME and progress.get("send_requested_at"):
            # Normally the outbox asked find_delivered already; a direct caller gets the same protection.
            done = await self.find_delivered(key, progress)
            if done is not None:
                return done
        mail = prepare()
        smtp = await asyncio.to_thread(lambda: SmtpSession.open(self.settings, self.smtp_password()))
        try:
            await checkpoint({"transport": NAME, "send_requested_at": self.clock(), "message_id": mail.message_id})
            try:
                refused = await asyncio.to_thread(smtp.send, mail.sender, mail.recipients, mail.raw)
            except SendRejected:
                await checkpoint({"send_requested_at": 0})  # answered with an error: nothing was accepted
                raise
        finally:
            await asyncio.to_thread(smtp.close)
        filed = await self._file_copy(mail)
        await checkpoint({"sent_at": self.clock(), "sent_folder": filed})
        log.info("%s sent as %s", key, mail.message_id)
        details: dict[str, Any] = {"mailbox": self.settings.from_address, "message_id": mail.message_id,
                                   "sent_folder": filed}
        if refused:
            details["refused"] = refused
            log.warning("%s: the server refused some recipients: %s", key, refused)
        return DeliveryReceipt(external_id=mail.message_id, details=details)

    async def _file_copy(self, mail: PreparedMail) -> str:
        """Append the sent mail to the Sent folder; the folder's name, or "" when not filed (the send stands)."""
        if not self.settings.append_sent:
            return ""
        try:
            return await asyncio.to_thread(self._append_sent, mail.raw)
        except MailServerError as exc:
            log.warning("the sent mail %s could not be filed in the Sent folder: %s", mail.message_id, exc)
            return ""

    def _append_sent(self, raw: bytes) -> str:
        with ImapSession.open(self.settings, self.imap_password()) as imap:
            folder = self._sent(imap)
            imap.append(folder, raw)
            return folder

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        if progress.get("transport") != NAME or not progress.get("send_requested_at"):
            return None  # nothing was handed to the SMTP server (or it refused it): nothing can have gone out
        message_id = str(progress.get("message_id") or "")
        details: dict[str, Any] = {"mailbox": self.settings.from_address, "message_id": message_id}
        if progress.get("sent_at"):
            return DeliveryReceipt(external_id=message_id, details=details)
        folder, found = await asyncio.to_thread(self._look_in_sent, message_id)
        if found:
            return DeliveryReceipt(external_id=message_id, details={**details, "sent_folder": folder})
        waited = self.clock() - float(progress["send_requested_at"])
        if waited < self.settings.send_grace_seconds:
            raise DeliveryNotVisibleYet(f"{idempotency_key}: the mail {message_id} was handed to the SMTP server "
                                      f"{waited:.0f} s ago and is not in {folder!r} yet; checking again later")
        raise DeliveryUnconfirmed(f"{idempotency_key}: the connection was lost while sending {message_id} and no "
                                  f"copy is in {folder!r} of {self.settings.from_address}. Check whether it went "
                                  "out; it is not sent again automatically.")

    def _look_in_sent(self, message_id: str) -> tuple[str, bool]:
        with ImapSession.open(self.settings, self.imap_password()) as imap:
            folder = self._sent(imap)
            try:
                imap.select(folder)
            except MailProtocolError:
                return folder, False  # no such folder: nothing was filed there
            return folder, bool(imap.search("HEADER", "Message-ID", quoted(message_id)))

    def _sent(self, imap: ImapSession) -> str:
        if not self._sent_folder:
            self._sent_folder = imap.sent_folder()
        return self._sent_folder
