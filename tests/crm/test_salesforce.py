"""Salesforce against a local server speaking its REST shapes: client-credentials token, SOSL contact
search with every reserved character escaped (the exact query string is asserted), SOQL for cases and
contracts, sobjects for the account, 401 -> one token refresh, errors, the daily API limit, create Case."""

from __future__ import annotations

import pytest

from emailbot_gui.connectors.crm_actions import CaseRequest, CrmAuthError, CrmError
from emailbot_gui.connectors.salesforce import SalesforceSource, contact_sosl
from emailbot_gui.connectors.salesforce_auth import (
    SOSL_RESERVED,
    SalesforceSettings,
    soql_like_quote,
    soql_quote,
    sosl_phrase,
)
from emailbot_gui.core.types import Address, Urgency
from tests.crm.conftest import ACCOUNT, DANA, sf_settings

ODD_ADDRESSES = ["a'b@x.com", "a}b@x.com", '"x"@y.com', "zoë@exämple.com", "100%_real@x.com", "a_b@x.com",
                 "a\\b@x.com", "a{b}c@x.com", "o'brien+tag@x.com"]


def test_every_sosl_reserved_character_is_escaped():
    term = "".join(sorted(SOSL_RESERVED)) + "plain@x.com"
    phrase = sosl_phrase(term)
    assert phrase.startswith('"') and phrase.endswith('"')
    body = phrase[1:-1]
    i, unescaped = 0, []
    while i < len(body):
        if body[i] == "\\":
            assert body[i + 1] in SOSL_RESERVED
            unescaped.append(body[i + 1])
            i += 2
        else:
            assert body[i] not in SOSL_RESERVED, f"{body[i]!r} left unescaped"
            unescaped.append(body[i])
            i += 1
    assert "".join(unescaped) == term


def test_exact_query_strings():
    assert sosl_phrase("a'b@x.com") == '"a\\\'b@x.com"'
    assert sosl_phrase("a}b@x.com") == '"a\\}b@x.com"'
    assert sosl_phrase('"x"@y.com') == '"\\"x\\"@y.com"'
    assert sosl_phrase("100%_real@x.com") == '"100%_real@x.com"'  # not SOSL wildcards: kept as they are
    assert soql_quote("a'b\\c\"d") == "'a\\'b\\\\c\\\"d'"
    assert soql_quote("100%_real@x.com") == "'100%_real@x.com'"  # literal in `=`
    assert soql_like_quote("1%_x") == "'%1\\%\\_x%'"
    assert contact_sosl("a'b@x.com") == (
        "FIND {\"a\\'b@x.com\"} IN EMAIL FIELDS RETURNING Contact(Id, Name, FirstName, LastName, Email, Phone, "
        "Title, AccountId WHERE Email = 'a\\'b@x.com' ORDER BY LastModifiedDate DESC LIMIT 5)")
    with pytest.raises(ValueError):
        sosl_phrase("a\nb@x.com")
    with pytest.raises(ValueError):
        soql_quote("a\x00b")


def test_settings_validation():
    base = {"token_url": "https://acme.my.salesforce.com/services/oauth2/token", "client_id": "x"}
    assert SalesforceSettings(**base).validate().api_version == "v60.0"
    for bad in ({"api_version": "v57.0"}, {"api_version": "60"}, {"token_url": "http://evil.example/t"},
                {"marker_field": "Bad Field"}):
        with pytest.raises(ValueError):
            SalesforceSettings(**{**base, **bad}).validate()


async def test_lookup_returns_contact_account_contract_and_open_cases(salesforce, sf_fake):
    result = await salesforce.lookup(Address("Dana@Northwind.example", "Dana"))
    assert result.status == "found", result.error
    record = result.record
    assert record["customer"]["id"] == DANA and record["customer"]["name"] == "Dana Whitfield"
    assert record["customer"]["company"] == "Northwind Logistics Ltd"
    assert record["customer"]["link"] == f"{sf_fake.base_url}/lightning/r/Contact/{DANA}/view"
    assert record["account"]["id"] == ACCOUNT and record["account"]["support_level"] == "Gold"
    assert record["contract"] == {"contract_type": "Contract 00000100", "status": "active",
                                  "starts_on": "2025-01-01", "expires_on": "2027-12-31", "support_level": "Gold"}
    assert [c["subject"] for c in record["cases"]] == ["VPN drops"]  # the closed case is left out
    assert record["api_usage"]["limit"] == 15000
    token_calls = [r for r in sf_fake.requests if r["path"] == "/services/oauth2/token"]
    assert len(token_calls) == 1
    assert all(r["auth"] == "Bearer 00Dtoken!1" for r in sf_fake.requests if r["path"].startswith("/services/data"))


async def test_unknown_sender_is_not_found(salesforce):
    assert (await salesforce.lookup(Address("nobody@nowhere.example"))).status == "not_found"


@pytest.mark.parametrize("address", ODD_ADDRESSES)
async def test_odd_addresses_neither_break_nor_widen_the_search(salesforce, sf_fake, address):
    result = await salesforce.lookup(Address(address))
    assert result.status == "found", result.error
    assert result.record["customer"]["email"] == address
    (q,) = sf_fake.searches  # exactly what the server received
    assert q == contact_sosl(address)
    contacts = await salesforce.find_contacts(address)
    assert [c["Email"] for c in contacts] == [address]


