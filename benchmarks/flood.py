"""The app's real runtime, started as the app starts it (`emailbot_gui.app.start_runtime`, demo mode: local
model with the injection checks, demo customer database, reply templates, escalation policy, SQLite store),
with the mail source of its TriageLoop swapped for a `SyntheticMailbox` flood. Everything after the fetch is
the product's own code: `TriageLoop`, `EmailStore`, `TriageConsole`, and in the GUI the main window."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.corpus import SyntheticMailbox
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Email

if TYPE_CHECKING:
    from emailbot_gui.services.runtime import Runtime


async def demo_runtime(data_dir: Path) -> Runtime:
    """The runtime `emailbot --demo --data-dir DATA_DIR` builds."""
    from emailbot_gui.app import start_runtime

    args = argparse.Namespace(demo=True, mail_dir=None, data_dir=data_dir, quit_after=None)
    return await start_runtime(args, default_demo=True)


def flood(runtime: Runtime, raws: Sequence[bytes]) -> None:
    """From now on the runtime's loop fetches `raws` (all of them, as fast as it asks) instead of the demo
    mailbox's drip."""
    runtime.loop.source = SyntheticMailbox(raws)


async def warm_up(runtime: Runtime) -> None:
    """What the app pays once per start, not per email: the local model builds its neighbour memory on
    its first classification of a batch."""
    emails = [Email(source="warm-up", provider_id=str(i), message_id=f"<{i}@warm-up>", subject="VPN drops",
                    sender=Address("someone@example.com"), received_at=datetime.now(UTC), body_text="It drops.")
              for i in range(32)]
    await runtime.loop.classifier.classify(emails)


async def reviewable(runtime: Runtime) -> int:
    return await runtime.store.count_in_states([EmailState.AWAITING_REVIEW])
