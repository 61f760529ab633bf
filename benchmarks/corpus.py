"""The benchmark's mail: N realistic raw emails, reproducible from a seed, and an in-memory mailbox that
serves them the way a server would (batches after a cursor), so a flood arrives as fast as the app asks.

The text comes from the demo composer (`emailbot_gui.demo.synthetic`): requests in six languages, spam,
out-of-office replies, a quarter multipart/alternative with an HTML part, senders from the demo customer
database. The bytes are RFC 5322 with CRLF line ends, exactly what a mail server would hand over.
"""

from __future__ import annotations

from collections.abc import Sequence

from emailbot_gui.connectors.base import FetchBatch, RawMessage
from emailbot_gui.demo.synthetic import synthetic_raw_emails

DEFAULT_SEED = 20260302


def synthetic_corpus(count: int, seed: int = DEFAULT_SEED) -> list[bytes]:
    """`count` raw messages; the same (count, seed) always gives the same bytes."""
    return list(synthetic_raw_emails(count, seed))


class SyntheticMailbox:
    """A `MailSource` over raw messages held in memory; the cursor is the number already delivered."""

    def __init__(self, raws: Sequence[bytes], *, name: str = "synthetic", seed: int = DEFAULT_SEED) -> None:
        self.name = name
        self._raws = raws
        self._seed = seed

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        start = int(cursor or 0)
        end = min(len(self._raws), start + limit)
        messages = [RawMessage(provider_id=f"{self._seed}-{i:07d}", raw=self._raws[i], origin=f"message {i}")
                    for i in range(start, end)]
        return FetchBatch(messages=messages, cursor=str(end), more=end < len(self._raws))
