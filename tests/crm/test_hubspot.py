"""HubSpot against a local server speaking CRM v3/v4 shapes: contact search with filterGroups, company and
open tickets through associations, create a ticket associated with the contact, 401/403/429/5xx, the
per-second token bucket, and the retired API keys."""

from __future__ import annotations

import asyncio
import time

import pytest

from emailbot_gui.connectors.crm_actions import CaseRequest, CrmAuthError, CrmError, CrmRateLimited
from emailbot_gui.connectors.hubspot import HubSpotSource
from emailbot_gui.connectors.hubspot_client import TokenBucket
from emailbot_gui.core.types import Address, Urgency
from tests.crm.conftest import hs_settings


async def test_lookup_contact_company_and_open_tickets(hubspot, hs_fake):
    result = await hubspot.lookup(Address("DANA@northwind.example"))
    assert result.status == "found", result.error
    record = result.record
    assert record["customer"]["name"] == "Dana Whitfield" and record["customer"]["id"] == "101"
    assert record["customer"]["link"] == "https://app.hubspot.com/contacts/4242/record/0-1/101"
    assert record["company"]["name"] == "Northwind Logistics Ltd" and record["company"]["support_level"] == "Gold"
    assert record["contract"] == {"support_level": "Gold", "status": "active"}
    assert [(t["id"], t["status"]) for t in record["open_tickets"]] == [("203", "Waiting on contact"),
                                                                       ("201", "New")]  # 202 is closed
    search = next(r for r in hs_fake.requests if r["path"] == "/crm/v3/objects/contacts/search")
    assert search["body"]["filterGroups"] == [{"filters": [
        {"propertyName": "email", "operator": "EQ", "value": "DANA@northwind.example"}]}]
    assert all(r["auth"] == f"Bearer {hs_fake.token}" for r in hs_fake.requests)


@pytest.mark.parametrize("address", ["a'b@x.com", "nobody@x.com", '"} OR {"@x.com', "%@x.com", "_@x.com"])
async def test_the_address_is_a_filter_value_never_query_text(hubspot, hs_fake, address):
    result = await hubspot.lookup(Address(address))
    assert result.status == ("found" if address == "a'b@x.com" else "not_found")
    body = hs_fake.requests[0]["body"]
    assert body["filterGroups"][0]["filters"][0]["value"] == address


async def test_revoked_token_says_so(hs_fake):
    source = HubSpotSource(hs_settings(hs_fake), "pat-na1-revoked")
    try:
        with pytest.raises(CrmAuthError, match="token was revoked or the private app lacks"):
            await source.lookup(Address("dana@northwind.example"))
    finally:
        await source.close()


async def test_missing_scope_is_explained(hubspot, hs_fake):
    hs_fake.fail_next = [(403, {"status": "error", "message": "This app hasn't been granted all required scopes",
                                "category": "MISSING_SCOPES"}, {})]
    with pytest.raises(CrmAuthError, match="MISSING_SCOPES"):
        await hubspot.lookup(Address("dana@northwind.example"))


def test_old_api_keys_are_refused_with_an_explanation():
    with pytest.raises(ValueError, match="API keys were retired"):
        HubSpotSource(hs_settings_for("http://127.0.0.1:1"), "6a2f41a3-c54c-fce8-32d2-0324e1c32e22")


def hs_settings_for(url):
    from emailbot_gui.connectors.hubspot_client import HubSpotSettings

    return HubSpotSettings(base_url=url)


async def test_429_waits_for_retry_after_then_succeeds(hubspot, hs_fake):
    hs_fake.fail_next = [(429, {"status": "error", "message": "You have reached your secondly limit.",
                                "errorType": "RATE_LIMIT", "policyName": "SECONDLY"}, {"Retry-After": "1"})]
    started = time.perf_counter()
    result = await hubspot.lookup(Address("dana@northwind.example"))
    assert result.status == "found"
    assert time.perf_counter() - started >= 0.95
    assert hubspot.api.rate_limited == 1


async def test_429_past_the_retry_budget_is_an_error(hs_fake):
    source = HubSpotSource(hs_settings(hs_fake, max_retries=1), hs_fake.token)
    hs_fake.fail_next = [(429, {"status": "error", "message": "limit"}, {"Retry-After": "0"})] * 2
    try:
        with pytest.raises(CrmRateLimited):
            await source.lookup(Address("dana@northwind.example"))
    finally:
        await source.close()


async def test_500_is_an_error_with_the_reason(hubspot, hs_fake):
    hs_fake.fail_next = [(500, {"status": "error", "message": "internal error", "category": "INTERNAL"}, {})]
    with pytest.raises(CrmError, match="HTTP 500 INTERNAL: internal error"):
        await hubspot.lookup(Address("dana@northwind.example"))


async def test_503_on_a_read_is_retried(hubspot, hs_fake):
    hs_fake.fail_next = [(503, {"status": "error", "message": "busy"}, {})]
    assert (await hubspot.lookup(Address("dana@northwind.example"))).status == "found"


async def test_token_bucket_keeps_to_the_rate():
    bucket = TokenBucket(rate=20, capacity=2)
    started = time.perf_counter()
    await asyncio.gather(*(bucket.acquire() for _ in range(12)))
    elapsed = time.perf_counter() - started
    assert 0.45 <= elapsed < 1.5  # 2 at once, then 10 more at 20/s


async def test_requests_are_spread_to_the_configured_rate(hs_fake):
    source = HubSpotSource(hs_settings(hs_fake, requests_per_second=10, search_requests_per_second=5),
                           hs_fake.token)
    try:
        started = time.perf_counter()
        await asyncio.gather(*(source.find_contacts("dana@northwind.example") for _ in range(10)))
        assert time.perf_counter() - started >= 0.9  # 5 at once, then 5 more at 5/s on the search bucket
    finally:
        await source.close()


async def test_create_ticket_associated_with_the_contact(hubspot, hs_fake):
    progress: dict = {}

    async def checkpoint(update):
        progress.update(update)

    receipt = await hubspot.create_case(CaseRequest("crm:hubspot:3", "hubspot", "dana@northwind.example",
                                                    "VPN down", "Since 9am.", Urgency.HIGH, 3, progress, checkpoint))
    create = next(r for r in hs_fake.requests if r["path"] == "/crm/v3/objects/tickets")
    props = create["body"]["properties"]
    assert props["hs_pipeline"] == "0" and props["hs_pipeline_stage"] == "1" and props["hs_ticket_priority"] == "HIGH"
    assert props["subject"] == "VPN down" and props["emailbot_ref"] == progress["marker"]
    assert create["body"]["associations"] == [{"to": {"id": "101"}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 16}]}]
    assert receipt.link == f"https://app.hubspot.com/contacts/4242/record/0-5/{receipt.external_id}"
    assert progress["contact_id"] == "101" and progress["stage"] == "created"


async def test_find_created_uses_associations_before_the_lagging_search_index(hubspot, hs_fake):
    hs_fake.search_lag = True
    progress: dict = {}

    async def checkpoint(update):
        progress.update(update)

    receipt = await hubspot.create_case(CaseRequest("crm:hubspot:4", "hubspot", "dana@northwind.example",
                                                    "Lag", "x", progress=progress, checkpoint=checkpoint))
    resumed = await hubspot.find_created("crm:hubspot:4", {"stage": "creating", "marker": progress["marker"],
                                                           "contact_id": "101"})
    assert resumed is not None and resumed.external_id == receipt.external_id
    # without a contact only the search index can tell, and it has not caught up yet
    assert await hubspot.find_created("crm:hubspot:4", {"stage": "creating", "marker": progress["marker"]}) is None
