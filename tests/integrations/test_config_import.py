"""`emailbot config import FILE.env` on the original design's environment template: settings land in the
settings file, secrets in the keyring (service "EmailBot"), the output names but never shows a value,
HUBSPOT_API_KEY is explained, and without a keyring nothing secret is written anywhere."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emailbot_gui.config.env_import import parse_env_file, plan_import
from emailbot_gui.config.settings import Settings, load_settings
from emailbot_gui.config_cli import run
from tests.graph.conftest import MemoryKeyring

SECRETS = {"m365": "m365-Cl1ent~Secret.value", "openai": "sk-proj-importTEST0123456789",
           "salesforce": "SF-consumer-secret-8842", "db": "customer-db-pa55", "queue": "queue-db-pa55",
           "ignored": "web-api-key-never-stored"}
SAMPLE = f"""# Application Settings
EMAILBOT_DEBUG=false
EMAILBOT_LOG_LEVEL=INFO
EMAILBOT_HOST=0.0.0.0
EMAILBOT_PORT=8000

# Microsoft 365 Integration
EMAILBOT_M365_TENANT_ID=contoso.onmicrosoft.com
EMAILBOT_M365_CLIENT_ID=0e8f8c2a-1111-2222-3333-444455556666
export EMAILBOT_M365_CLIENT_SECRET="{SECRETS['m365']}"
EMAILBOT_TARGET_MAILBOX=it-support@contoso.com

# OpenAI Configuration
EMAILBOT_OPENAI_API_KEY='{SECRETS['openai']}'
EMAILBOT_OPENAI_MODEL=gpt-4
EMAILBOT_OPENAI_MAX_TOKENS=500
EMAILBOT_OPENAI_TEMPERATURE=0.1

# Database Configuration
EMAILBOT_DATABASE_URL=postgresql://emailbot:{SECRETS['queue']}@db.contoso.com:5432/emailbot
EMAILBOT_REDIS_URL=redis://localhost:6379/0

# CRM Integrations
SALESFORCE_CLIENT_ID=3MVG9contosoConsumerKey
SALESFORCE_CLIENT_SECRET={SECRETS['salesforce']}
SALESFORCE_INSTANCE_URL=https://contoso.my.salesforce.com

HUBSPOT_API_KEY=your-hubspot-api-key

# External Database
DB_HOST=customer-db.contoso.com
DB_NAME=customer_data
DB_USER=emailbot_user
DB_PASSWORD={SECRETS['db']}

# Security
EMAILBOT_API_KEY={SECRETS['ignored']}
WEBHOOK_TOKEN=your-webhook-token

