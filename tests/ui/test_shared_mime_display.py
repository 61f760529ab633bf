"""Every real-world raw email in ../shared/data/mime goes parse -> store -> classify -> display: each is
shown (as sanitized HTML and as text) or quarantined with its reason, with no crash, no hang and no
network request."""

from __future__ import annotations

import time

import pytest

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.services.runtime import Mode, build_runtime
from emailbot_gui.store.views import QueueQuery
from emailbot_gui.ui.message_view import MessageBody
from tests.conftest import run_in_qt, shared_path

pytestmark = pytest.mark.slow


def test_every_shared_email_is_shown_or_quarantined(qtbot, aloop, tmp_path):
    mime = shared_path("data", "mime")
    runtime = run_in_qt(aloop, qtbot, build_runtime(AppPaths.resolve(tmp_path), Settings(batch_size=50),
                                                    Mode(mail_dir=mime)))
    try:
        report, stats = run_in_qt(aloop, qtbot, runtime.loop.run_until_exhausted(), timeout_ms=120_000)
        assert stats.failed == 0
        rows = run_in_qt(aloop, qtbot, runtime.store.queue_page(QueueQuery(), 0, 10_000))
        assert len(rows) == report.fetched + report.quarantined >= 100
        body = MessageBody()
        qtbot.addWidget(body)
        for row in rows:
            detail = run_in_qt(aloop, qtbot, runtime.console.detail(row.id))
            if detail.state == EmailState.QUARANTINED:
                assert len(detail.state_reason) > 5
                continue
            assert detail.state == EmailState.AWAITING_REVIEW and detail.classification is not None
            for prefer_text in (False, True):
                started = time.perf_counter()
                body.prefer_text = prefer_text
                body.show_email(detail.email)
                qtbot.waitUntil(lambda: not body.busy, timeout=10_000)
                body.view.document().toPlainText()  # lay out and read the shown document
                assert time.perf_counter() - started < 5, detail.email.subject
            # The sanitizer already removed every remote reference; the document would refuse it anyway.
            requested = [u.toString() for u in body.view.refused_resources]
            assert not any(u.startswith(("http:", "https:", "ftp:")) for u in requested), requested
    finally:
        run_in_qt(aloop, qtbot, runtime.close())
