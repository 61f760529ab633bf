"""Kill -9 the headless app in the middle of its loop, start it again: nothing is lost, nothing is in
the queue twice, and every demo email ends up awaiting review."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emailbot_gui.config.paths import resources_dir

pytestmark = pytest.mark.slow


def _count(db: Path, where: str = "1=1") -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute(f"SELECT count(*) FROM emails WHERE {where}").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet, or mid-migration
        return 0


def _run(data: Path, **kw) -> subprocess.Popen[bytes]:
    env = dict(os.environ, EMAILBOT_BATCH_SIZE="4", EMAILBOT_LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "emailbot_gui", "run", "--demo", "--once", "--data-dir",
                             str(data)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_kill_mid_loop_then_restart_loses_and_duplicates_nothing(tmp_path):
    total = len(list((resources_dir() / "demo" / "mail").glob("*.eml")))
    db = tmp_path / "emailbot.sqlite3"
    proc = _run(tmp_path)
    deadline = time.monotonic() + 60
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        n = _count(db)
        if n >= 40:  # well into the corpus, with batches still in flight
            proc.send_signal(signal.SIGKILL)
            killed_at = n
            break
        time.sleep(0.02)
    proc.communicate(timeout=30)
    assert killed_at is not None and killed_at < total, "the run ended before it could be killed"
    assert proc.returncode == -signal.SIGKILL
    done = _run(tmp_path)
    out, err = done.communicate(timeout=180)
    assert done.returncode == 0, err.decode()
    assert _count(db) == total
    con = sqlite3.connect(db)
    try:
        dupes = con.execute("SELECT count(*) FROM (SELECT provider_id FROM emails GROUP BY source, provider_id "
                            "HAVING count(*) > 1)").fetchone()[0]
        states = dict(con.execute("SELECT state, count(*) FROM emails GROUP BY state").fetchall())
        fetched_audits = con.execute("SELECT count(*) FROM audit_events WHERE action = 'fetched'").fetchone()[0]
    finally:
        con.close()
    assert dupes == 0
    assert states.get("awaiting_review", 0) + states.get("quarantined", 0) == total, states
    assert fetched_audits == states.get("awaiting_review", 0)
    assert b"Awaiting review" in out
