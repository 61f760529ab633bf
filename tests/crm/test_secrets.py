"""Secrets (the Salesforce client secret and access tokens, the HubSpot private app token, the database
password) never reach a log line, an error message, a stored result or a repr — with every logger at
DEBUG, through successes, token refreshes, refusals, rate limits and failed deliveries."""

from __future__ import annotations

import logging

import pytest

from emailbot_gui.connectors.crm_actions import CaseRequest, Secret
from emailbot_gui.connectors.customer_db import CustomerDatabaseSource, CustomerDbSettings
from emailbot_gui.connectors.hubspot import HubSpotSource
from emailbot_gui.connectors.salesforce import SalesforceSource
from emailbot_gui.core.types import Address
from emailbot_gui.pipeline.enrichment import EnrichmentGateway
from tests.crm.conftest import hs_settings, sf_settings

DB_PASSWORD = "db-pa55word-never-logged"


async def test_no_secret_in_logs_errors_results_or_reprs(caplog, sf_fake, hs_fake, tmp_path):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "sqlalchemy", "asyncio", "emailbot_gui"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    seen: list[str] = []
    salesforce = SalesforceSource(sf_settings(sf_fake), Secret(sf_fake.client_secret))
    wrong = SalesforceSource(sf_settings(sf_fake), sf_fake.client_secret + "-wrong")
    hubspot = HubSpotSource(hs_settings(hs_fake, max_retries=1), hs_fake.token)
    revoked = HubSpotSource(hs_settings(hs_fake), "pat-na1-revoked-token-value")
    database = CustomerDatabaseSource.from_settings(
        CustomerDbSettings(url="postgresql+asyncpg://emailbot@127.0.0.1:1/customers"), DB_PASSWORD)
    gateway = EnrichmentGateway([salesforce, wrong, hubspot, revoked, database], timeout=5)
    try:
        seen += [repr(s) for s in (salesforce, wrong, hubspot, revoked, database, salesforce.session, hubspot.api,
                                   salesforce.settings, hubspot.settings)]
        result = await gateway.enrich(Address("dana@northwind.example"))
        seen += [r.error for r in result.results] + [repr(r.record) for r in result.results]
        assert result.by_source("salesforce").status == "found"
        sf_fake.revoke_tokens()  # forces a refresh: a second token request with the secret
        hs_fake.fail_next = [(429, {"status": "error", "message": "limit"}, {"Retry-After": "0"})] * 2
        gateway = EnrichmentGateway([salesforce, hubspot], timeout=5)
        result = await gateway.enrich(Address("dana@northwind.example"))
        seen += [r.error for r in result.results]
        receipt = await salesforce.create_case(CaseRequest("crm:salesforce:1", "salesforce",
                                                           "dana@northwind.example", "S", "D"))
        seen += [repr(receipt), str(await salesforce.health())]
    finally:
        for source in (salesforce, wrong, hubspot, revoked, database):
            await source.close()
    tokens = [t for t in (f"00Dtoken!{n}" for n in range(1, sf_fake.tokens_issued + 1))]
    secrets = [sf_fake.client_secret, hs_fake.token, DB_PASSWORD, "pat-na1-revoked-token-value", *tokens]
    haystack = "\n".join([caplog.text, *seen])
    assert "invalid_client" in haystack and "revoked" in haystack  # the failures were logged/reported...
    assert "customer_db" in haystack and result is not None
    for secret in secrets:
        assert secret not in haystack, f"a secret leaked: {secret[:6]}…"  # ...without any secret


def test_secret_wrapper_hides_its_value():
    s = Secret("hunter2")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in f"{s}"
    assert s.reveal() == "hunter2"
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(s)
