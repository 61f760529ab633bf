"""Gmail as a mail source in the app's settings: the gmail_* settings and their validation, the secrets and
their environment variables, the builder's NotConfigured answers, and the integration check (wizard, doctor,
health) against the local fake, with the fix it proposes."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from emailbot_gui.config.secrets import (
    GMAIL_CLIENT_SECRET,
    GMAIL_REFRESH_TOKEN,
    GMAIL_SERVICE_ACCOUNT_KEY,
    EnvSecretStore,
    MemorySecretStore,
    env_variable_for,
    secret_label,
)
from emailbot_gui.config.settings import MAIL_SOURCES, Settings, SettingsError, load_settings
from emailbot_gui.services.connector_builders import NotConfigured, build_gmail, gmail_settings
from emailbot_gui.services.integrations import test_integration as check
from tests.gmail.conftest import hooks_for, key_json
from tests.gmail.fake_gmail import CLIENT_ID, CLIENT_SECRET, MAILBOX, MODIFY, SEND, FakeGmail, mail


def gmail(**kw) -> Settings:  # type: ignore[no-untyped-def]
    values = {"mail_source": "gmail", "gmail_mailbox": MAILBOX, "gmail_client_id": CLIENT_ID}
    return Settings(**{**values, **kw}).validate()


def test_gmail_is_available_and_its_settings_come_from_the_file_or_the_environment():
    assert "gmail" in MAIL_SOURCES
    s = Settings()
    assert (s.gmail_auth_mode, s.gmail_label, s.gmail_initial_sync_days) == ("installed_app", "INBOX", 14)
    env = {"EMAILBOT_MAIL_SOURCE": "gmail", "EMAILBOT_GMAIL_MAILBOX": MAILBOX,
           "EMAILBOT_GMAIL_AUTH_MODE": "service_account", "EMAILBOT_GMAIL_LABEL": "Label_12",
           "EMAILBOT_GMAIL_INITIAL_SYNC_DAYS": "0"}
    s = load_settings(None, environ=env)
    assert (s.mail_source, s.gmail_mailbox, s.gmail_auth_mode, s.gmail_label, s.gmail_initial_sync_days) == (
        "gmail", MAILBOX, "service_account", "Label_12", 0)


@pytest.mark.parametrize(("field", "value"), [
    ("gmail_mailbox", "support"), ("gmail_auth_mode", "password"), ("gmail_client_id", "1234-secret"),
    ("gmail_client_id", "a b.apps.googleusercontent.com"), ("gmail_label", " "), ("gmail_initial_sync_days", -1),
    ("gmail_processed_label", "Inbox"), ("gmail_processed_label", "TRASH"), ("gmail_processed_label", "a\tb"),
    ("gmail_processed_label", "x" * 226)])
def test_an_invalid_gmail_setting_is_named(field, value):
    with pytest.raises(SettingsError, match=field) as raised:
        Settings(**{field: value}).validate()
    assert raised.value.field == field


def test_the_gmail_secrets_have_names_labels_and_environment_variables():
    assert {env_variable_for(n) for n in (GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN, GMAIL_SERVICE_ACCOUNT_KEY)} == {
        "EMAILBOT_GMAIL_CLIENT_SECRET", "EMAILBOT_GMAIL_REFRESH_TOKEN", "EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY"}
    assert secret_label(GMAIL_SERVICE_ACCOUNT_KEY) == "Google service account key"


def test_the_builder_points_at_other_endpoints_only_through_hooks(fake):
    assert gmail_settings(gmail()).api_base_url == "https://gmail.googleapis.com/gmail/v1"
    config = gmail_settings(gmail(gmail_label="Label_3", gmail_initial_sync_days=3), hooks_for(fake))
    assert (config.api_base_url, config.token_url, config.label, config.initial_sync_days) == (
        fake.api, fake.token_url, "Label_3", 3)
    with pytest.raises(NotConfigured, match="mailbox") as raised:
        gmail_settings(Settings(mail_source="gmail"))
    assert "Gmail" in raised.value.fix


async def test_what_the_builder_needs_is_named(fake, sa_private_key):
    hooks = hooks_for(fake)
    with pytest.raises(NotConfigured, match="gmail_client_id"):
        await build_gmail(gmail(gmail_client_id=""), MemorySecretStore(), hooks)
    with pytest.raises(NotConfigured, match="client secret") as raised:
        await build_gmail(gmail(), MemorySecretStore(), hooks)
    assert "EMAILBOT_GMAIL_CLIENT_SECRET" in raised.value.fix
    with pytest.raises(NotConfigured, match="service account key is not set"):
        await build_gmail(gmail(gmail_auth_mode="service_account"), MemorySecretStore(), hooks)
    with pytest.raises(NotConfigured, match="unusable"):
        await build_gmail(gmail(gmail_auth_mode="service_account"),
                          MemorySecretStore({GMAIL_SERVICE_ACCOUNT_KEY: '{"type": "authorized_user"}'}), hooks)
    # Secrets from the environment only (no keyring): the same connectors.
    env = EnvSecretStore({"EMAILBOT_GMAIL_SERVICE_ACCOUNT_KEY": key_json(sa_private_key)})
    connectors = await build_gmail(gmail(gmail_auth_mode="service_account"), env, hooks)
    try:
        assert (await connectors.check()).ok
    finally:
        await connectors.aclose()


async def test_the_check_says_to_sign_in_then_passes(fake):
    hooks = hooks_for(fake)
    secrets = MemorySecretStore({GMAIL_CLIENT_SECRET: CLIENT_SECRET})
    [result] = await check("mail", gmail(), secrets, hooks=hooks)
    assert result.status == "failing" and "not signed in" in result.detail and "Sign in with Google" in result.fix
    secrets.set(GMAIL_REFRESH_TOKEN, fake.issue_refresh_token())
    fake.deliver(mail(1))
    [result] = await check("mail", gmail(), secrets, hooks=hooks)
    assert result.status == "ok" and f"Connected to {MAILBOX}: 1 messages" in result.detail


async def test_the_check_names_missing_scopes_and_where_to_grant_them(fake, sa_private_key):
    hooks = hooks_for(fake)
    secrets = MemorySecretStore({GMAIL_CLIENT_SECRET: CLIENT_SECRET,
                                 GMAIL_REFRESH_TOKEN: fake.issue_refresh_token({MODIFY}),
                                 GMAIL_SERVICE_ACCOUNT_KEY: key_json(sa_private_key)})
    [result] = await check("mail", gmail(), secrets, hooks=hooks)
    assert result.status == "failing" and "gmail.send" in result.detail and SEND in result.fix
    assert "Sign in with Google again" in result.fix
    fake.sa_allowed_scopes = {MODIFY}  # the admin delegated only one of the two scopes
    [result] = await check("mail", gmail(gmail_auth_mode="service_account"), secrets, hooks=hooks)
    assert result.status == "failing" and "Domain-wide delegation" in result.detail + result.fix


class RotatingRefreshTokens(httpx.AsyncBaseTransport):
    """Google handing out a new refresh token with a refresh, as it may: the fake's answers, passed on, with a
    fresh refresh token added to each token answer."""

    def __init__(self, fake: FakeGmail) -> None:
        self.fake = fake
        self.issued: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with httpx.AsyncClient() as http:
            answer = await http.send(request)
        if request.url.path != "/token" or answer.status_code != 200:
            return httpx.Response(answer.status_code, headers={"content-type": "application/json"},
                                  content=answer.content)
        self.issued.append(self.fake.issue_refresh_token())
        return httpx.Response(200, json={**json.loads(answer.content), "refresh_token": self.issued[-1]})


async def test_a_refresh_token_google_rotates_is_saved_back_to_the_keyring(fake):
    rotating = RotatingRefreshTokens(fake)
    first = fake.issue_refresh_token()
    secrets = MemorySecretStore({GMAIL_CLIENT_SECRET: CLIENT_SECRET, GMAIL_REFRESH_TOKEN: first})
    connectors = await build_gmail(gmail(), secrets, replace(hooks_for(fake), gmail_transport=rotating))
    try:
        assert (await connectors.check()).ok
    finally:
        await connectors.aclose()
    assert rotating.issued and secrets.get(GMAIL_REFRESH_TOKEN) == rotating.issued[-1] != first
