"""The real pipeline pieces the Graph tests drive: the triage loop's poll (classify/enrich/propose are
not reached by `poll`, so they are left out), the store, and the steps that make an email reviewable."""

from __future__ import annotations

from typing import Any

from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.graph import parse_graph_message
from emailbot_gui.core.types import Classification, Enrichment, Proposal, Urgency
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.events import EventHub
from emailbot_gui.store.email_store import EmailStore


def poller(store: EmailStore, source: Any, batch_size: int = 50) -> TriageLoop:
    none: Any = None  # poll() only fetches, parses and ingests
    return TriageLoop(store, source, none, none, none, Settings(batch_size=batch_size), EventHub(),
                      parse_graph_message, poll_interval=60)


async def to_review(store: EmailStore, ids: list[int]) -> None:
    await store.save_classifications([(i, Classification("hardware", Urgency.HIGH, 0.8, "printer", "t")) for i in ids])
    await store.save_enrichments([(i, Enrichment()) for i in ids])
    await store.save_proposals([(i, Proposal(reply_text="We are on it.")) for i in ids])
