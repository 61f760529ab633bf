"""The enrichment gateway with the real connectors: one source hanging on a real socket never delays the
others beyond its timeout; a failing source with an older answer (in memory or stored with an earlier
email from the sender) shows that answer as "stale", with the new error."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from emailbot_gui.connectors.customer_db import CustomerDatabaseSource
from emailbot_gui.connectors.hubspot import HubSpotSource
from emailbot_gui.connectors.salesforce import SalesforceSource
from emailbot_gui.connectors.salesforce_auth import SalesforceSettings
from emailbot_gui.core.types import Address, Enrichment, SourceResult
from emailbot_gui.pipeline.enrichment import STALE, EnrichmentGateway
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from tests.crm.conftest import hs_settings
from tests.crm.fakes import HangingServer
from tests.test_store import make_email

DANA = Address("dana@northwind.example", "Dana")


@pytest.fixture
def hanging():
    server = HangingServer()
    yield server
    server.close()


@pytest.fixture
def demo_db(tmp_path):
    from emailbot_gui.demo.customers import build_customer_db

    path = tmp_path / "customers.sqlite3"
    build_customer_db(path)
    return path


class FlakySource:
    name = "flaky"

    def __init__(self):
        self.fail = False

    async def lookup(self, sender):
        if self.fail:
            raise ConnectionError("connection refused")
        return SourceResult(self.name, "found", record={"customer": {"name": "Dana"}},
                            fetched_at=datetime(2026, 3, 1, tzinfo=UTC))


async def test_a_failure_after_a_good_answer_is_stale_and_not_cached():
    clock = [0.0]
    source = FlakySource()
    gateway = EnrichmentGateway([source], cache_ttl=60, clock=lambda: clock[0])
    assert (await gateway.enrich(DANA)).results[0].status == "found"
    clock[0] = 61
    source.fail = True
    stale = (await gateway.enrich(DANA)).results[0]
    assert stale.status == STALE and stale.record == {"customer": {"name": "Dana"}}
    assert "connection refused" in stale.error and stale.fetched_at == datetime(2026, 3, 1, tzinfo=UTC)
    source.fail = False
    assert (await gateway.enrich(DANA)).results[0].status == "found"  # asked again: stale is never cached


async def test_a_failure_without_an_older_answer_stays_an_error():
    source = FlakySource()
    source.fail = True
    assert (await EnrichmentGateway([source]).enrich(DANA)).results[0].status == "error"


async def test_stale_from_the_store_after_a_restart(tmp_path):
    store = await EmailStore.open(sqlite_url(tmp_path / "q.db"))
    try:
        first, second = (await store.ingest("test", [
            make_email(1, sender=Address("Dana@Northwind.example")), make_email(2, sender=DANA)])).new_ids
        from emailbot_gui.core.types import Classification, Urgency

        await store.save_classifications([(first, Classification("hardware", Urgency.LOW, 0.9, "", "t"))])
        old = SourceResult("flaky", "found", record={"customer": {"name": "Dana from last week"}},
                           fetched_at=datetime(2026, 2, 20, tzinfo=UTC))
        await store.save_enrichments([(first, Enrichment((old, SourceResult("other", "not_found"))))])
        source = FlakySource()
        source.fail = True
        gateway = EnrichmentGateway([source], history=store.latest_enrichment_for_sender)  # a fresh process
        result = (await gateway.enrich(DANA)).results[0]
        assert result.status == STALE and result.record["customer"]["name"] == "Dana from last week"
        assert result.fetched_at == datetime(2026, 2, 20, tzinfo=UTC) and "connection refused" in result.error
        assert second  # the new email gets the stale answer saved with it by the pipeline
    finally:
        await store.close()


async def test_one_hanging_crm_never_delays_the_others(hanging, hs_fake, demo_db):
    """The panel fills from HubSpot and the customer database within the hanging source's timeout."""
    from emailbot_gui.demo.customers import DEMO_CUSTOMERS

    customer = DEMO_CUSTOMERS[0]
    hs_fake.add_contact("777", customer.email, "Priya", "Patel")
    salesforce = SalesforceSource(SalesforceSettings(token_url=f"{hanging.url}/services/oauth2/token",
                                                     client_id="x", timeout=30), "secret")
    hubspot = HubSpotSource(hs_settings(hs_fake), hs_fake.token)
    database = CustomerDatabaseSource.sqlite_readonly(demo_db, name="customer_db")
    gateway = EnrichmentGateway([salesforce, hubspot, database], timeout=0.6)
    try:
        await hubspot.lookup(Address("warm-up@x.example"))  # connection set up outside the measurement
        started = time.perf_counter()
        enrichment = await gateway.enrich(Address(customer.email))
        elapsed = time.perf_counter() - started
    finally:
        for source in (salesforce, hubspot, database):
            await source.close()
    assert hanging.accepted, "the hanging server was never asked"
    assert enrichment.by_source("salesforce").status == "error"
    assert enrichment.by_source("salesforce").error == "no answer within 0.6 s"
    assert enrichment.by_source("hubspot").status == "found"
    assert enrichment.by_source("customer_db").status == "found"
    assert enrichment.by_source("hubspot").elapsed_ms < 400 and enrichment.by_source("customer_db").elapsed_ms < 400
    assert 0.55 <= elapsed < 0.6 + 0.4, f"took {elapsed:.3f} s"
    print(f"\nhanging source: gateway filled in {elapsed * 1000:.0f} ms (timeout 600 ms); hubspot "
          f"{enrichment.by_source('hubspot').elapsed_ms:.0f} ms, customer_db "
          f"{enrichment.by_source('customer_db').elapsed_ms:.0f} ms")


async def test_per_source_timeout_and_stale_answer_for_the_hanging_source(hanging, demo_db):
    salesforce = SalesforceSource(SalesforceSettings(token_url=f"{hanging.url}/services/oauth2/token",
                                                     client_id="x"), "secret")
    database = CustomerDatabaseSource.sqlite_readonly(demo_db, name="customer_db")
    older = Enrichment((SourceResult("salesforce", "found", record={"customer": {"name": "Old Dana"}},
                                     fetched_at=datetime(2026, 1, 1, tzinfo=UTC)),))

    async def history(sender):
        return older

    gateway = EnrichmentGateway([salesforce, database], timeout=5, timeouts={"salesforce": 0.3}, history=history)
    try:
        started = time.perf_counter()
        enrichment = await gateway.enrich(DANA)
        elapsed = time.perf_counter() - started
    finally:
        await salesforce.close()
        await database.close()
    assert elapsed < 0.7
    stale = enrichment.by_source("salesforce")
    assert stale.status == STALE and stale.record["customer"]["name"] == "Old Dana"
    assert stale.error == "no answer within 0.3 s"
    assert enrichment.by_source("customer_db").status == "not_found"
