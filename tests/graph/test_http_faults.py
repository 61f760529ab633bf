"""The client under throttling and faults, against the fake server: Retry-After honoured (measured),
backoff without it, at most 4 requests in flight, one silent token refresh on 401, timeouts and resets
retried then reported as GraphUnavailable, a POST never repeated after it may have arrived, $batch items
throttled alone."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from emailbot_gui.connectors.graph import GraphAuthError, GraphOutcomeUnknown, GraphUnavailable
from emailbot_gui.connectors.graph.batch import BatchRequest, run_batch
from emailbot_gui.connectors.graph.http import GraphClient

INBOX = "/users/support@contoso.test/mailFolders/inbox"


async def test_429_retry_after_is_honoured(fake, build):
    c = build()
    fake.fail("/messages/delta", status=429, headers={"Retry-After": "1"},
              body={"error": {"code": "ApplicationThrottled",
                              "message": "Application is over its MailboxConcurrency limit."}})
    started = time.monotonic()
    batch = await c.source.fetch(None, 10)
    elapsed = time.monotonic() - started
    hits = fake.requests("/messages/delta")
    assert [h.status for h in hits] == [429, 200] and batch.cursor
    assert hits[1].started - hits[0].ended >= 0.95  # the server saw the client wait
    assert elapsed >= 1.0 and c.mail_client.stats.waited_seconds >= 1.0


async def test_a_retry_after_holds_back_every_request_of_the_mailbox(fake, build):
    throttled = asyncio.Event()

    async def sleep(seconds: float) -> None:  # the real wait, plus a signal that the client is waiting
        throttled.set()
        await asyncio.sleep(seconds)

    c = build(sleep=sleep)
    await c.mail_client.get(INBOX)  # token in hand, so only the Graph requests are timed
    fake.reset_log()
    fake.fail("/mailFolders/inbox$", status=429, headers={"Retry-After": "1"})
    first = asyncio.create_task(c.mail_client.get(INBOX))
    await throttled.wait()
    await asyncio.gather(first, c.mail_client.get(INBOX + "?$select=id"))
    statuses = [(h.status, h.started) for h in fake.requests("/mailFolders/inbox$")]
    throttled_at = statuses[0][1]
    assert statuses[0][0] == 429 and all(t - throttled_at >= 0.9 for s, t in statuses[1:])


async def test_503_without_retry_after_backs_off_with_jitter(fake, build):
    c = build(rng=random.Random(7))
    fake.fail("/mailFolders/inbox$", status=503, times=2)
    await c.mail_client.get(INBOX)
    assert [h.status for h in fake.requests("/mailFolders/inbox$")] == [503, 503, 200]
    waited = c.mail_client.stats.waited_seconds
    assert 0 < waited <= 0.5 + 1.0  # full jitter: within 0.5 s, then within 1 s


async def test_at_most_four_requests_in_flight(fake, build):
    c = build()
    await c.mail_client.get(INBOX)
    fake.reset_log()
    fake.fail("/mailFolders/inbox$", delay=0.3, times=12)
    await asyncio.gather(*(c.mail_client.get(INBOX) for _ in range(12)))
    assert fake.max_in_flight == 4


async def test_401_triggers_exactly_one_silent_refresh(fake, build):
    c = build()
    await c.mail_client.get(INBOX)
    assert fake.authority.counts["client_credentials"] == 1
    fake.fail("/mailFolders/inbox$", expire_tokens=True)  # Graph now refuses the cached token
    await c.mail_client.get(INBOX)
    assert [h.status for h in fake.requests("/mailFolders/inbox$")] == [200, 401, 200]
    assert fake.authority.counts["client_credentials"] == 2 and c.mail_client.stats.token_refreshes == 1


async def test_a_token_refused_twice_is_an_auth_error_not_a_loop(fake, build):
    c = build()
    fake.fail("/mailFolders/inbox$", status=401, times=5,
              body={"error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure."}})
    with pytest.raises(GraphAuthError, match="after a token refresh"):
        await c.mail_client.get(INBOX)
    assert fake.count("/mailFolders/inbox$") == 2 and fake.authority.counts["client_credentials"] == 2


async def test_timeouts_are_retried_then_reported_as_unavailable(fake, build):
    c = build(request_timeout=0.3, max_attempts=3)
    await c.mail_client.get(INBOX)
    fake.reset_log()
    fake.fail("/mailFolders/inbox$", delay=1.0, times=10)
    with pytest.raises(GraphUnavailable, match="did not answer after 3 attempts"):
        await c.mail_client.get(INBOX)
    assert fake.count("/mailFolders/inbox$") == 3


async def test_a_reset_connection_is_retried(fake, build):
    c = build()
    fake.fail("/mailFolders/inbox$", reset=True)
    data = await c.mail_client.get(INBOX)
    assert data["displayName"] == "Inbox" and fake.count("/mailFolders/inbox$") == 2


async def test_a_post_whose_answer_is_lost_is_not_repeated(fake, build):
    c = build(request_timeout=0.3)
    [mid] = fake.mailbox.add_messages(1)
    fake.fail("/createReply$", lose_response=1.0)
    with pytest.raises(GraphOutcomeUnknown):
        await c.mail_client.post(f"/users/support@contoso.test/messages/{mid}/createReply", {})
    assert fake.count("/createReply$") == 1 and len(fake.mailbox.in_folder("drafts")) == 1


async def test_batch_retries_only_the_throttled_items(fake, build):
    c = build()
    fake.fail(r"^/users$", inner=True, status=429, headers={"Retry-After": "1"})
    answers = await run_batch(c.mail_client, [
        BatchRequest("inbox", "GET", f"{INBOX}?$select=id"), BatchRequest("users", "GET", "/users?$top=1")])
    assert answers["inbox"].ok and answers["users"].ok
    inner = [(h.path, h.status) for h in fake.requests(inner=True)]
    assert inner == [(INBOX, 200), ("/users", 429), ("/users", 200)]
    assert fake.count(r"^/\$batch$") == 2


async def test_batch_splits_into_twenties(fake, build):
    c = build()
    answers = await run_batch(c.mail_client, [BatchRequest(str(i), "GET", f"{INBOX}?$select=id") for i in range(45)])
    assert len(answers) == 45 and all(a.ok for a in answers.values())
    assert fake.count(r"^/\$batch$") == 3


def test_the_client_refuses_foreign_origins():
    client = GraphClient("https://graph.microsoft.com/v1.0", auth=None)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="refusing"):
        client._checked("https://graph.microsoft.com.evil.example/v1.0/me")
    asyncio.run(client.aclose())
