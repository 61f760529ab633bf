"""Marking handled mail in the mailbox, as Health shows it: a failure is shown until marking works again (not
until the next poll happens to succeed), and marking working again clears only its own failure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from emailbot_gui.config.secrets import MemorySecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.base import HandledMessage, MarkOutcome
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Classification, Email, Enrichment, Proposal, Urgency
from emailbot_gui.services.events import EmailsChanged, EventHub
from emailbot_gui.services.health import HealthMonitor, IntegrationState
from emailbot_gui.services.processed_marker import HEALTH_NAME, ProcessedMarker
from emailbot_gui.store.triage_batches import StageResults


class FlakyMailbox:
    """Refuses the first `failures` calls with a server error, then marks everything."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[list[str]] = []

    async def mark_handled(self, messages: Sequence[HandledMessage], *, tag: str = "", move_to: str = ""
                           ) -> MarkOutcome:
        self.calls.append([m.provider_id for m in messages])
        if len(self.calls) <= self.failures:
            return MarkOutcome(failed={m.provider_id: "503 ServiceUnavailable" for m in messages})
        return MarkOutcome(changed=len(messages))


async def closed_emails(store: Any, n: int) -> list[int]:
    emails = [Email(source="m365", provider_id=f"p{i}", message_id=f"<{i}@x.example>", subject=f"mail {i}",
                    sender=Address(f"u{i}@customer.example"), received_at=datetime(2026, 11, 1, tzinfo=UTC),
                    body_text="hello") for i in range(n)]
    ids = (await store.ingest("m365", emails)).new_ids
    c = Classification("other", Urgency.LOW, 0.9, "test", "test")
    await store.save_stage_results([StageResults(i, EmailState.NEW, c, Enrichment(), Proposal("Hi")) for i in ids])
    for i in ids:
        await store.close_without_reply(i, "tester", "done")
    return ids


def mail_health(monitor: HealthMonitor) -> Any:
    return {h.name: h for h in monitor.snapshot()}[HEALTH_NAME]


async def test_a_marking_failure_is_shown_until_marking_works_again(stores) -> None:
    store = await stores()
    settings = Settings(mail_source="m365", m365_processed_category="EmailBot: handled", undo_seconds=0)
    events = EventHub()
    monitor = HealthMonitor(settings, MemorySecretStore({}), events=events)
    shown: list[tuple[IntegrationState, str]] = []
    events.subscribe(lambda e: shown.extend((h.state, h.last_error) for h in getattr(e, "health", ())
                                            if h.name == HEALTH_NAME))
    mailbox = FlakyMailbox(failures=1)
    marker = ProcessedMarker(store, mailbox, events, lambda: settings, source="m365", health=monitor, delay=0.0)
    ids = await closed_emails(store, 2)

    events.publish(EmailsChanged(tuple(ids), "closed"))
    await marker.wait_idle()  # the first attempt fails, the retry works
    assert mailbox.calls == [["p0", "p1"], ["p0", "p1"]] and marker.marked == 2
    assert shown[0][0] is IntegrationState.DEGRADED and "503 ServiceUnavailable" in shown[0][1]
    # marking works again: Health shows the mailbox healthy at once, not after the next poll
    assert mail_health(monitor).state is IntegrationState.OK and not mail_health(monitor).last_error
    await marker.close()


async def test_marking_that_works_leaves_another_failure_of_the_mailbox_alone() -> None:
    settings = Settings(mail_source="m365")
    monitor = HealthMonitor(settings, MemorySecretStore({}))
    monitor.report(HEALTH_NAME, "polling the mailbox failed: 401")
    monitor.report(HEALTH_NAME, None, clears="marking handled mail in the mailbox failed: 503")
    assert "polling the mailbox failed" in mail_health(monitor).last_error
    monitor.report(HEALTH_NAME, None)  # the next good poll
    assert mail_health(monitor).state is IntegrationState.OK
