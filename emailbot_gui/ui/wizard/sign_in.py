"""The operator's Microsoft 365 sign-in from the setup forms: in the system browser, or with a code typed
at microsoft.com/devicelogin (for machines without a usable browser). The sign-in is kept where the running
console reads it (msal's token cache in the secret store), so the operator signs in once.

`sign_in_operator` is the real thing (services.connector_builders.build_graph); tests pass their own with
the local identity-platform stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from emailbot_gui.config.settings import Settings
from emailbot_gui.ui.async_call import TaskRunner, describe_error
from emailbot_gui.ui.wizard.fields import StatusLine

BROWSER, CODE = "browser", "code"
ShowCode = Callable[[Any], None]  # gets the DeviceCodePrompt (user_code, verification_uri, message)
Signer = Callable[[Settings, Any, str, ShowCode], Awaitable[str]]


async def sign_in_operator(settings: Settings, secrets: Any, how: str, show_code: ShowCode, *,
                           hooks: Any = None) -> str:
    """Sign the operator in (BROWSER or CODE); returns the account's name. The token cache goes to `secrets`.
    `hooks`: services.connector_builders.ConnectorHooks (tests: the local identity platform)."""
    from emailbot_gui.connectors.graph import DelegatedAuth
    from emailbot_gui.services.connector_builders import NO_HOOKS, build_graph

    connectors = build_graph(settings, secrets, hooks or NO_HOOKS)
    try:
        if how == BROWSER:
            return await connectors.operator.sign_in_interactive(login_hint="")
        prompt = await connectors.operator.start_device_code()
        show_code(prompt)
        try:
            return await connectors.operator.finish_device_code(prompt)
        except asyncio.CancelledError:
            DelegatedAuth.cancel_device_code(prompt)  # stops msal's polling in its worker thread
            raise
    finally:
        await connectors.aclose()


class SignInPanel(QWidget):
    def __init__(self, runner: TaskRunner, settings: Callable[[], Settings], secrets: Callable[[], Any],
                 signer: Signer = sign_in_operator, *, problem: Callable[[], str] = lambda: "",
                 open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._problem = problem
        self._runner = runner
        self._settings = settings
        self._secrets = secrets
        self._signer = signer
        self._open_url = open_url
        self.signed_in_as = ""
        self.running = False
        self.browser_button = QPushButton("Sign in with Microsoft…", self)
        self.browser_button.setObjectName("signInBrowser")
        self.browser_button.setToolTip("Opens the sign-in page in your browser (the app registration needs the "
                                       "redirect URI http://localhost for mobile and desktop applications)")
        self.code_button = QPushButton("Use a code instead…", self)
        self.code_button.setObjectName("signInCode")
        self.code_button.setToolTip("Sign in on any device at microsoft.com/devicelogin with a one-time code")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("signInCancel")
        self.status = StatusLine(self, name="signInState")
        self.state = self.status.label
        self.code = QLabel(self)
        self.code.setObjectName("signInCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setStyleSheet("font-size: 15pt; font-weight: 600; letter-spacing: 2px;")
        self.copy_button = QPushButton("Copy code", self)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.code.text()))
        self.open_button = QPushButton("Open the sign-in page", self)
        self._url = QUrl()
        self.open_button.clicked.connect(lambda: self._open_url(self._url))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.browser_button)
        buttons.addWidget(self.code_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        code_row = QHBoxLayout()
        code_row.setContentsMargins(0, 0, 0, 0)
        code_row.addWidget(self.code)
        code_row.addWidget(self.copy_button)
        code_row.addWidget(self.open_button)
        code_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addLayout(code_row)
        layout.addWidget(self.status)
        self._code_widgets = (self.code, self.copy_button, self.open_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.browser_button.clicked.connect(lambda: self.start(BROWSER))
        self.code_button.clicked.connect(lambda: self.start(CODE))
        self.cancel_button.clicked.connect(self.cancel)
        self._set_running(False)
        self._show("skipped", "Not signed in yet. You sign in once; the console keeps the sign-in in the system "
                              "keyring and renews it on its own.")

    def start(self, how: str) -> None:
        secrets = self._secrets()
        if self.running or secrets is None:
            return
        problem = self._problem()
        if problem:
            self._show("failing", f"Complete the fields first: {problem}")
            return
        self._set_running(True)
        self._show("running", "Waiting for the sign-in in your browser…" if how == BROWSER
                   else "Asking Microsoft for a code…")
        self._runner.run(self._signer(self._settings(), secrets, how, self._show_code), self._done, self._failed,
                         name="m365-sign-in", what="Signing in to Microsoft 365")

    def cancel(self) -> None:
        if self.running:
            self._runner.cancel("m365-sign-in")
            self._set_running(False)
            self._show("skipped", "Sign-in cancelled.")

    def _show_code(self, prompt: Any) -> None:
        self.code.setText(str(prompt.user_code))
        self._url = QUrl(str(prompt.verification_uri))
        for widget in self._code_widgets:
            widget.show()
        self._show("running", f"Open {prompt.verification_uri} on any device, enter this code and sign in with "
                              "your Microsoft 365 account. This window waits for you.")

    def _done(self, user: str) -> None:
        self.signed_in_as = user
        self._set_running(False)
        self._show("ok", f"Signed in as {user or 'the operator'}. The sign-in is kept in the system keyring.")

    def _failed(self, exc: BaseException) -> None:
        self._set_running(False)
        self._show("failing", f"The sign-in did not work: {describe_error(exc)}")

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.browser_button.setEnabled(not running)
        self.code_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        if not running:
            for widget in self._code_widgets:
                widget.hide()

    def _show(self, status: str, text: str) -> None:
        self.status.show_status(status, text)
