"""Signing in with Google from the Gmail form: Google's consent page in the system browser, its redirect
caught on 127.0.0.1 (connectors.gmail.consent), the code exchanged for a refresh token. The sign-in runs as a
task on the window's asyncio loop, so the window stays usable and Cancel stops the wait. The panel hands the
tokens up (`signed_in`); the form keeps the refresh token with the secrets it saves.

`sign_in_google` is the real thing; tests pass their own hooks to it (the local Google stand-in)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.wizard.fields import StatusLine

OpenBrowser = Callable[[str], object]
GoogleSigner = Callable[[Settings, Any, OpenBrowser], Coroutine[Any, Any, Any]]  # -> connectors.gmail.GoogleTokens
TASK = "gmail-sign-in"


async def sign_in_google(settings: Settings, secrets: Any, open_browser: OpenBrowser, *, hooks: Any = None) -> Any:
    """The installed-app sign-in for the settings' client id and mailbox; the client secret comes from
    `secrets` (typed or saved). Returns GoogleTokens. `hooks`: services.connector_builders.ConnectorHooks."""
    from emailbot_gui.config.secrets import GMAIL_CLIENT_SECRET
    from emailbot_gui.connectors.gmail import sign_in_installed_app
    from emailbot_gui.services.connector_builders import NO_HOOKS, NotConfigured, gmail_settings, read_secret

    hooks = hooks or NO_HOOKS
    config = gmail_settings(settings, hooks)
    client_secret = await read_secret(secrets, GMAIL_CLIENT_SECRET)
    if not client_secret:
        raise NotConfigured("Enter the client secret first.")
    return await sign_in_installed_app(settings.gmail_client_id, client_secret, open_browser=open_browser,
                                       login_hint=settings.gmail_mailbox, authorization_url=config.authorization_url,
                                       token_url=config.token_url, transport=hooks.gmail_transport)


class GoogleSignInPanel(QWidget):
    signed_in = Signal(object)  # GoogleTokens

    def __init__(self, runner: TaskRunner, settings: Callable[[], Settings], secrets: Callable[[], Any],
                 signer: GoogleSigner = sign_in_google, *, problem: Callable[[], str] = lambda: "",
                 open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._settings = settings
        self._secrets = secrets
        self._signer = signer
        self._problem = problem
        self._open_url = open_url
        self.running = False
        self.button = QPushButton("Sign in with Google…", self)
        self.button.setObjectName("gmailSignIn")
        self.button.setToolTip("Opens Google's sign-in page in your browser; sign in with the mailbox's account")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("gmailSignInCancel")
        self.status = StatusLine(self, name="gmailSignInState")
        self.state = self.status.label
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.state.setOpenExternalLinks(True)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._set_running(False)
        self.show_state("skipped", "Not signed in yet.")

    def start(self) -> None:
        if self.running:
            return
        problem = self._problem()
        if problem:
            self.show_state("failing", f"Complete the fields first: {problem}")
            return
        self._set_running(True)
        self.show_state("running", "Waiting for you to sign in in your browser… (Cancel stops waiting)")
        self._runner.run(self._signer(self._settings(), self._secrets(), self._open_browser), self._done,
                         self._failed, name=TASK, what="Signing in with Google")

    def cancel(self) -> None:
        if self.running:
            self._runner.cancel(TASK)  # closes the listener on 127.0.0.1: a late redirect finds nobody
            self._set_running(False)
            self.show_state("skipped", "Sign-in cancelled.")

    def show_state(self, status: str, text: str, *, rich: bool = False) -> None:
        self.status.show_status(status, text if rich else escape(text))

    def _open_browser(self, url: str) -> None:
        if not self._open_url(QUrl(url)):
            link = f"<a href='{escape(url, True)}'>Google's sign-in page</a>"
            self.show_state("running", f"No browser could be opened: open {link} yourself (right-click to copy the "
                                       "link). Waiting…", rich=True)

    def _done(self, tokens: Any) -> None:
        self._set_running(False)
        granted = ", ".join(s.rsplit("/", 1)[-1] for s in tokens.scopes)
        self.show_state("ok", f"Signed in with Google (access granted: {granted}). The sign-in is kept in the "
                              "system keyring once you save.")
        self.signed_in.emit(tokens)

    def _failed(self, exc: BaseException) -> None:
        self._set_running(False)
        self.show_state("failing", f"The sign-in did not work: {describe_error(exc)}")

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.button.setEnabled(not running)
        self.cancel_button.setVisible(running)
