"""No secret reaches the settings file, the database, the data folder, the log or a repr — with every
integration on (Microsoft 365 app-only with a client secret, OpenAI, Salesforce, HubSpot, the customer
database with a password), every logger at DEBUG (SQL statements and their parameters included), through
polling, classifying, enriching, a reply sent through Graph, health checks, the doctor and a settings
change applied at runtime."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.secrets import CUSTOMER_DB_PASSWORD, HUBSPOT_TOKEN, OPENAI_API_KEY
from emailbot_gui.doctor import doctor_report
from emailbot_gui.services.runtime import Mode, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.graph.fake_graph import CLIENT_SECRET, FakeGraph
from tests.integrations.conftest import (
    from_dana,
    hubspot_settings,
    m365_settings,
    salesforce_settings,
    store_m365_secret,
    store_salesforce_secret,
)
from tests.test_openai_classifier import answer, completion

OPENAI_KEY = "sk-leak-test-0123456789abcdef"
DB_PASSWORD = "customer-db-leak-test-pa55"
LOGGERS = ("", "httpx", "httpcore", "msal", "openai", "sqlalchemy", "sqlalchemy.engine", "aiosqlite", "asyncio",
           "emailbot_gui", "urllib3", "werkzeug")


async def test_no_secret_anywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture, fake: FakeGraph, hooks,
                                  sf_fake, hs_fake, secrets, keyring_backend) -> None:
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    from emailbot_gui.demo.customers import build_customer_db

    customers = tmp_path / "customers.sqlite3"
    build_customer_db(customers)
    store_m365_secret(secrets)
    store_salesforce_secret(secrets, sf_fake)
    secrets.set(HUBSPOT_TOKEN, hs_fake.token)
    secrets.set(OPENAI_API_KEY, OPENAI_KEY)
    secrets.set(CUSTOMER_DB_PASSWORD, DB_PASSWORD)
    with HTTPServer(host="127.0.0.1", port=0) as ai:
        ai.expect_request("/v1/chat/completions", method="POST").respond_with_response(Response(
            json.dumps(completion(json.dumps(answer()))), content_type="application/json"))
        ai.expect_request("/v1/models").respond_with_response(Response(json.dumps(
            {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "t"}]}),
            content_type="application/json"))
        settings = m365_settings(fake, **salesforce_settings(sf_fake), **hubspot_settings(hs_fake),
                                 openai_enabled=True, openai_base_url=ai.url_for("/v1"), customer_db_enabled=True,
                                 customer_db_url=f"sqlite+aiosqlite:///{customers}")
        from_dana(fake)
        fake.mailbox.add_messages(2)
        paths = AppPaths.resolve(tmp_path / "data")
        runtime = await build_runtime(paths, settings, Mode(), secrets=secrets, hooks=hooks, start_health=False)
        seen: list[str] = []
        try:
            await runtime.loop.run_until_exhausted()
            rows = await runtime.console.queue_page(QueueQuery(), 0, 100)
            details = [await runtime.console.detail(r.id) for r in rows]
            dana = next(d for d in details if d.email.sender.address == "dana@northwind.example")
            assert dana.enrichment.by_source("salesforce").status == "found"
            assert dana.enrichment.by_source("hubspot").status == "found"
            assert dana.enrichment.by_source("customer_db").status in ("found", "not_found")
            assert dana.classification.model.startswith("openai:")
            await runtime.console.approve(dana.id)
            await runtime.console.wait_idle()
            assert len(fake.mailbox.sends) == 1
            health = await runtime.console.recheck_health()
            assert {h.name: h.state for h in health}["salesforce"] == "ok", health
            reports = await doctor_report(settings, secrets, hooks=hooks)
            await runtime.console.apply_settings(replace(settings, batch_size=25))
            seen += [repr(x) for x in (runtime, runtime.console, runtime.secrets, runtime.loop.classifier,
                                       runtime.integrations.openai, *runtime.integrations.crm.values(),
                                       runtime.loop.gateway.sources, runtime.dispatcher if hasattr(runtime,
                                                                                                "dispatcher") else "")]
            seen += [repr(h) for h in health] + [json.dumps([r.to_json() for r in reports])]
            seen += [repr(a) for a in await runtime.console.audit()] + [repr(o) for o in await runtime.console.outbox()]
            seen += [repr(d) for d in details]
        finally:
            await runtime.close()

    files = {p: p.read_bytes() for p in [*paths.data_dir.rglob("*"), paths.settings_file] if p.is_file()}
    assert paths.database in files and paths.settings_file in files
    sf_tokens = [f"00Dtoken!{n}" for n in range(1, sf_fake.tokens_issued + 1)]
    graph_tokens = list(fake.authority.tokens)
    haystack = "\n".join([caplog.text, *seen])
    assert "openai" in caplog.text and "salesforce" in caplog.text.lower()  # the log did record the work
    for secret in (CLIENT_SECRET, sf_fake.client_secret, hs_fake.token, OPENAI_KEY, DB_PASSWORD, *sf_tokens,
                   *graph_tokens):
        assert secret not in haystack, f"a secret reached the log or a repr: {secret[:6]}…"
        for path, content in files.items():
            assert secret.encode() not in content, f"a secret reached {path.name}: {secret[:6]}…"
    assert ("EmailBot", OPENAI_API_KEY) in keyring_backend.entries  # ...they are in the keyring, and only there
