"""`emailbot doctor` and the integration checks behind it (also the wizard's "Test connection"), against
the local fakes: Microsoft 365 permissions and sign-in, OpenAI, Salesforce, HubSpot, and the customer
database on SQLite and on a real PostgreSQL — working and broken; exit codes, the table and --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from emailbot_gui.config.env_import import original_design_mapping
from emailbot_gui.config.secrets import CUSTOMER_DB_PASSWORD, OPENAI_API_KEY, MemorySecretStore
from emailbot_gui.config.settings import Settings, save_settings
from emailbot_gui.connectors.customer_db import DEFAULT_COLUMNS
from emailbot_gui.doctor import doctor_report, exit_code, format_table
from emailbot_gui.services.integrations import test_integration as check
from tests.crm.test_customer_db import postgres  # noqa: F401  (fixture: a real PostgreSQL)
from tests.graph.fake_graph import FakeGraph
from tests.integrations.conftest import m365_settings, salesforce_settings, store_m365_secret
from tests.test_openai_classifier import error


def by_name(checks: list[Any]) -> dict[str, Any]:
    return {c.name: c for c in checks}


async def test_m365_working_then_a_missing_permission_fails_the_doctor(fake: FakeGraph, hooks, secrets) -> None:
    store_m365_secret(secrets)
    settings = m365_settings(fake)
    reports = await doctor_report(settings, secrets, hooks=hooks)
    mail = reports[0]
    assert mail.name == "mail" and mail.state == "ok" and exit_code(reports) == 0
    checks = by_name(mail.checks)
    assert checks["Sign-in"].status == "ok"
    assert checks["Mail.Read (application)"].status == "ok" and checks["Mail.Send (application)"].status == "ok"
    assert {"Chat.Create (application)", "ChatMember.ReadWrite (application)", "User.Read.All (application)"} \
        <= set(checks)
    assert fake.mailbox.sends == []  # validated without sending anything

    fake.authority.app_roles = ["Mail.ReadWrite", "User.Read.All"]  # an admin removed Mail.Send
    fake.authority.tokens.clear()
    secrets.delete("m365:token-cache:app:" + settings.m365_client_id + ":" + settings.m365_tenant_id)
    reports = await doctor_report(settings, secrets, hooks=hooks)
    send = by_name(reports[0].checks)["Mail.Send (application)"]
    assert send.status == "failing" and "API permissions" in send.fix and "admin consent" in send.fix
    assert reports[0].state == "failing" and exit_code(reports) == 1
    table = format_table(reports)
    assert "Mail.Send (application)" in table and "failing" in table and "To fix:" in table


async def test_m365_wrong_secret_and_teams_without_sign_in(fake: FakeGraph, hooks, secrets) -> None:
    secrets.set("m365:client-secret:" + m365_settings(fake).m365_client_id, "wrong-secret")
    settings = m365_settings(fake, teams_escalation_enabled=True)
    mail = await check("mail", settings, secrets, hooks=hooks)
    assert [(c.name, c.status) for c in mail] == [("Sign-in", "failing")]
    assert "client secret" in mail[0].fix and "wrong-secret" not in mail[0].detail
    teams = await check("teams", settings, secrets, hooks=hooks)
    assert teams[0].status == "failing" and "Sign in as the operator" in teams[0].fix


async def test_a_check_never_raises_and_names_what_is_missing(secrets) -> None:
    checks = await check("salesforce", Settings(salesforce_enabled=True), secrets)
    assert checks[0].status == "failing" and "token URL" in checks[0].detail
    checks = await check("hubspot", Settings(hubspot_enabled=True), secrets)
    assert "private app" in checks[0].detail and "retired" in checks[0].fix
    checks = await check("mail", Settings(mail_source="gmail"), secrets)
    assert checks[0].status == "failing" and "mailbox" in checks[0].detail and "Gmail" in checks[0].fix
    checks = await check("mail", Settings(mail_source="imap"), secrets)
    assert checks[0].status == "failing" and "imap_host" in checks[0].detail and "IMAP / SMTP" in checks[0].fix
    checks = await check("mail", Settings(mail_source="m365"), secrets)
    assert checks[0].status == "failing" and "tenant_id" in checks[0].detail


@pytest.fixture
def ai_server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0) as server:
        yield server


def models(*ids: str) -> Response:
    return Response(json.dumps({"object": "list", "data": [{"id": i, "object": "model", "created": 0,
                                                            "owned_by": "test"} for i in ids]}),
                    content_type="application/json")


async def test_openai_key_model_and_refusal(ai_server: HTTPServer) -> None:
    secrets = MemorySecretStore({OPENAI_API_KEY: "sk-doctor-test"})
    settings = Settings(openai_enabled=True, openai_base_url=ai_server.url_for("/v1"))
    ai_server.expect_oneshot_request("/v1/models").respond_with_response(models("gpt-4o-mini", "gpt-4.1"))
    ok = await check("openai", settings, secrets)
    assert [c.status for c in ok] == ["ok", "ok"] and "listed 2 models" in ok[0].detail
    assert ai_server.log[0][0].headers["Authorization"] == "Bearer sk-doctor-test"
    ai_server.expect_oneshot_request("/v1/models").respond_with_response(models("llama3"))
    other = await check("openai", settings, secrets)
    assert other[1].status == "failing" and "llama3" in other[1].detail
    ai_server.expect_oneshot_request("/v1/models").respond_with_response(error(401, "invalid_api_key"))
    refused = await check("openai", settings, secrets)
    assert refused[0].status == "failing" and "refused the API key" in refused[0].detail
    assert "sk-doctor-test" not in json.dumps([c.to_json() for c in refused])


async def test_customer_db_on_sqlite_working_and_mis_mapped(tmp_path: Path) -> None:
    from emailbot_gui.demo.customers import build_customer_db

    db = tmp_path / "customers.sqlite3"
    build_customer_db(db)
    settings = Settings(customer_db_enabled=True, customer_db_url=f"sqlite+aiosqlite:///{db}")
    ok = await check("customer_db", settings, MemorySecretStore())
    assert [c.status for c in ok] == ["ok", "ok"]
    broken = Settings(customer_db_enabled=True, customer_db_url=f"sqlite+aiosqlite:///{db}",
                      customer_db_mapping={"columns": {**DEFAULT_COLUMNS, "customer.email": "e_mail"},
                                           "contracts": "vertraege"})
    failing = by_name(await check("customer_db", broken, MemorySecretStore()))["Tables and columns"]
    assert failing.status == "failing" and failing.detail == "not found: customers.e_mail, vertraege"
    missing = await check("customer_db", Settings(customer_db_enabled=True,
                                                  customer_db_url=f"sqlite+aiosqlite:///{tmp_path / 'no.db'}"),
                          MemorySecretStore())
    assert missing[0].name == "Connection" and missing[0].status == "failing"
    assert "no.db does not exist" in missing[0].detail


async def test_customer_db_on_postgresql_with_the_original_design_schema(postgres: str) -> None:  # noqa: F811
    from sqlalchemy.engine import make_url

    url = make_url(postgres)
    secrets = MemorySecretStore({CUSTOMER_DB_PASSWORD: "unused-by-trust-auth"})
    settings = Settings(customer_db_enabled=True, customer_db_url=url.render_as_string(hide_password=False),
                        customer_db_mapping=original_design_mapping())
    result = await check("customer_db", settings, secrets)
    assert [c.status for c in result] == ["ok", "ok"], result
    mapping = original_design_mapping()
    mapping["columns"] = {**mapping["columns"], "ticket.subject": "betreff", "customer.phone": "telefon"}
    failing = by_name(await check("customer_db", Settings(
        customer_db_enabled=True, customer_db_url=settings.customer_db_url, customer_db_mapping=mapping),
        secrets))["Tables and columns"]
    assert failing.detail == "not found: customers.telefon, support_tickets.betreff"


def doctor_cli(data: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("EMAILBOT_")}
    full.update(env, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")  # never the OS keyring
    return subprocess.run([sys.executable, "-m", "emailbot_gui", "doctor", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env=full)


def test_doctor_command_exit_codes_table_and_json(tmp_path: Path, sf_fake, hs_fake) -> None:
    data = tmp_path / "data"
    data.mkdir()
    save_settings(data / "settings.json", Settings(**salesforce_settings(sf_fake), hubspot_enabled=True,
                                                   hubspot_base_url=hs_fake.base_url), environ={})
    secrets = {"EMAILBOT_SALESFORCE_CLIENT_SECRET": sf_fake.client_secret}

    broken = doctor_cli(data, "--json", env={**secrets, "EMAILBOT_HUBSPOT_ACCESS_TOKEN": "pat-na1-revoked"})
    assert broken.returncode == 1, broken.stderr
    report = json.loads(broken.stdout)
    states = {i["name"]: i["state"] for i in report["integrations"]}
    assert report["ok"] is False and report["keyring"] == "unavailable"
    assert states == {"mail": "ok", "openai": "disabled", "salesforce": "ok", "hubspot": "failing",
                      "customer_db": "disabled", "teams": "disabled"}
    hubspot = next(i for i in report["integrations"] if i["name"] == "hubspot")
    assert "401" in hubspot["checks"][0]["detail"] and "pat-na1-revoked" not in broken.stdout + broken.stderr

    working = doctor_cli(data, env={**secrets, "EMAILBOT_HUBSPOT_ACCESS_TOKEN": hs_fake.token})
    assert working.returncode == 0, working.stdout + working.stderr
    lines = working.stdout.splitlines()
    assert any(line.startswith("Salesforce") and " ok " in line and "Sign-in" in line for line in lines)
    assert any(line.startswith("OpenAI") and "disabled" in line for line in lines)
    assert "Every enabled integration works." in working.stdout and "No usable OS keyring" in working.stderr
    assert sf_fake.client_secret not in working.stdout + working.stderr

    (data / "settings.json").write_text(json.dumps({"mail_source": "pop3"}))
    invalid = doctor_cli(data, env={})
    assert invalid.returncode == 2 and "mail_source" in invalid.stderr
