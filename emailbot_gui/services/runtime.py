"""Builds the running app for a mode (demo, a folder of mail, or the configured mail source: Microsoft 365, an
IMAP/SMTP mailbox or Gmail) from paths, settings and the secret store: the store, the mail source, the classifier chain
(prompt-injection flags over OpenAI over the local model), the context sources (demo database, Salesforce,
HubSpot, the customer database), the loop, the outbox with its reply/Teams and CRM transports, the health
monitor and the console. Used by the GUI and by headless `emailbot run` alike, so both run the same loop."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emailbot_gui.classify.injection import FlaggingClassifier
from emailbot_gui.classify.learning import LearningClassifier
from emailbot_gui.classify.local import LocalClassifier, TrainingExample
from emailbot_gui.classify.replies import ReplyTemplates
from emailbot_gui.classify.usage import UsageMeter
from emailbot_gui.config.paths import AppPaths, resources_dir
from emailbot_gui.config.secrets import DATABASE_PASSWORD, EnvSecretStore, SecretStore
from emailbot_gui.config.settings import MAIL_SOURCE_LABELS, Settings, SettingsError
from emailbot_gui.connectors.base import ActionSink, ContextSource, HandledMailbox, MailSource
from emailbot_gui.connectors.customer_db import CustomerDatabaseSource
from emailbot_gui.connectors.demo import DemoMailSource, demo_mail_dir
from emailbot_gui.connectors.demo_outbox import DemoOutbox
from emailbot_gui.connectors.folder import MailFolderSource
from emailbot_gui.mail.parse import parse_message
from emailbot_gui.pipeline.auto_approval import AutoApprovalPolicy
from emailbot_gui.pipeline.enrichment import EnrichmentGateway
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, load_directory
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.pipeline.proposer import Proposer
from emailbot_gui.pipeline.triage_loop import Parser, TriageLoop
from emailbot_gui.services.attachments import AttachmentSource, GraphAttachmentSource, RawMessageAttachmentSource
from emailbot_gui.services.connector_builders import (
    NO_HOOKS,
    ConnectorHooks,
    NotConfigured,
    build_gmail,
    build_graph,
    build_imap,
    read_secret,
)
from emailbot_gui.services.console import TriageConsole
from emailbot_gui.services.events import EventHub
from emailbot_gui.services.health import HealthMonitor
from emailbot_gui.services.live_integrations import EscalationSwitch, LiveIntegrations
from emailbot_gui.services.processed_marker import (
    MarkSettingsOf,
    ProcessedMarker,
    gmail_marking,
    imap_marking,
    m365_marking,
)
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.instance_lock import InstanceLock

log = logging.getLogger(__name__)
HELD_ON_QUIT_SECONDS = 20.0  # how long quitting waits for the undo window's held replies to go out


@dataclass(frozen=True, slots=True)
class Mode:
    demo: bool = False
    mail_dir: Path | None = None
    mail_source: str = ""  # without --demo / --mail-dir: "" = the settings' mail_source ("m365", ...)

    def source_for(self, settings: Settings) -> str:
        """"demo", "folder", or the configured source ("m365", ...)."""
        if self.demo:
            return "demo"
        if self.mail_dir is not None:
            return "folder"
        return self.mail_source or settings.mail_source

    @property
    def label(self) -> str:
        if self.demo:
            return MAIL_SOURCE_LABELS["demo"]
        if self.mail_dir is not None:
            return f"folder {self.mail_dir}"
        return MAIL_SOURCE_LABELS.get(self.mail_source, "Configured mail source")


@dataclass
class Runtime:
    paths: AppPaths
    settings: Settings
    mode: Mode
    store: EmailStore
    loop: TriageLoop
    console: TriageConsole
    events: EventHub
    lock: InstanceLock
    closers: list[ContextSource] = field(default_factory=list)
    secrets: SecretStore | None = None
    health: HealthMonitor | None = None
    integrations: LiveIntegrations | None = None
    graph: Any = None  # the Microsoft 365 connectors (GraphConnectors) when that is the mail source
    gmail: Any = None  # the Gmail connectors (GmailConnectors) when that is the mail source
    marker: ProcessedMarker | None = None  # marks handled mail in the mailbox (Microsoft 365, IMAP, Gmail)

    async def close(self) -> None:
        try:
            await self._close()
        finally:
            self.lock.release()

    async def _close(self) -> None:
        if self.health is not None:
            await self.health.stop()
        await self.console.wait_idle()
        try:  # what the undo window still holds goes now; a dead server must not hold up the quit for long
            await asyncio.wait_for(self.console.deliver_held(), HELD_ON_QUIT_SECONDS)
        except TimeoutError:
            log.warning("held replies could not all be delivered within %g s of quitting; they are sent at the "
                        "next start", HELD_ON_QUIT_SECONDS)
        await self.console.dispatcher.close()
        if self.marker is not None:
            await self.marker.close()
        await self.console.learner.close()
        close_source = getattr(self.loop.source, "aclose", None)
        if close_source is not None:
            await close_source()
        for source in self.closers:
            close = getattr(source, "close", None)
            if close is not None:
                await close()
        if self.integrations is not None:
            await self.integrations.close()
        if self.graph is not None:
            await self.graph.aclose()
        if self.gmail is not None:
            await self.gmail.aclose()
        await self.store.close()


def console_identity(paths: AppPaths) -> str:
    """This installation, as the outbox's claims name it: the same across restarts (one console per data folder,
    see InstanceLock), different for every console that shares a queue database."""
    folder = hashlib.sha256(str(paths.data_dir.resolve()).encode()).hexdigest()[:12]
    return f"{socket.gethostname()}:{folder}"


def shipped_model_path() -> Path:
    return resources_dir() / "model" / "local_model.npz"


def _local_mail_source(mode: Mode) -> MailSource:
    if mode.demo:
        return DemoMailSource(MailFolderSource(demo_mail_dir(), name="demo-corpus"))
    if mode.mail_dir is None:
        raise ValueError("no mail source: use --demo or --mail-dir")
    return MailFolderSource(mode.mail_dir)


@dataclass
class _Mail:
    source: MailSource
    sink: ActionSink
    parser: Parser
    escalations: EscalationSwitch | None = None
    graph: Any = None
    gmail: Any = None
    mailbox: HandledMailbox | None = None  # where handled mail is marked, as `marking` reads the settings
    marking: MarkSettingsOf = m365_marking

    async def aclose(self) -> None:
        for connectors in (self.graph, self.gmail):
            if connectors is not None:
                await connectors.aclose()


async def _mail(paths: AppPaths, settings: Settings, mode: Mode, secrets: SecretStore,
                hooks: ConnectorHooks) -> _Mail:
    kind = mode.source_for(settings)
    if kind in ("demo", "folder"):
        return _Mail(_local_mail_source(mode), DemoOutbox(paths.data_dir / "outbox"), parse_message)
    if kind == "imap":
        try:
            source, sink = build_imap(settings, secrets)
        except NotConfigured as exc:
            raise SettingsError(f"{exc}. {exc.fix}".strip(), "mail_source") from None
        from emailbot_gui.connectors.imap import ImapMailbox

        # Escalation goes by email to the chosen people (Teams needs Microsoft 365), so no Teams switch.
        return _Mail(source, sink, parse_message, mailbox=ImapMailbox(source.settings, source.password),
                     marking=imap_marking)
    if kind == "gmail":
        try:
            gmail = await build_gmail(settings, secrets, hooks)
        except NotConfigured as exc:
            raise SettingsError(f"{exc}. {exc.fix}".strip(), "mail_source") from None
        return _Mail(gmail.source, gmail.sink, parse_message, gmail=gmail,  # escalations are emails, as for IMAP
                     mailbox=gmail.mailbox, marking=gmail_marking)
    try:
        graph = build_graph(settings, secrets, hooks)
    except NotConfigured as exc:
        raise SettingsError(f"{exc}. {exc.fix}".strip(), "mail_source") from None
    from emailbot_gui.connectors.graph import parse_graph_message

    escalations = EscalationSwitch(graph.sink, settings.teams_escalation_enabled)
    return _Mail(graph.source, escalations, parse_graph_message, escalations, graph, mailbox=graph.mailbox,
                 marking=m365_marking)


async def build_runtime(paths: AppPaths, settings: Settings, mode: Mode, *, secrets: SecretStore | None = None,
                        hooks: ConnectorHooks = NO_HOOKS, start_health: bool = True) -> Runtime:
    """`secrets`: the OS keyring behind the environment overlay (config.secrets.open_secret_store); None:
    environment variables only. `hooks`: for tests. `start_health`: run the periodic integration checks."""
    secrets = secrets if secrets is not None else EnvSecretStore()
    lock = InstanceLock(paths.data_dir)
    lock.acquire()
    try:
        store = await EmailStore.open(await _store_url(paths, settings, secrets))
    except BaseException:
        lock.release()
        raise
    try:
        runtime = await _assemble(paths, settings, mode, EventHub(), store, lock, secrets, hooks)
    except BaseException:
        await store.close()
        lock.release()
        raise
    if start_health and runtime.health is not None:
        runtime.health.start()
    return runtime


async def _store_url(paths: AppPaths, settings: Settings, secrets: SecretStore) -> str:
    if not settings.database_url:
        return sqlite_url(paths.database)
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" and not url.password:
        password = await read_secret(secrets, DATABASE_PASSWORD)
        if password:
            return url.set(password=password).render_as_string(hide_password=False)
    return settings.database_url


async def _assemble(paths: AppPaths, settings: Settings, mode: Mode, events: EventHub, store: EmailStore,
                    lock: InstanceLock, secrets: SecretStore, hooks: ConnectorHooks) -> Runtime:
    actor = settings.operator_name or _os_user()
    corrections = [TrainingExample(subject=s, body=b, category=c, urgency=u)
                   for s, b, c, u in await store.training_examples()]
    # Reading and checking the model takes a while: off the event loop, which in the GUI is the window's.
    learner = LearningClassifier(await asyncio.to_thread(LocalClassifier.load, shipped_model_path()))
    for example in corrections:
        learner.learn(example)  # retrains once, in the background
    context: list[ContextSource] = []
    if mode.demo:
        from emailbot_gui.demo.customers import build_customer_db

        if not paths.demo_customer_db.exists():
            await asyncio.to_thread(build_customer_db, paths.demo_customer_db)
        context.append(CustomerDatabaseSource.sqlite_readonly(paths.demo_customer_db, name="Customer database"))
    # The demo's people are demo data: a real mailbox escalates only to the people set in the settings.
    base_people = load_directory(resources_dir() / "demo" / "people.json") if mode.demo else []
    # What comes from the settings (the people, the auto-approval rules, timeouts and retries) is set by
    # `integrations.apply(settings, initial=True)` below, as it is on every later change of the settings.
    policy = EscalationPolicy(base_people)
    templates = ReplyTemplates.load([resources_dir() / "templates" / "replies", paths.templates_dir])
    proposer = Proposer(templates, policy, actor)
    gateway = EnrichmentGateway(context, history=store.latest_enrichment_for_sender)
    mail = await _mail(paths, settings, mode, secrets, hooks)
    try:
        poll_interval = settings.demo_poll_seconds if mode.demo else settings.polling_interval_minutes * 60
        loop = TriageLoop(store, mail.source, FlaggingClassifier(learner, worker=learner.worker), gateway, proposer,
                          settings, events, mail.parser, poll_interval=poll_interval, parse_pool=learner.worker)
        dispatcher = OutboxDispatcher(store, mail.sink, events, claimer=console_identity(paths))
        monitor = HealthMonitor(settings, secrets, events=events, hooks=hooks)
        auto_policy = AutoApprovalPolicy(store=store)
        meter = UsageMeter()
        integrations = LiveIntegrations(
            settings=settings, secrets=secrets, monitor=monitor, events=events, gateway=gateway, loop=loop,
            dispatcher=dispatcher, learner=learner, policy=policy, auto_policy=auto_policy, meter=meter,
            base_context=context, base_people=base_people, escalations=mail.escalations, demo=mode.demo,
            hooks=hooks)
        await integrations.apply(settings, initial=True)
        console = TriageConsole(store, loop, dispatcher, proposer, policy, learner, events, actor=actor,
                                demo=mode.demo, settings=settings, secrets=secrets,
                                health=monitor, integrations=integrations, auto_approval=auto_policy, meter=meter,
                                settings_file=paths.settings_file,
                                directory=mail.graph.directory if mail.graph is not None else None,
                                attachments=_attachment_source(mail))
        marker = None
        if mail.mailbox is not None:
            marker = ProcessedMarker(store, mail.mailbox, events, lambda: integrations.settings,
                                     source=mail.source.name, marking=mail.marking, health=monitor)
    except BaseException:
        await asyncio.shield(mail.aclose())
        raise
    return Runtime(paths, settings, mode, store, loop, console, events, lock, closers=context, secrets=secrets,
                   health=monitor, integrations=integrations, graph=mail.graph, gmail=mail.gmail, marker=marker)


def _attachment_source(mail: _Mail) -> AttachmentSource | None:
    """Where the console fetches attachments: Graph for Microsoft 365, the message files for local sources."""
    if mail.graph is not None:
        return GraphAttachmentSource(mail.graph.mailbox, mail.graph.source.name)
    if hasattr(mail.source, "read_raw"):
        return RawMessageAttachmentSource(mail.source)  # type: ignore[arg-type]
    return None


def _os_user() -> str:
    """The operator's full name from the OS account when it has one; never a system account's name."""
    try:
        login = getpass.getuser()
    except Exception:  # no user name in some containers
        return "Support team"
    full_name = ""
    try:
        import pwd

        full_name = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        pass
    if login in {"root", "admin", "administrator"} and full_name in {"", "root", login}:
        return "Support team"
    return full_name or login
