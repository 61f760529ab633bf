"""The demo mailbox: the shipped corpus served like a live mailbox. A few messages arrive at the first
poll and a few more at each later poll, stamped with the time they "arrive", so the loop is visible."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from emailbot_gui.config.paths import resources_dir
from emailbot_gui.connectors.base import FetchBatch, MailSource, RawMessage

_DATE_LINE = re.compile(rb"^Date:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", re.MULTILINE | re.IGNORECASE)


def demo_mail_dir() -> Path:
    return resources_dir() / "demo" / "mail"


class DemoMailSource:
    name = "demo"

    def __init__(self, inner: MailSource, *, first_poll: int = 12, per_poll: tuple[int, int] = (3, 8),
                 seed: int = 11) -> None:
        self._inner = inner
        self._first = first_poll
        self._per_poll = per_poll
        self._rng = random.Random(seed)

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        wanted = self._first if cursor is None else self._rng.randint(*self._per_poll)
        batch = await self._inner.fetch(cursor, min(limit, wanted))
        now = datetime.now(UTC)
        arrived = [_arrived(m, now - timedelta(seconds=5 * (len(batch.messages) - i)))
                   for i, m in enumerate(batch.messages)]
        # One drip per poll: say "nothing more right now" so the GUI waits for its next poll.
        return FetchBatch(messages=arrived, cursor=batch.cursor, more=False, unreadable=batch.unreadable)

    async def read_raw(self, provider_id: str, message_id: str = "") -> bytes | None:
        """The message as shipped (its Date line as in the corpus, not as it "arrived")."""
        read = getattr(self._inner, "read_raw", None)
        return await read(provider_id, message_id) if read is not None else None

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


def _arrived(message: RawMessage, when: datetime) -> RawMessage:
    head, sep, body = message.raw.partition(b"\n\n")
    if not sep:
        head, sep, body = message.raw.partition(b"\r\n\r\n")
    stamped = _DATE_LINE.sub(b"Date: " + format_datetime(when).encode(), head, count=1)
    return RawMessage(provider_id=message.provider_id, raw=stamped + sep + body, origin=message.origin,
                      received_at_hint=when.timestamp())
