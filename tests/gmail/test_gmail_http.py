"""The Gmail client under throttling and faults, against the fake: Retry-After honoured (measured by the
server), Google's 403 rate-limit reasons backed off, 5xx retried for reads only, a send never repeated
after it may have arrived, one token refresh on 401, typed errors for a revoked sign-in and a missing
scope, and the token never sent to another origin."""

from __future__ import annotations

import random

import pytest

from emailbot_gui.connectors.gmail import (
    GmailAuthError,
    GmailError,
    GmailOutcomeUnknown,
    GmailThrottled,
    InsufficientScope,
    ReconsentRequired,
)
from tests.gmail.fake_gmail import MAILBOX, google_error, mail

PROFILE = f"/users/{MAILBOX}/profile"


async def test_429_retry_after_is_honoured(fake, build):
    fake.deliver(mail(1))
    c = build()
    fake.fail("/messages$", status=429, headers={"Retry-After": "1"},
              body=google_error(429, "rateLimitExceeded", "Too many concurrent requests for user."))
    batch = await c.source.fetch(None, 10)
    hits = fake.requests("/messages$")
    assert [h.status for h in hits] == [429, 200] and len(batch.messages) == 1
    assert hits[1].started - hits[0].ended >= 0.95  # the server saw the client wait
    assert c.client.stats.waited_seconds >= 1.0


@pytest.mark.parametrize("reason", ["userRateLimitExceeded", "rateLimitExceeded"])
async def test_403_rate_limits_are_backed_off_and_retried(fake, build, reason):
    c = build(rng=random.Random(3))
    fake.fail("/profile", status=403, times=2, body=google_error(403, reason, "User-rate limit exceeded."))
    profile = await c.client.get(PROFILE)
    assert profile["emailAddress"] == MAILBOX
    assert [h.status for h in fake.requests("/profile")] == [403, 403, 200]
    assert 0 < c.client.stats.waited_seconds <= 0.5 + 1.0  # full jitter: within 0.5 s, then within 1 s


async def test_throttling_that_outlasts_the_attempts_is_a_typed_error(fake, build):
    c = build(max_attempts=2, rng=random.Random(1))
    fake.fail("/profile", status=429, times=5, headers={"Retry-After": "0"})
    with pytest.raises(GmailThrottled):
        await c.client.get(PROFILE)
    fake.fail("/profile", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(GmailThrottled) as caught:
        await build().client.get(PROFILE)
    assert caught.value.retry_after == 3600  # reported at once, not slept through


async def test_5xx_is_retried_for_reads(fake, build):
    c = build(rng=random.Random(5))
    fake.fail("/profile", status=503, times=2)
    assert (await c.client.get(PROFILE))["emailAddress"] == MAILBOX
    assert [h.status for h in fake.requests("/profile")] == [503, 503, 200]


async def test_a_send_is_never_repeated_after_a_5xx_or_a_lost_answer(fake, build):
    c = build()
    fake.fail("/messages/send", status=500)
    with pytest.raises(GmailOutcomeUnknown):
        await c.client.request("POST", f"/users/{MAILBOX}/messages/send", json={"raw": "eA"})
    fake.fail("/messages/send", reset_after=True)
    with pytest.raises(GmailOutcomeUnknown):
        await c.client.request("POST", f"/users/{MAILBOX}/messages/send", json={"raw": "eA"})
    assert len(fake.requests("/messages/send")) == 2


async def test_a_refused_token_is_refreshed_once_then_the_request_succeeds(fake, build):
    c = build()
    await c.client.get(PROFILE)
    fake.expire_tokens()
    assert (await c.client.get(PROFILE))["emailAddress"] == MAILBOX
    assert [h.status for h in fake.requests("/profile")] == [200, 401, 200]
    assert fake.grants == ["refresh_token", "refresh_token"] and c.client.stats.token_refreshes == 1


async def test_a_token_refused_twice_is_an_auth_error(fake, build):
    c = build()
    fake.fail("/profile", status=401, times=2, body=google_error(401, "authError", "Invalid Credentials"))
    with pytest.raises(GmailAuthError, match="refused again"):
        await c.client.get(PROFILE)
    assert len(fake.requests("/profile")) == 2 and fake.grants == ["refresh_token", "refresh_token"]


async def test_a_revoked_refresh_token_asks_for_consent_again(fake, build):
    c = build(refresh_token="1//revoked-or-expired")
    with pytest.raises(ReconsentRequired, match="invalid_grant") as caught:
        await c.source.fetch(None, 10)
    assert "1//revoked-or-expired" not in str(caught.value) and caught.value.reason == "invalid_grant"
    assert not fake.requests("/gmail/")  # no API request without a token
    with pytest.raises(ReconsentRequired, match="not signed in"):
        await build(refresh_token="").client.get(PROFILE)


async def test_a_missing_scope_is_named(fake, build):
    readonly = fake.issue_refresh_token({"https://www.googleapis.com/auth/gmail.readonly"})
    c = build(refresh_token=readonly)
    assert (await c.client.get(PROFILE))["emailAddress"] == MAILBOX  # reading is allowed
    with pytest.raises(InsufficientScope) as caught:
        await c.client.request("POST", f"/users/{MAILBOX}/messages/send", json={"raw": "eA"},
                               scope="https://www.googleapis.com/auth/gmail.send")
    assert caught.value.scope.endswith("/gmail.send") and "gmail.send" in str(caught.value)


async def test_the_token_goes_only_to_the_configured_origin(fake, build):
    c = build()
    with pytest.raises(GmailError, match="refusing"):
        await c.client.get("https://evil.example/gmail/v1/users/me/profile")
    with pytest.raises(GmailError, match="refusing"):
        await c.client.get(fake.api.replace("127.0.0.1", "localhost") + "/users/me/profile")