@pytest.mark.parametrize("address", ["b@x.com", "ab@x.com", "dana@northwind.example", "a%b@x.com", "a*@x.com",
                                     "*@x.com", "a_@x.com", "') OR Email != ('@x.com", "x} OR {*@x.com",
                                     "x\" OR \"y@x.com", "AND@x.com", "a\\'b@x.com"])
async def test_a_server_that_widens_the_search_still_yields_only_the_exact_address(salesforce, sf_fake, address):
    sf_fake.widen_search = True  # SOSL's token matching returns look-alikes; the client must drop them
    contacts = await salesforce.find_contacts(address)
    assert {c["Email"].casefold() for c in contacts} <= {address.casefold()}
    assert sf_fake.searches[-1] == contact_sosl(address)  # and the server could parse it (no 400)


async def test_unsearchable_addresses_send_nothing(salesforce, sf_fake):
    for address in ("", "no-at-sign", "a\nb@x.com", "a\x00@x.com", "x" * 400 + "@x.com"):
        assert (await salesforce.lookup(Address(address))).status == "not_found"
    assert sf_fake.requests == []


async def test_expired_token_is_refreshed_once(salesforce, sf_fake):
    await salesforce.lookup(Address("dana@northwind.example"))
    sf_fake.revoke_tokens()
    result = await salesforce.lookup(Address("dana@northwind.example"))
    assert result.status == "found"
    assert sf_fake.tokens_issued == 2


async def test_a_refreshed_token_that_is_refused_again_is_an_auth_error(salesforce, sf_fake):
    sf_fake.fail_next = [(401, [{"message": "Session expired", "errorCode": "INVALID_SESSION_ID"}])] * 2
    with pytest.raises(CrmAuthError, match="rejected a fresh access token"):
        await salesforce.find_contacts("dana@northwind.example")
    assert sf_fake.tokens_issued == 2


async def test_wrong_client_secret(sf_fake):
    source = SalesforceSource(sf_settings(sf_fake), "wrong")
    try:
        with pytest.raises(CrmAuthError, match="invalid_client"):
            await source.lookup(Address("dana@northwind.example"))
    finally:
        await source.close()


async def test_server_errors_carry_salesforce_s_reason(salesforce, sf_fake):
    sf_fake.fail_next = [(500, [{"message": "An unexpected error occurred", "errorCode": "UNKNOWN_EXCEPTION"}])]
    with pytest.raises(CrmError, match="UNKNOWN_EXCEPTION: An unexpected error occurred"):
        await salesforce.lookup(Address("dana@northwind.example"))
    sf_fake.fail_next = [(403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])]
    with pytest.raises(CrmError, match="daily API limit reached"):
        await salesforce.lookup(Address("dana@northwind.example"))


async def test_daily_api_limit_from_header_and_limits_resource(salesforce, sf_fake):
    await salesforce.lookup(Address("dana@northwind.example"))
    assert salesforce.api_usage.source == "header" and salesforce.api_usage.limit == 15000
    health = await salesforce.health()
    assert health["ok"] and health["api_usage"]["limit"] == 15000 and health["api_usage"]["source"] == "limits"
    assert health["api_usage"]["used"] == sf_fake.usage


async def test_create_case_with_contact_priority_and_marker(salesforce, sf_fake):
    progress: dict = {}

    async def checkpoint(update):
        progress.update(update)

    request = CaseRequest("crm:salesforce:7", "salesforce", "dana@northwind.example", "Printer on fire",
                          "It is really on fire.", Urgency.CRITICAL, 7, progress, checkpoint)
    receipt = await salesforce.create_case(request)
    case = sf_fake.cases[-1]
    assert case["Origin"] == "Email" and case["Status"] == "New" and case["Priority"] == "High"
    assert case["ContactId"] == DANA and case["AccountId"] == ACCOUNT
    assert case["Subject"] == f"Printer on fire [{progress['marker']}]"
    assert progress["stage"] == "created" and progress["external_id"] == receipt.external_id == case["Id"]
    assert receipt.link == f"{sf_fake.base_url}/lightning/r/Case/{case['Id']}/view"
    found = await salesforce.find_created("crm:salesforce:7", {"stage": "creating", "marker": progress["marker"]})
    assert found is not None and found.external_id == case["Id"]
    assert await salesforce.find_created("crm:salesforce:7", {"stage": "creating",
                                                               "marker": "EB-0000000000000000"}) is None
    assert await salesforce.find_created("crm:salesforce:7", {}) is None


async def test_create_case_without_a_known_contact_and_with_a_marker_field(sf_fake):
    source = SalesforceSource(sf_settings(sf_fake, marker_field="EmailBot_Ref__c"), sf_fake.client_secret)
    try:
        request = CaseRequest("crm:salesforce:8", "salesforce", "stranger@nowhere.example", "Hello", "Body",
                              Urgency.LOW)
        await source.create_case(request)
        case = sf_fake.cases[-1]
        assert "ContactId" not in case and case["Priority"] == "Low" and case["Subject"] == "Hello"
        assert case["EmailBot_Ref__c"].startswith("EB-") and case["SuppliedEmail"] == "stranger@nowhere.example"
    finally:
        await source.close()
