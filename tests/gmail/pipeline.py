"""The real pipeline pieces the Gmail sync tests drive: the triage loop's poll (fetch, parse with the MIME
parser every raw source uses, ingest with the cursor) and the store."""

from __future__ import annotations

from typing import Any

from emailbot_gui.config.settings import Settings
from emailbot_gui.mail.parse import parse_message
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.events import EventHub
from emailbot_gui.store.email_store import EmailStore


def poller(store: EmailStore, source: Any, batch_size: int = 50) -> TriageLoop:
    none: Any = None  # poll() only fetches, parses and ingests
    return TriageLoop(store, source, none, none, none, Settings(batch_size=batch_size), EventHub(),
                      parse_message, poll_interval=60)