# Performance Tuning
EMAILBOT_POLLING_INTERVAL_MINUTES=5
EMAILBOT_BATCH_SIZE=20   # per poll
EMAILBOT_HEALTH_CHECK_INTERVAL=60
"""


def test_parse_env_file_handles_quotes_comments_and_export() -> None:
    values = parse_env_file(SAMPLE)
    assert values["EMAILBOT_M365_CLIENT_SECRET"] == SECRETS["m365"]
    assert values["EMAILBOT_OPENAI_API_KEY"] == SECRETS["openai"] and values["EMAILBOT_BATCH_SIZE"] == "20"
    plan = plan_import(values, Settings())
    assert SECRETS["openai"] not in repr(plan)


def test_import_settings_to_the_file_secrets_to_the_keyring(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    env_file = tmp_path / "original.env"
    env_file.write_text(SAMPLE)
    keyring = MemoryKeyring()
    code = run(argparse.Namespace(config_command="import", file=env_file, data_dir=tmp_path / "data"),
               keyring_backend=keyring)
    out = capsys.readouterr()
    assert code == 0, out.err

    settings_file = tmp_path / "data" / "settings.json"
    s = load_settings(settings_file, environ={})
    assert (s.mail_source, s.m365_tenant_id, s.target_mailbox, s.m365_auth_mode) == \
        ("m365", "contoso.onmicrosoft.com", "it-support@contoso.com", "app_secret")
    assert (s.openai_enabled, s.openai_model, s.openai_max_tokens) == (True, "gpt-4", 500)
    assert s.database_url == "postgresql+asyncpg://emailbot@db.contoso.com:5432/emailbot"
    assert s.salesforce_enabled and s.salesforce_client_id == "3MVG9contosoConsumerKey"
    assert s.salesforce_token_url == "https://contoso.my.salesforce.com/services/oauth2/token"
    assert s.customer_db_enabled and s.customer_db_mapping["tickets"] == "support_tickets"
    assert s.customer_db_url == ("postgresql+asyncpg://emailbot_user@customer-db.contoso.com:5432/customer_data"
                                 "?ssl=require")
    assert not s.hubspot_enabled and s.health_check_interval == 60.0

    assert keyring.entries == {
        ("EmailBot", "m365:client-secret:0e8f8c2a-1111-2222-3333-444455556666"): SECRETS["m365"],
        ("EmailBot", "openai:api-key"): SECRETS["openai"],
        ("EmailBot", "salesforce:client-secret:3MVG9contosoConsumerKey"): SECRETS["salesforce"],
        ("EmailBot", "customer-db:password"): SECRETS["db"],
        ("EmailBot", "database:password"): SECRETS["queue"]}

    text = settings_file.read_text()
    for value in SECRETS.values():
        assert value not in text, "a secret reached the settings file"
        assert value not in out.out + out.err, "a secret was printed"
    assert "salesforce_client_id" in out.out and "<- SALESFORCE_CLIENT_ID" in out.out
    assert "openai:api-key" in out.out and "<- EMAILBOT_OPENAI_API_KEY" in out.out
    assert "HubSpot retired API keys" in out.out and "private app" in out.out
    assert "EMAILBOT_REDIS_URL" in out.out and "EMAILBOT_API_KEY" in out.out  # skipped, with the reason
    assert "WEBHOOK_TOKEN" in out.out and "placeholder" in out.out

    # `config show` names each secret in words and says where it is set, never what it is
    assert run(argparse.Namespace(config_command="show", data_dir=tmp_path / "data"), keyring_backend=keyring) == 0
    shown = capsys.readouterr().out
    lines = [line.strip() for line in shown.splitlines()]
    for label in ("OpenAI API key", "Microsoft 365 client secret", "Salesforce consumer secret",
                  "Customer database password", "Queue database password"):
        assert any(line.startswith(label) and line.endswith("set (OS keyring)") for line in lines), label
    assert "HubSpot access token" in shown and all(value not in shown for value in SECRETS.values())


def test_without_a_keyring_no_secret_is_written_and_the_alternative_is_named(tmp_path: Path) -> None:
    env_file = tmp_path / "original.env"
    env_file.write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAILBOT_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    result = subprocess.run([sys.executable, "-m", "emailbot_gui", "config", "import", str(env_file), "--data-dir",
                             str(tmp_path / "data")], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1
    assert "NOT stored" in result.stderr and "EMAILBOT_OPENAI_API_KEY" in result.stderr
    assert "SALESFORCE_CLIENT_SECRET -> set EMAILBOT_SALESFORCE_CLIENT_SECRET" in result.stderr
    files = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    for value in SECRETS.values():
        assert value.encode() not in files and value not in result.stdout + result.stderr
    assert json.loads((tmp_path / "data" / "settings.json").read_text())["salesforce_enabled"] is True


def test_a_private_app_token_under_the_old_name_is_imported_and_bad_values_are_named() -> None:
    plan = plan_import({"HUBSPOT_API_KEY": "pat-na1-0000-real-token"}, Settings())
    assert plan.secrets == {"hubspot:access-token": "pat-na1-0000-real-token"} and plan.settings["hubspot_enabled"]
    from emailbot_gui.config.settings import SettingsError

    with pytest.raises(SettingsError, match="EMAILBOT_BATCH_SIZE"):
        plan_import({"EMAILBOT_BATCH_SIZE": "lots"}, Settings())
    with pytest.raises(SettingsError, match="SALESFORCE_API_VERSION"):
        plan_import({"SALESFORCE_API_VERSION": "v20.0"}, Settings()).apply_to(Settings())


def test_the_designs_authority_and_debug_variables_mean_the_same_in_an_import_as_in_the_environment() -> None:
    from emailbot_gui.config.settings import env_overrides

    env = {"EMAILBOT_M365_AUTHORITY": "https://login.microsoftonline.us/contoso-gov", "EMAILBOT_DEBUG": "yes",
           "EMAILBOT_M365_TENANT_ID": "explicit-tenant"}
    plan = plan_import(env, Settings())
    overrides = env_overrides(env)
    for setting, value in (("m365_authority_host", "https://login.microsoftonline.us"),
                           ("m365_tenant_id", "explicit-tenant"), ("log_level", "DEBUG")):
        assert plan.settings[setting] == overrides[setting][0] == value  # a setting's own variable wins
    assert plan.setting_sources["m365_tenant_id"] == "EMAILBOT_M365_TENANT_ID"
    assert plan.setting_sources["m365_authority_host"] == "EMAILBOT_M365_AUTHORITY"


def test_config_show_hides_any_value_that_carries_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({
        "openai_base_url": "https://proxy.example/v1?api_key=sk-in-a-query-1234",  # was printed in full
        "database_url": "postgresql+asyncpg://emailbot:pw-in-the-url-5678@db.example/emailbot"}))
    assert run(argparse.Namespace(config_command="show", data_dir=tmp_path), keyring_backend=MemoryKeyring()) == 0
    out = capsys.readouterr()
    assert "sk-in-a-query-1234" not in out.out + out.err and "pw-in-the-url-5678" not in out.out + out.err
    hidden = [line.split()[0] for line in out.out.splitlines() if "carries a secret" in line]
    assert hidden == ["database_url", "openai_base_url"]
