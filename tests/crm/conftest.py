"""Fixtures for the CRM tests: fake Salesforce and HubSpot servers on 127.0.0.1 with seeded records, and
connectors pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.crm.fakes import FakeHubSpot, FakeSalesforce

ACCOUNT = "001000000000001AAA"
DANA = "003000000000001AAA"


def seed_salesforce(fake: FakeSalesforce) -> None:
    fake.accounts[ACCOUNT] = {"Id": ACCOUNT, "Name": "Northwind Logistics Ltd", "Type": "Customer - Direct",
                              "Industry": "Transportation", "Website": "northwind.example", "SLA__c": "Gold"}
    fake.add_contact(DANA, "dana@northwind.example", "Dana Whitfield", ACCOUNT, Phone="+44 113 496 0000",
                     Title="IT Manager")
    # look-alikes that a widened search would also return
    fake.add_contact("003000000000002AAA", "dana@northwind.example.org", "Other Dana", None)
    fake.add_contact("003000000000003AAA", "x.dana@northwind.example", "Another Dana", None)
    odd = ["a'b@x.com", "a}b@x.com", '"x"@y.com', "zoë@exämple.com", "100%_real@x.com", "a_b@x.com",
           "axb@x.com", "a\\b@x.com", "b@x.com", "ab@x.com", "a{b}c@x.com", "o'brien+tag@x.com"]
    for n, address in enumerate(odd, start=10):
        fake.add_contact(f"0030000000000{n:02d}AAA", address, f"Odd {n}", None)
    fake.contracts.append({"Id": "800000000000001AAA", "AccountId": ACCOUNT, "ContractNumber": "00000100",
                           "StatusCode": "Activated", "Status": "Activated", "StartDate": "2025-01-01",
                           "EndDate": "2027-12-31"})
    fake.cases.extend([
        {"Id": "500000000000000001", "CaseNumber": "00001001", "ContactId": DANA, "Subject": "VPN drops",
         "Status": "Working", "Priority": "High", "IsClosed": False, "CreatedDate": "2026-02-20T09:00:00.000+0000"},
        {"Id": "500000000000000002", "CaseNumber": "00001002", "ContactId": DANA, "Subject": "Old printer issue",
         "Status": "Closed", "Priority": "Low", "IsClosed": True, "CreatedDate": "2025-01-20T09:00:00.000+0000"},
    ])


def seed_hubspot(fake: FakeHubSpot) -> None:
    fake.companies["501"] = {"name": "Northwind Logistics Ltd", "domain": "northwind.example",
                             "industry": "TRANSPORTATION", "support_tier": "Gold"}
    fake.add_contact("101", "dana@northwind.example", "Dana", "Whitfield", company_id="501")
    fake.add_contact("102", "a'b@x.com", "Odd", "Quote")
    fake.add_ticket("201", "101", "Laptop will not boot", "1")
    fake.add_ticket("202", "101", "Password reset", "4")  # closed
    fake.add_ticket("203", "101", "Shared drive slow", "2")


@pytest.fixture
def sf_fake() -> Iterator[FakeSalesforce]:
    from tests.crm.fakes import FakeSalesforce, serve

    fake = FakeSalesforce()
    seed_salesforce(fake)
    server = serve(fake)
    fake.base_url = server.url_for("").rstrip("/")
    yield fake
    server.clear()
    server.stop()


@pytest.fixture
def hs_fake() -> Iterator[FakeHubSpot]:
    from tests.crm.fakes import FakeHubSpot, serve

    fake = FakeHubSpot()
    seed_hubspot(fake)
    server = serve(fake)
    fake.base_url = server.url_for("").rstrip("/")
    yield fake
    server.clear()
    server.stop()


def sf_settings(fake: FakeSalesforce, **overrides):
    from emailbot_gui.connectors.salesforce_auth import SalesforceSettings

    return SalesforceSettings(token_url=f"{fake.base_url}/services/oauth2/token", client_id=fake.client_id,
                              support_level_field="SLA__c", **overrides)


def hs_settings(fake: FakeHubSpot, **overrides):
    from emailbot_gui.connectors.hubspot_client import HubSpotSettings

    values = {"base_url": fake.base_url, "support_level_property": "support_tier", "max_retry_wait": 2.0}
    values.update(overrides)
    return HubSpotSettings(**values)


@pytest.fixture
async def salesforce(sf_fake) -> AsyncIterator:
    from emailbot_gui.connectors.salesforce import SalesforceSource

    source = SalesforceSource(sf_settings(sf_fake), sf_fake.client_secret)
    yield source
    await source.close()


@pytest.fixture
async def hubspot(hs_fake) -> AsyncIterator:
    from emailbot_gui.connectors.hubspot import HubSpotSource

    source = HubSpotSource(hs_settings(hs_fake), hs_fake.token)
    yield source
    await source.close()
