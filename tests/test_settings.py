import json
from dataclasses import replace

import pytest

from emailbot_gui.config.settings import Settings, SettingsError, load_settings


def test_defaults_follow_the_original_design():
    s = load_settings(None, environ={})
    assert (s.polling_interval_minutes, s.batch_size, s.max_retries, s.request_timeout, s.log_level) == \
        (5.0, 20, 3, 30.0, "INFO")


def test_environment_overrides_file(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"batch_size": 50, "max_retries": 7}))
    s = load_settings(path, environ={"EMAILBOT_BATCH_SIZE": "10", "EMAILBOT_LOG_LEVEL": "debug",
                                     "EMAILBOT_POLLING_INTERVAL_MINUTES": "0.5",
                                     "EMAILBOT_REQUEST_TIMEOUT": "12"})
    assert s.batch_size == 10 and s.max_retries == 7 and s.log_level == "DEBUG"
    assert s.polling_interval_minutes == 0.5 and s.request_timeout == 12.0


@pytest.mark.parametrize(("env", "needle"), [
    ({"EMAILBOT_BATCH_SIZE": "lots"}, "EMAILBOT_BATCH_SIZE"),
    ({"EMAILBOT_BATCH_SIZE": "0"}, "batch_size"),
    ({"EMAILBOT_LOG_LEVEL": "chatty"}, "log_level"),
    ({"EMAILBOT_MAX_RETRIES": "2.5"}, "max_retries"),
])
def test_bad_values_name_the_field(env, needle):
    with pytest.raises(SettingsError, match=needle):
        load_settings(None, environ=env)


def test_bad_file_is_a_clear_error(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(SettingsError, match=r"settings\.json"):
        load_settings(path, environ={})
    path.write_text(json.dumps({"batch_size": "x"}))
    with pytest.raises(SettingsError, match="batch_size"):
        load_settings(path, environ={})


def test_validate_accepts_defaults():
    assert Settings().validate() == Settings()


# ---- the setup settings (issue 6) -------------------------------------------------------------------------

def test_every_setting_has_an_environment_variable_and_env_beats_file(tmp_path):
    import dataclasses

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"mail_source": "m365", "openai_model": "gpt-4o", "salesforce_enabled": True,
                                "health_check_interval": 60}))
    env = {"EMAILBOT_OPENAI_MODEL": "gpt-4.1-mini", "EMAILBOT_SALESFORCE_ENABLED": "false",
           "EMAILBOT_TARGET_MAILBOX": "support@contoso.test", "EMAILBOT_HEALTH_CHECK_INTERVAL": "90",
           "EMAILBOT_ESCALATION_PEOPLE": '{"outage:HIGH": ["oncall@contoso.test"]}',
           "EMAILBOT_OPENAI_TEMPERATURE": "0.3", "EMAILBOT_M365_TENANT_ID": "contoso"}
    s = load_settings(path, environ=env)
    assert (s.mail_source, s.openai_model, s.salesforce_enabled, s.health_check_interval) == \
        ("m365", "gpt-4.1-mini", False, 90.0)
    assert s.target_mailbox == "support@contoso.test" and s.m365_tenant_id == "contoso"
    assert s.escalation_people == {"outage:HIGH": ["oncall@contoso.test"]} and s.openai_temperature == 0.3
    samples = {"bool": "true", "int": "7", "float": "42", "str": "x", "log_level": "ERROR",
               "database_url": "sqlite+aiosqlite:///x.db", "customer_db_url": "sqlite+aiosqlite:///c.db",
               "mail_source": "gmail", "m365_auth_mode": "app_secret", "m365_cloud": "china",
               "salesforce_api_version": "v61.0", "target_mailbox": "a@b.c", "health_check_interval": "30",
               "escalation_people": '{"*": ["a@b.c"]}', "customer_db_mapping": '{"tickets": "t"}',
               "auto_approval": '{"enabled": true}', "openai_temperature": "1.5", "openai_max_tokens": "900",
               "imap_host": "imap.example.test", "smtp_host": "smtp.example.test", "imap_security": "starttls",
               "smtp_security": "starttls", "imap_address": "a@b.c", "imap_append_sent": "false",
               "gmail_mailbox": "a@b.c", "gmail_auth_mode": "service_account",
               "gmail_client_id": "1-x.apps.googleusercontent.com", "gmail_label": "Label_7"}
    for f in dataclasses.fields(Settings):  # defaults < environment, for every single field
        if f.name in samples:
            value = samples[f.name]
        elif f.name.endswith(("_url", "_host", "_endpoint")):
            value = "https://example.test"
        else:
            value = samples[str(f.type)]
        got = getattr(load_settings(None, environ={f"EMAILBOT_{f.name.upper()}": value}), f.name)
        assert got != getattr(Settings(), f.name), f.name


