"""The demo outbox: where approved replies and escalations go in demo mode. Each delivery is a file
named by its idempotency key (written atomically), so "was this already delivered?" is answered by the
file's existence — the same question the real transports answer by looking the message up remotely."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from emailbot_gui.connectors.base import DeliveryReceipt, OutgoingEscalation, OutgoingReply

DEMO_MAILBOX = "it-support@contoso-demo.example"


def _safe_name(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in key)


class DemoOutbox:
    name = "demo-outbox"

    def __init__(self, folder: Path, *, mailbox: str = DEMO_MAILBOX) -> None:
        self.folder = folder
        self.mailbox = mailbox

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / f"{_safe_name(key)}{suffix}"

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        msg = EmailMessage()
        msg["From"] = self.mailbox
        target = reply.email.reply_to[0] if reply.email.reply_to else reply.email.sender
        msg["To"] = str(target)
        subject = reply.email.subject
        msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain="contoso-demo.example")
        if reply.email.message_id:
            msg["In-Reply-To"] = reply.email.message_id
            msg["References"] = " ".join((*reply.email.references, reply.email.message_id))
        msg["X-EmailBot-Idempotency-Key"] = reply.idempotency_key
        msg.set_content(reply.body_text)
        path = self._path(reply.idempotency_key, ".eml")
        await asyncio.to_thread(_write_atomic, path, bytes(msg))
        return DeliveryReceipt(external_id=str(msg["Message-ID"]), link=path.as_uri())

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        chat = {"chatType": "group", "topic": escalation.topic,
                "members": [{"name": p.name, "address": p.address} for p in escalation.people],
                "message": escalation.message, "email_message_id": escalation.email.message_id,
                "idempotency_key": escalation.idempotency_key,
                "created": datetime.now(UTC).isoformat()}
        path = self._path(escalation.idempotency_key, ".json")
        await asyncio.to_thread(_write_atomic, path, json.dumps(chat, indent=2).encode())
        return DeliveryReceipt(external_id=f"demo-chat:{_safe_name(escalation.idempotency_key)}",
                               link=path.as_uri())

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any] | None = None
                             ) -> DeliveryReceipt | None:
        for suffix in (".eml", ".json"):
            path = self._path(idempotency_key, suffix)
            if path.exists():
                return DeliveryReceipt(external_id=f"demo:{path.name}", link=path.as_uri())
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
