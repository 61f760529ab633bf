"""The wizard's Test connection running the real check (services.integrations.test_integration) against
the local Microsoft Graph stand-in on 127.0.0.1: msal signs in at the fake authority, the permissions are
read from the token and harmless reads. What the wizard shows must be what the server granted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from emailbot_gui.config.settings import Settings
from emailbot_gui.services import integrations
from emailbot_gui.services.connector_builders import ConnectorHooks
from emailbot_gui.ui.wizard.setup_wizard import MAIL, SetupWizard
from tests.graph.conftest import LocalAuthorityHttp
from tests.graph.fake_authority import PUBLIC_HOST
from tests.graph.fake_graph import CLIENT_SECRET, MAILBOX, FakeGraph
from tests.ui.fake_console import KeyringStandIn

TENANT = "contoso.onmicrosoft.com"  # the wizard wants a real tenant form: a GUID or a domain
CLIENT = "6f1d3c2b-8a9e-4b7f-9c0d-1e2f3a4b5c6d"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    server = FakeGraph().start()
    server.authority.tenant = TENANT
    server.authority.client_id = CLIENT
    yield server
    server.stop()


@pytest.fixture
def msal_http(graph: FakeGraph) -> Iterator[LocalAuthorityHttp]:
    http = LocalAuthorityHttp(graph.url)
    yield http
    http.close()


def wizard_for(qtbot, tmp_path, graph, msal_http) -> SetupWizard:
    hooks = ConnectorHooks(msal_http_client=msal_http)

    async def real_check(name, settings, secrets):
        return await integrations.test_integration(name, settings, secrets, timeout=15, hooks=hooks)

    # The only settings the wizard does not show: where the (fake) cloud is.
    base = Settings(m365_authority_host=PUBLIC_HOST, m365_graph_endpoint=graph.url)
    wizard = SetupWizard(base, KeyringStandIn(), tmp_path / "settings.json", tester=real_check)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == MAIL)
    mail = wizard.mail
    for field, text in ((mail.tenant, TENANT), (mail.client, CLIENT), (mail.mailbox, MAILBOX)):
        qtbot.keyClicks(field.edit, text)
    mail.auth.setCurrentIndex(mail.auth.findData("app_secret"))
    return wizard


def run_test(qtbot, wizard) -> dict[str, str]:
    test = wizard.mail.test
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not test.running, timeout=30_000)
    return {name: status for status, name, _detail, _fix in test.view.rows}


def test_granted_permissions_are_shown_as_working(qtbot, aloop, tmp_path, graph, msal_http, styled_app):
    wizard = wizard_for(qtbot, tmp_path, graph, msal_http)
    qtbot.keyClicks(wizard.mail.secret.edit, CLIENT_SECRET)
    rows = run_test(qtbot, wizard)
    assert rows["Sign-in"] == "ok"
    assert rows["Mail.Read (application)"] == "ok" and rows["Mail.Send (application)"] == "ok"
    assert "needed checks passed" in wizard.mail.test.summary.text()  # the Teams ones are optional here
    assert graph.mailbox.sends == []  # the test sends nothing


def test_a_missing_permission_is_failing_with_the_fix(qtbot, aloop, tmp_path, graph, msal_http, styled_app):
    graph.authority.app_roles = ["Mail.Read"]
    wizard = wizard_for(qtbot, tmp_path, graph, msal_http)
    qtbot.keyClicks(wizard.mail.secret.edit, CLIENT_SECRET)
    rows = run_test(qtbot, wizard)
    assert rows["Mail.Read (application)"] == "ok"
    assert rows["Mail.Send (application)"] == "failing"
    send = next(r for r in wizard.mail.test.view.rows if r[1] == "Mail.Send (application)")
    assert "admin consent" in send[3]
    assert "checks failed" in wizard.mail.test.summary.text()


def test_a_wrong_secret_fails_the_sign_in(qtbot, aloop, tmp_path, graph, msal_http, styled_app):
    wizard = wizard_for(qtbot, tmp_path, graph, msal_http)
    qtbot.keyClicks(wizard.mail.secret.edit, "not-the-secret")
    rows = run_test(qtbot, wizard)
    assert rows == {"Sign-in": "failing"}
    assert wizard.forms.secrets.writes == []  # nothing was saved, not even a token cache


def test_the_operator_signs_in_with_a_code_then_the_delegated_check_passes(qtbot, aloop, tmp_path, graph,
                                                                            msal_http, styled_app):
    from functools import partial

    from emailbot_gui.ui.wizard.sign_in import sign_in_operator

    hooks = ConnectorHooks(msal_http_client=msal_http)
    store = KeyringStandIn()

    async def real_check(name, settings, secrets):
        return await integrations.test_integration(name, settings, secrets, timeout=15, hooks=hooks)

    base = Settings(m365_authority_host=PUBLIC_HOST, m365_graph_endpoint=graph.url)
    wizard = SetupWizard(base, store, tmp_path / "settings.json", tester=real_check,
                         signer=partial(sign_in_operator, hooks=hooks))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    mail = wizard.mail
    for field, text in ((mail.tenant, TENANT), (mail.client, CLIENT), (mail.mailbox, MAILBOX)):
        qtbot.keyClicks(field.edit, text)
    assert mail.auth_mode() == "delegated" and not mail.secret.isVisible()  # no secret in this mode

    rows = run_test(qtbot, wizard)
    assert rows == {"Sign-in": "failing"}  # not signed in yet: the check says so
    assert "Sign in" in wizard.mail.test.view.rows[0][3]

    qtbot.mouseClick(mail.sign_in.code_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not mail.sign_in.running, timeout=20_000)
    assert mail.sign_in.signed_in_as and mail.sign_in.signed_in_as in mail.sign_in.state.text()
    assert any(name.startswith("m365:token-cache:") for name in store.writes)  # kept for the running console

    rows = run_test(qtbot, wizard)
    assert rows["Sign-in"] == "ok"
    assert rows["Mail.Read.Shared (delegated)"] == "ok" and rows["Mail.Send.Shared (delegated)"] == "ok"
