"""The integrations the running app uses, switched on, off or rebuilt from new settings without a restart:
the CRM sources in the enrichment gateway (and as "create case" targets), the OpenAI classifier in front
of the local one, Teams escalation, the escalation people, auto-approval and the loop's tunables.

Every classifier in use is wrapped in the prompt-injection check (`FlaggingClassifier`), so flags appear
whatever classifies. Only the mail source and the queue database need a restart (`apply` says so)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from emailbot_gui.classify.base import Classifier
from emailbot_gui.classify.injection import FlaggingClassifier
from emailbot_gui.classify.learning import LearningClassifier
from emailbot_gui.classify.usage import UsageMeter
from emailbot_gui.config.secrets import SecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.base import ActionSink, ContextSource, DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.crm_actions import CrmActionSink
from emailbot_gui.core.types import Address, Email, Enrichment, Urgency
from emailbot_gui.pipeline.auto_approval import AutoApprovalPolicy, AutoApprovalSettings
from emailbot_gui.pipeline.enrichment import EnrichmentGateway
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, Person
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.connector_builders import (
    NO_HOOKS,
    ConnectorHooks,
    NotConfigured,
    build_customer_db,
    build_hubspot,
    build_openai,
    build_salesforce,
    context_timeout,
)
from emailbot_gui.services.events import EventHub, Notice
from emailbot_gui.services.health import HealthMonitor, ReportingClassifier, ReportingSource

log = logging.getLogger(__name__)

CRM_NAMES = ("salesforce", "hubspot", "customer_db")
# Changing these needs a restart: the mail source and the queue database are opened once.
RESTART_FIELDS = ("mail_source", "m365_tenant_id", "m365_client_id", "target_mailbox", "m365_auth_mode",
                  "m365_cloud", "m365_certificate_path", "m365_authority_host", "m365_graph_endpoint",
                  "imap_host", "imap_port", "imap_security", "imap_username", "imap_folder", "imap_address",
                  "imap_sent_folder", "imap_append_sent", "imap_ca_file", "imap_allow_plaintext", "smtp_host",
                  "smtp_port", "smtp_security", "smtp_username", "gmail_mailbox", "gmail_auth_mode", "gmail_client_id",
                  "gmail_label", "gmail_initial_sync_days", "database_url")


# Applied in place, read by nothing a connector is built from: changing only these (and no secret) rebuilds no
# connector and keeps the health checks' findings.
LIVE_ONLY_FIELDS = frozenset({"polling_interval_minutes", "batch_size", "log_level", "enrich_concurrency",
                              "demo_poll_seconds", "operator_name", "undo_seconds", "escalation_people",
                              "health_check_interval", "auto_approval", "setup_done",
                              # how handled mail is marked: the marker reads them at each batch
                              "m365_processed_category", "m365_processed_folder", "imap_processed_keyword",
                              "imap_processed_folder", "gmail_processed_label", "gmail_archive_handled"})


class EscalationsOff(Exception):
    """Teams escalation is switched off in the settings."""


class EscalationSwitch:
    """The mail ActionSink with Teams escalation that can be switched off at runtime."""

    def __init__(self, inner: ActionSink, enabled: bool) -> None:
        self.inner = inner
        self.enabled = enabled
        self.name = getattr(inner, "name", "mail")

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        return await self.inner.send_reply(reply)

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        if not self.enabled:
            raise EscalationsOff("Teams escalation is switched off in Settings → Escalation")
        return await self.inner.escalate(escalation)

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        return await self.inner.find_delivered(idempotency_key, progress)


def people_from_settings(escalation_people: Mapping[str, Sequence[str]]) -> list[Person]:
    """Escalation people: key "category", "category:URGENCY" (from that urgency up) or "*" -> addresses."""
    people: list[Person] = []
    for key, addresses in escalation_people.items():
        category, _, urgency = key.partition(":")
        categories = frozenset() if category == "*" else frozenset({category})
        min_urgency = Urgency.parse(urgency.upper()) if urgency else None
        people += [Person(Address(a), "", categories, min_urgency) for a in addresses]
    return people


class LiveIntegrations:
    def __init__(self, *, settings: Settings, secrets: SecretStore, monitor: HealthMonitor, events: EventHub,
                 gateway: EnrichmentGateway, loop: TriageLoop, dispatcher: OutboxDispatcher, learner: Classifier,
                 policy: EscalationPolicy, auto_policy: AutoApprovalPolicy, meter: UsageMeter,
                 base_context: Sequence[ContextSource] = (), base_people: Sequence[Person] = (),
                 escalations: EscalationSwitch | None = None, demo: bool = False,
                 hooks: ConnectorHooks = NO_HOOKS) -> None:
        self.settings = settings
        self.secrets = secrets
        self.monitor = monitor
        self.events = events
        self.gateway = gateway
        self.loop = loop
        self.dispatcher = dispatcher
        self.learner = learner
        self.policy = policy
        self.auto_policy = auto_policy
        self.meter = meter
        self.base_context = list(base_context)
        self.base_people = list(base_people)
        self.escalations = escalations
        self.demo = demo
        self.hooks = hooks
        self.crm: dict[str, Any] = {}  # name -> the connector (ContextSource and CrmActionSink)
        self.openai: Any = None  # the OpenAIClassifier in use, or None

    @property
    def escalations_enabled(self) -> bool:
        return self.escalations is None or self.escalations.enabled

    async def apply(self, new: Settings, *, initial: bool = False, secrets_changed: bool = True) -> bool:
        """Switch to `new`; returns whether something changed that needs a restart. The CRM connectors and
        the OpenAI client are rebuilt (and the health checks start over) unless only LIVE_ONLY_FIELDS changed
        and no secret did (`secrets_changed`: a new secret leaves the settings as they were)."""
        old, self.settings = self.settings, new
        restart = not initial and any(getattr(old, f) != getattr(new, f) for f in RESTART_FIELDS)
        rebuild = initial or secrets_changed or any(getattr(old, f) != getattr(new, f)
                                                    for f in Settings.__dataclass_fields__ if f not in LIVE_ONLY_FIELDS)
        if rebuild:
            await self._crm(new)
            await self._classifier(new)
        if self.escalations is not None:
            self.escalations.enabled = new.teams_escalation_enabled
        self.policy.people = self.base_people + people_from_settings(new.escalation_people)
        self.auto_policy.settings = AutoApprovalSettings.from_json(new.auto_approval)
        self.loop.settings = new
        if not self.demo:
            self.loop.poll_interval = new.polling_interval_minutes * 60
        self.dispatcher.max_attempts = max(1, new.max_retries)
        self.gateway.timeout = context_timeout(new)
        logging.getLogger().setLevel(new.log_level)
        self.monitor.update_settings(new, self.secrets, recheck=rebuild)
        return restart

    async def _crm(self, settings: Settings) -> None:
        builders = {"salesforce": (settings.salesforce_enabled, build_salesforce),
                    "hubspot": (settings.hubspot_enabled, build_hubspot),
                    "customer_db": (settings.customer_db_enabled, build_customer_db)}
        old, fresh = self.crm, dict[str, Any]()
        for name in CRM_NAMES:  # rebuilt on every apply: a changed secret leaves the settings unchanged
            enabled, build = builders[name]
            if not enabled:
                continue
            try:
                fresh[name] = await build(settings, self.secrets)
            except NotConfigured as exc:
                self._cannot_use(name, str(exc))
            except Exception as exc:
                self._cannot_use(name, f"{type(exc).__name__}: {exc}")
        self.crm = fresh
        self.gateway.set_sources(self.base_context + [ReportingSource(s, self.monitor, n) for n, s in fresh.items()])
        sinks: dict[str, CrmActionSink] = {n: s for n, s in fresh.items() if getattr(s, "can_create_tickets", True)}
        self.dispatcher.crm_sinks = sinks
        for source in old.values():
            await _close(source)

    async def _classifier(self, settings: Settings) -> None:
        old, self.openai = self.openai, None
        classifier: Classifier = self.learner
        if settings.openai_enabled:
            try:
                self.openai = await build_openai(settings, self.secrets, self.learner, meter=self.meter,
                                                 context=self._context)
                classifier = ReportingClassifier(self.openai, self.monitor)
            except NotConfigured as exc:
                self._cannot_use("openai", f"{exc}; the local classifier is used")
        # the flood worker process runs the local model: with OpenAI in front, the fallback needs none
        worker = self.learner.worker if isinstance(self.learner, LearningClassifier) and classifier is self.learner \
            else None
        if worker is None and isinstance(self.learner, LearningClassifier):
            await self.learner.worker.close()  # a flood's worker process has nobody to stop it now
        self.loop.classifier = FlaggingClassifier(classifier, worker=worker)
        if old is not None:
            await _close(old)

    async def _context(self, email: Email) -> Enrichment | None:
        return await self.gateway.enrich(email.sender)

    def _cannot_use(self, name: str, why: str) -> None:
        log.warning("%s is enabled but cannot be used: %s", name, why)
        self.events.publish(Notice("warning", f"{name.replace('_', ' ').title()} is enabled but cannot be used: "
                                              f"{why}"))

    async def close(self) -> None:
        for source in self.crm.values():
            await _close(source)
        self.crm = {}
        if self.openai is not None:
            await _close(self.openai)
            self.openai = None


async def _close(thing: Any) -> None:
    close = getattr(thing, "close", None)
    if close is None:
        return
    try:
        await close()
    except Exception as exc:  # closing is best effort: the connection may already be gone
        log.debug("closing %r failed: %s", thing, type(exc).__name__)