def test_original_design_names_are_read():
    s = load_settings(None, environ={"EMAILBOT_M365_AUTHORITY": "https://login.microsoftonline.us/contoso-gov",
                                     "EMAILBOT_DEBUG": "true", "EMAILBOT_OPENAI_MAX_TOKENS": "500",
                                     "EMAILBOT_DATABASE_URL": "sqlite+aiosqlite:///queue.db"})
    assert s.m365_authority_host == "https://login.microsoftonline.us" and s.m365_tenant_id == "contoso-gov"
    assert s.log_level == "DEBUG" and s.openai_max_tokens == 500 and s.database_url.endswith("queue.db")


@pytest.mark.parametrize(("where", "field", "value", "needle"), [
    ("file", "mail_source", "pop3", "mail_source' must be one of demo, m365"),
    ("env", "mail_source", "pop3", "EMAILBOT_MAIL_SOURCE"),
    ("file", "openai_base_url", "http://ai.example.com/v1", "openai_base_url"),
    ("file", "openai_temperature", 3, "openai_temperature' must be between 0 and 2"),
    ("env", "salesforce_api_version", "v40.0", "EMAILBOT_SALESFORCE_API_VERSION"),
    ("file", "customer_db_url", "postgresql+asyncpg://u:hunter2@db/x", "must not contain the password"),
    ("file", "customer_db_mapping", {"tabels": "x"}, "unknown keys tabels"),
    ("file", "escalation_people", {"outage:SOON": ["a@b.c"]}, "escalation_people"),
    ("file", "auto_approval", {"rules": {"how_to": {"threshold": 2}}}, "how_to.threshold"),
    ("env", "openai_enabled", "maybe", "EMAILBOT_OPENAI_ENABLED"),
    ("env", "health_check_interval", "1", "health_check_interval"),
    ("file", "target_mailbox", "support", "target_mailbox"),
])
def test_invalid_values_name_the_field_and_where_it_came_from(tmp_path, where, field, value, needle):
    path = tmp_path / "settings.json"
    env = {}
    if where == "file":
        path.write_text(json.dumps({field: value}))
    else:
        env = {f"EMAILBOT_{field.upper()}": str(value)}
    with pytest.raises(SettingsError, match=needle) as raised:
        load_settings(path, environ=env)
    assert raised.value.field == field
    assert ("settings.json" if where == "file" else f"EMAILBOT_{field.upper()}") in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_save_is_atomic_private_and_round_trips(tmp_path):
    import os
    import stat

    from emailbot_gui.config.settings import save_settings

    path = tmp_path / "cfg" / "settings.json"
    s = Settings(mail_source="m365", m365_client_id="cid", customer_db_mapping={"tickets": "support_tickets"},
                 escalation_people={"*": ["duty@contoso.test"]}, auto_approval={"enabled": True, "rules": {}},
                 setup_done=True)
    save_settings(path, s, environ={})
    assert load_settings(path, environ={}) == s
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temporary file left behind

    class Boom(Exception):
        pass

    def failing_replace(src, dst):
        raise Boom

    before = path.read_text()
    real = os.replace
    os.replace = failing_replace
    try:
        with pytest.raises(Boom):
            save_settings(path, Settings(batch_size=99), environ={})
    finally:
        os.replace = real
    assert path.read_text() == before and [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_save_refuses_secrets_and_keeps_environment_values_out_of_the_file(tmp_path):
    from emailbot_gui.config.settings import save_settings

    path = tmp_path / "settings.json"
    for bad in (Settings(database_url="postgresql+asyncpg://emailbot:s3cret@db/queue"),
                Settings(openai_base_url="https://proxy.example/v1?api_key=s3cret")):
        with pytest.raises(SettingsError, match="secrets are kept in the OS keyring"):
            save_settings(path, bad, environ={})
    assert not path.exists()
    save_settings(path, Settings(batch_size=40), environ={})
    env = {"EMAILBOT_BATCH_SIZE": "10", "EMAILBOT_OPENAI_MODEL": "gpt-4.1"}
    loaded = load_settings(path, environ=env)
    save_settings(path, replace(loaded, max_retries=9), environ=env)  # e.g. the settings dialog saving
    on_file = json.loads(path.read_text())
    assert on_file["batch_size"] == 40 and on_file["openai_model"] == "gpt-4o-mini" and on_file["max_retries"] == 9


def test_allowed_values_match_the_graph_connector():
    from emailbot_gui.config.settings import M365_AUTH_MODES, M365_CLOUDS
    from emailbot_gui.connectors.graph import CLOUDS, AuthMode

    assert set(M365_AUTH_MODES) == {m.value for m in AuthMode} and set(M365_CLOUDS) == set(CLOUDS)


def test_every_setting_and_variable_is_documented():
    import dataclasses
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    from emailbot_gui.config.secrets import ENV_SECRETS

    for f in dataclasses.fields(Settings):
        assert f"`{f.name}`" in doc and f"`EMAILBOT_{f.name.upper()}`" in doc, f.name
    for variable in ENV_SECRETS.values():
        assert f"`{variable}`" in doc, variable
    for variable in ("EMAILBOT_M365_AUTHORITY", "EMAILBOT_DEBUG", "HUBSPOT_API_KEY", "DB_PASSWORD"):
        assert variable in doc
