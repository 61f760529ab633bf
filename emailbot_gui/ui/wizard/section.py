"""A settings section: the form for one concern (mail source, AI, a CRM, escalation) used by the setup
wizard's pages and the Settings dialog alike, so the form code exists once. `SectionSet` holds the
sections of one wizard or dialog: it builds the draft settings and secrets from all of them (a test of
one section may need another's values), tracks which secrets are saved, and saves everything at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from emailbot_gui.config.secrets import SecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.services.checks import Check
from emailbot_gui.ui.async_call import TaskRunner
from emailbot_gui.ui.wizard.connection_test import ConnectionTest
from emailbot_gui.ui.wizard.draft_secrets import (
    ENVIRONMENT,
    SAVED,
    DraftSecrets,
    is_persistent,
    save_secrets,
    saved_names,
)
from emailbot_gui.ui.wizard.google_sign_in import GoogleSigner, sign_in_google
from emailbot_gui.ui.wizard.secret_field import SecretField
from emailbot_gui.ui.wizard.sign_in import Signer, sign_in_operator

R = TypeVar("R")
Tester = Callable[[str, Settings, Any], Awaitable[Sequence[Check]]]


async def real_test_integration(name: str, settings: Settings, secrets: Any) -> Sequence[Check]:
    from emailbot_gui.services.integrations import test_integration

    return await test_integration(name, settings, secrets)


@dataclass
class FormContext:
    runner: TaskRunner
    tester: Tester
    secrets: SecretStore | None  # the real store (keyring); written only on save
    draft_settings: Callable[[], Settings]
    draft_secrets: Callable[[], DraftSecrets]
    refresh_secret: Callable[[SecretField], None]
    signer: Signer = sign_in_operator
    google_signer: GoogleSigner = sign_in_google


class SettingsSection(QWidget):
    """Override `load`, `apply`, `errors` and `secret_fields`; emit `changed` when a value changes."""

    changed = Signal()
    title = ""
    key = ""

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tests: list[ConnectionTest] = []

    def load(self, settings: Settings) -> None:
        raise NotImplementedError

    def apply(self, settings: Settings) -> Settings:
        raise NotImplementedError

    def errors(self) -> list[str]:
        return []

    def reveal(self) -> None:
        """Show every field's problem (the operator tried to go on with an incomplete form)."""

    def secret_fields(self) -> list[SecretField]:
        """Every secret field of the section (for the saved / not saved state)."""
        return []

    def active_secret_fields(self) -> list[SecretField]:
        """The secrets the current choices use: only those are saved."""
        return self.secret_fields()

    def summary(self, settings: Settings) -> list[str]:
        """Lines for the wizard's summary page."""
        return []

    def connection_test(self, integration: str, *, errors: Callable[[], list[str]] | None = None,
                        label: str = "Test connection") -> ConnectionTest:
        check_errors = errors or self.errors

        def start() -> Any:
            problems = check_errors()
            if problems:
                self.reveal()
                return f"Complete the fields first: {problems[0]}"
            return self.ctx.tester(integration, self.ctx.draft_settings(), self.ctx.draft_secrets())

        test = ConnectionTest(self.ctx.runner, start, key=integration, label=label, parent=self)
        self.changed.connect(test.reset)  # a result is only shown for the values it was made with
        self.tests.append(test)
        return test


class SectionSet:
    def __init__(self, base: Settings, secrets: SecretStore | None, runner: TaskRunner,
                 tester: Tester | None = None, signer: Signer | None = None,
                 google_signer: GoogleSigner | None = None) -> None:
        self.base = base
        self.secrets = secrets
        self.runner = runner
        self.sections: list[SettingsSection] = []
        self.ctx = FormContext(runner, tester or real_test_integration, secrets, self.draft_settings,
                               self.draft_secrets, self.refresh_field, signer or sign_in_operator,
                               google_signer or sign_in_google)

    @property
    def persistent(self) -> bool:
        return is_persistent(self.secrets)

    def add(self, section: SettingsSection) -> SettingsSection:
        self.sections.append(section)
        section.load(self.base)
        for field in section.secret_fields():
            field.set_persistent(self.persistent)
        return section

    def draft_settings(self, sections: Sequence[SettingsSection] | None = None) -> Settings:
        """The settings with what the sections (all, or those given) show applied."""
        settings = self.base
        for section in self.sections if sections is None else sections:
            settings = section.apply(settings)
        return settings

    def typed_secrets(self, sections: Sequence[SettingsSection] | None = None) -> dict[str, str]:
        """The secrets typed into the sections (all, or those given) that their current choices use."""
        return {f.name(): f.typed() for s in (self.sections if sections is None else sections)
                for f in s.active_secret_fields() if f.typed() and f.name()}

    def draft_secrets(self) -> DraftSecrets:
        return DraftSecrets(self.secrets, self.typed_secrets())

    def errors(self) -> list[str]:
        return [e for s in self.sections for e in s.errors()]

    def refresh_saved(self) -> None:
        """Look up (in a worker thread) which secrets are stored, and show them as saved."""
        fields = [f for s in self.sections for f in s.secret_fields()]

        def show(found: dict[str, str]) -> None:
            for field in fields:
                field.set_source(found.get(field.name(), ""))

        if fields:
            self.runner.run(saved_names(self.secrets, [f.name() for f in fields]), show,
                            name="secrets:lookup", what="Reading which secrets are saved")

    def refresh_field(self, field: SecretField) -> None:
        """Its name changed (another client id was typed): is there a secret under the new name?"""
        name = field.name()

        def show(found: dict[str, str]) -> None:
            if field.name() == name:  # not typed over meanwhile
                field.set_source(found.get(name, ""))

        self.runner.run(saved_names(self.secrets, [name]), show, name=f"secrets:{id(field)}",
                        what="Reading which secrets are saved")

    async def save(self, write: Callable[[Settings], Awaitable[R]], *, settings: Settings | None = None,
                   secrets: Mapping[str, str] | None = None) -> R:
        """Secrets first (to the store, in a worker thread), then the settings through `write`; the typed
        values are then dropped from the widgets. `settings` / `secrets`: what to save instead of the draft."""
        settings = self.draft_settings() if settings is None else settings
        typed = self.typed_secrets() if secrets is None else secrets
        if typed:
            if self.secrets is None:
                raise RuntimeError("there is no secret store to save the secrets to")
            await save_secrets(self.secrets, typed)
        result = await write(settings)
        self.base = settings
        # What was just written is saved (unless an environment variable overrides it); no other secret changed,
        # so nothing is read back from the keyring.
        from_env = getattr(self.secrets, "from_environment", None)
        for section in self.sections:
            for field in section.secret_fields():
                field.forget_typed()
                if field.name() in typed:
                    field.set_source(ENVIRONMENT if from_env is not None and from_env(field.name()) else SAVED)
        return result
