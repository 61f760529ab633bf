import json

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
