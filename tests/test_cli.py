"""The command line as a user runs it: --version, run --once on a folder of mail with broken files,
and the real-world MIME collection from ../shared when it is present."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from emailbot_gui import __version__
from tests.conftest import shared_path

GOOD = b"""From: Ann Example <ann@example.test>
To: it-support@example.test
Subject: VPN keeps dropping
Date: Tue, 03 Mar 2026 09:00:00 +0000
Message-ID: <good-1@example.test>

Since this morning the VPN disconnects every few minutes. Can you help?
"""


def emailbot(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emailbot_gui", *args], capture_output=True, text=True,
                          timeout=timeout)


def states(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT state, count(*) FROM emails GROUP BY state").fetchall())
    finally:
        con.close()


def test_version():
    result = emailbot("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_run_needs_a_source():
    result = emailbot("run", "--once")
    assert result.returncode == 2 and "--demo or --mail-dir" in result.stderr


def test_mail_dir_quarantines_broken_files_with_reasons(tmp_path):
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "01-good.eml").write_bytes(GOOD)
    (mail / "02-empty.eml").write_bytes(b"")
    (mail / "03-garbage.eml").write_bytes(bytes(range(256)) * 20)
    (mail / "04-duplicate.eml").write_bytes(GOOD.replace(b"\n", b"\r\n"))  # same mail, other line ends
    (mail / "notes.txt").write_text("not mail")  # ignored: not an email file
    data = tmp_path / "data"
    result = emailbot("run", "--mail-dir", str(mail), "--once", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert "Fetched 1 new email(s)" in result.stdout
    assert "2 quarantined" in result.stdout and "1 skipped as already in the queue" in result.stdout
    assert states(data / "emailbot.sqlite3") == {"awaiting_review": 1, "quarantined": 2}
    con = sqlite3.connect(data / "emailbot.sqlite3")
    reasons = [r for (r,) in con.execute("SELECT state_reason FROM emails WHERE state = 'quarantined'")]
    con.close()
    assert all(len(r) > 5 for r in reasons), reasons


def test_shared_real_world_mime_runs_through_without_crash(tmp_path):
    mime = shared_path("data", "mime")
    result = emailbot("run", "--mail-dir", str(mime), "--once", "--data-dir", str(tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    counts = states(tmp_path / "emailbot.sqlite3")
    assert set(counts) <= {"awaiting_review", "quarantined"}, counts
    assert counts.get("awaiting_review", 0) >= 100
    assert "Traceback" not in result.stderr


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    assert emailbot("run", "--demo", "--once", "--data-dir", str(tmp_path)).returncode == 0
    con = sqlite3.connect(tmp_path / "emailbot.sqlite3")
    con.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    con.commit()
    con.close()
    result = emailbot("run", "--demo", "--once", "--data-dir", str(tmp_path))
    assert result.returncode == 2 and "newer version of EmailBot Console" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bad", ["EMAILBOT_BATCH_SIZE=zero"])
def test_bad_environment_setting_is_named(tmp_path, bad, monkeypatch):
    name, value = bad.split("=")
    monkeypatch.setenv(name, value)
    result = emailbot("run", "--demo", "--once", "--data-dir", str(tmp_path))
    assert result.returncode == 2 and name in result.stderr


def test_the_demo_profile_keeps_its_own_data_but_shares_the_users_settings(tmp_path, monkeypatch):
    import argparse

    from emailbot_gui.app import resolve_mode, resolve_paths
    from emailbot_gui.config.settings import Settings, save_settings

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    demo = argparse.Namespace(demo=True, data_dir=None, mail_dir=None)
    mode, paths = resolve_paths(demo, default_demo=True)
    assert mode.demo
    assert paths.data_dir == tmp_path / "data" / "EmailBotConsole" / "demo"
    assert paths.settings_file == tmp_path / "config" / "EmailBotConsole" / "settings.json"
    # Switching to Microsoft 365 in the Settings dialog while trying the demo is what the next plain start uses.
    save_settings(paths.settings_file, Settings(mail_source="m365", setup_done=True))
    plain = argparse.Namespace(demo=False, data_dir=None, mail_dir=None)
    assert resolve_mode(plain, default_demo=True)[0].mail_source == "m365"
    # An explicit data folder holds both, as before.
    mode, paths = resolve_paths(argparse.Namespace(demo=True, data_dir=tmp_path / "d", mail_dir=None),
                                default_demo=True)
    assert paths.settings_file == (tmp_path / "d" / "settings.json").resolve()
