"""Signing in, against the fake Google endpoints: the installed-app flow end to end (consent URL with
PKCE, the browser's redirect to the loopback listener, the code exchange checked against the challenge),
refused or partial consent, a stray request on the loopback port, the service account's JWT (signature and
claims verified by the server), missing domain-wide delegation, the live check, and no secret in logs."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from emailbot_gui.connectors.gmail import (
    SCOPES,
    GmailAuthError,
    ReconsentRequired,
    ServiceAccountKey,
    sign_in_installed_app,
)
from tests.gmail.conftest import key_json
from tests.gmail.fake_gmail import CLIENT_ID, CLIENT_SECRET, MAILBOX, SEND, mail


class Browser:
    """Stands in for the system browser: opens the consent URL (the fake answers with a redirect, as if the
    person had consented) and follows the redirect to the loopback listener."""

    def __init__(self, before: str = "") -> None:
        self.before = before  # a request to send to the loopback port first (e.g. a forged one)
        self.opened: list[str] = []
        self.pages: list[tuple[int, str]] = []
        self.tasks: list[asyncio.Task[None]] = []

    def __call__(self, url: str) -> None:
        self.opened.append(url)
        self.tasks.append(asyncio.get_running_loop().create_task(self._visit(url)))

    async def _visit(self, url: str) -> None:
        async with httpx.AsyncClient() as http:
            consent = await http.get(url)
            if consent.status_code != 302:
                self.pages.append((consent.status_code, consent.text))
                return
            target = consent.headers["location"]
            if self.before:
                port = urlsplit(target).port
                stray = await http.get(f"http://127.0.0.1:{port}/{self.before}")
                self.pages.append((stray.status_code, stray.text))
            landed = await http.get(target)
            self.pages.append((landed.status_code, landed.text))


async def sign_in(fake, browser: Browser, **kw):
    return await sign_in_installed_app(CLIENT_ID, CLIENT_SECRET, open_browser=browser, token_url=fake.token_url,
                                       authorization_url=fake.authorization_url, timeout=10, **kw)


async def test_installed_app_sign_in_end_to_end(fake, build):
    browser = Browser()
    tokens = await sign_in(fake, browser, login_hint=MAILBOX)
    await asyncio.gather(*browser.tasks)
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:") and query["access_type"] == ["offline"]
    assert query["scope"][0].split() == list(SCOPES) and query["login_hint"] == [MAILBOX]
    assert browser.pages[-1][0] == 200 and "You can close this window" in browser.pages[-1][1]
    assert "code=" not in browser.pages[-1][1]
    assert tokens.refresh_token in fake.refresh_tokens and set(tokens.scopes) == set(SCOPES)
    assert fake.grants == ["authorization_code"]
    # The connector runs on the refresh token the sign-in returned.
    c = build(refresh_token=tokens.refresh_token)
    fake.deliver(mail(1))
    assert len((await c.source.fetch(None, 10)).messages) == 1
    check = await c.check()
    assert check.ok and MAILBOX in check.summary and "gmail.send" in check.summary and check.messages_total == 1


async def test_a_stray_request_on_the_loopback_port_is_ignored(fake):
    browser = Browser(before="?state=forged&code=4/evil")
    tokens = await sign_in(fake, browser)
    await asyncio.gather(*browser.tasks)
    assert browser.pages[0][0] == 400 and browser.pages[1][0] == 200 and tokens.refresh_token


async def test_refused_consent_is_a_typed_error(fake):
    browser = Browser()

    async def refuse(url: str) -> None:  # the person clicks "Cancel": Google redirects with error=access_denied
        query = parse_qs(urlsplit(url).query)
        async with httpx.AsyncClient() as http:
            await http.get(query["redirect_uri"][0], params={"state": query["state"][0], "error": "access_denied"})

    browser._visit = refuse  # type: ignore[method-assign]
    with pytest.raises(ReconsentRequired, match="access_denied"):
        await sign_in(fake, browser)
    await asyncio.gather(*browser.tasks)
    assert fake.grants == []


async def test_consent_without_the_send_scope_is_refused(fake):
    fake.grant_scopes = {"https://www.googleapis.com/auth/gmail.modify"}  # the person unticked "send"
    browser = Browser()
    with pytest.raises(ReconsentRequired, match=r"gmail\.send"):
        await sign_in(fake, browser)
    await asyncio.gather(*browser.tasks)


async def test_a_sign_in_nobody_completes_times_out(fake):
    with pytest.raises(GmailAuthError, match="not completed"):
        await sign_in_installed_app(CLIENT_ID, CLIENT_SECRET, open_browser=lambda url: None,
                                    token_url=fake.token_url, timeout=0.2)


async def test_service_account_with_domain_wide_delegation(fake, build):
    fake.deliver(mail(1))
    c = build(service_account=True)
    batch = await c.source.fetch(None, 10)
    assert len(batch.messages) == 1 and fake.grants == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    check = await c.check()
    assert check.ok and set(check.granted_scopes) == set(SCOPES)
    # The token is cached: more requests, no new assertion.
    await c.source.fetch(batch.cursor, 10)
    assert fake.grants == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]


async def test_service_account_without_delegation_for_a_scope(fake, build):
    fake.sa_allowed_scopes = {"https://www.googleapis.com/auth/gmail.modify"}
    c = build(service_account=True)
    with pytest.raises(ReconsentRequired, match="Domain-wide delegation") as caught:
        await c.client.get(f"/users/{MAILBOX}/profile")
    assert caught.value.reason == "unauthorized_client" and SEND in str(caught.value)
    check = await c.check()
    assert not check.ok and check.needs_sign_in and "Domain-wide delegation" in check.summary


async def test_a_key_google_does_not_know_is_refused(fake, build):
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    c = build(service_account=True)
    c.auth.key = ServiceAccountKey.from_json(key_json(other))
    with pytest.raises(ReconsentRequired, match="invalid_grant"):
        await c.client.get(f"/users/{MAILBOX}/profile")
    with pytest.raises(GmailAuthError, match="not a service account key"):
        ServiceAccountKey.from_json('{"type": "authorized_user"}')


async def test_no_secret_reaches_a_log_or_an_error(fake, build, caplog, sa_private_key):
    caplog.set_level(logging.DEBUG)
    browser = Browser()
    tokens = await sign_in(fake, browser)
    await asyncio.gather(*browser.tasks)
    c = build(refresh_token=tokens.refresh_token)
    await c.client.get(f"/users/{MAILBOX}/profile")
    fake.expire_tokens()
    await c.client.get(f"/users/{MAILBOX}/profile")
    errors = []
    for refresh in ("1//bad", tokens.refresh_token):
        fake.refresh_tokens.pop(refresh, None)
        try:
            await build(refresh_token=refresh).client.get(f"/users/{MAILBOX}/profile")
        except GmailAuthError as exc:
            errors.append(str(exc))
    sa = build(service_account=True)
    await sa.client.get(f"/users/{MAILBOX}/profile")
    text = caplog.text + " ".join(errors) + repr(tokens) + repr(sa.auth.key)
    issued = list(fake.tokens)
    assert len(errors) == 2 and issued
    for secret in [CLIENT_SECRET, tokens.refresh_token, tokens.access_token, "PRIVATE KEY", *issued]:
        assert secret not in text
