"""Builds the running app for a mode (demo, a folder of mail) from paths and settings: the store, the
mail source, the classifier, the context sources, the loop, the outbox and the console. Used by the GUI
and by headless `emailbot run` alike, so both run the very same loop."""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field
from pathlib import Path

from emailbot_gui.classify.learning import LearningClassifier
from emailbot_gui.classify.local import LocalClassifier, TrainingExample
from emailbot_gui.classify.replies import ReplyTemplates
from emailbot_gui.config.paths import AppPaths, resources_dir
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.base import ContextSource, MailSource
from emailbot_gui.connectors.customer_db import CustomerDatabaseSource
from emailbot_gui.connectors.demo import DemoMailSource, demo_mail_dir
from emailbot_gui.connectors.demo_outbox import DemoOutbox
from emailbot_gui.connectors.folder import MailFolderSource
from emailbot_gui.mail.parse import parse_message
from emailbot_gui.pipeline.enrichment import EnrichmentGateway
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, load_directory
from emailbot_gui.pipeline.outbox_dispatcher import OutboxDispatcher
from emailbot_gui.pipeline.proposer import Proposer
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.console import TriageConsole
from emailbot_gui.services.events import EventHub
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.instance_lock import InstanceLock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mode:
    demo: bool = False
    mail_dir: Path | None = None

    @property
    def label(self) -> str:
        return "demo mailbox" if self.demo else f"folder {self.mail_dir}"


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

    async def close(self) -> None:
        try:
            await self._close()
        finally:
            self.lock.release()

    async def _close(self) -> None:
        await self.console.wait_idle()
        await self.console.learner.close()
        close_source = getattr(self.loop.source, "aclose", None)
        if close_source is not None:
            await close_source()
        for source in self.closers:
            close = getattr(source, "close", None)
            if close is not None:
                await close()
        await self.store.close()


def shipped_model_path() -> Path:
    return resources_dir() / "model" / "local_model.npz"


def _mail_source(mode: Mode) -> MailSource:
    if mode.demo:
        return DemoMailSource(MailFolderSource(demo_mail_dir(), name="demo-corpus"))
    if mode.mail_dir is None:
        raise ValueError("no mail source: use --demo or --mail-dir")
    return MailFolderSource(mode.mail_dir)


async def build_runtime(paths: AppPaths, settings: Settings, mode: Mode) -> Runtime:
    lock = InstanceLock(paths.data_dir)
    lock.acquire()
    try:
        store = await EmailStore.open(settings.database_url or sqlite_url(paths.database))
    except BaseException:
        lock.release()
        raise
    try:
        return await _assemble(paths, settings, mode, EventHub(), store, lock)
    except BaseException:
        await store.close()
        lock.release()
        raise


async def _assemble(paths: AppPaths, settings: Settings, mode: Mode, events: EventHub,
                    store: EmailStore, lock: InstanceLock) -> Runtime:
    actor = settings.operator_name or _os_user()
    corrections = [TrainingExample(subject=s, body=b, category=c, urgency=u)
                   for s, b, c, u in await store.training_examples()]
    learner = LearningClassifier(LocalClassifier.load(shipped_model_path()))
    for example in corrections:
        learner.learn(example)  # retrains once, in the background
    context: list[ContextSource] = []
    if mode.demo:
        from emailbot_gui.demo.customers import build_customer_db

        if not paths.demo_customer_db.exists():
            build_customer_db(paths.demo_customer_db)
        context.append(CustomerDatabaseSource.sqlite_readonly(paths.demo_customer_db, name="Customer database"))
    people = load_directory(resources_dir() / "demo" / "people.json")
    policy = EscalationPolicy(people)
    templates = ReplyTemplates.load([resources_dir() / "templates" / "replies", paths.templates_dir])
    proposer = Proposer(templates, policy, actor)
    gateway = EnrichmentGateway(context, timeout=min(settings.request_timeout, 10.0))
    poll_interval = settings.demo_poll_seconds if mode.demo else settings.polling_interval_minutes * 60
    loop = TriageLoop(store, _mail_source(mode), learner, gateway, proposer, settings, events, parse_message,
                      poll_interval=poll_interval)
    dispatcher = OutboxDispatcher(store, DemoOutbox(paths.data_dir / "outbox"), events,
                                  max_attempts=max(1, settings.max_retries))
    console = TriageConsole(store, loop, dispatcher, proposer, policy, learner, events, actor=actor,
                            people=people, demo=mode.demo)
    return Runtime(paths, settings, mode, store, loop, console, events, lock, closers=context)


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
