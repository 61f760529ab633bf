"""The first start: without --demo and with no finished setup, the wizard comes first; its result decides
whether the console starts. Later starts (setup done) and --demo skip it."""

from __future__ import annotations

import argparse
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from emailbot_gui.gui_main import _first_run_setup
from emailbot_gui.ui.wizard.setup_wizard import SUMMARY, SetupWizard


def args_for(tmp_path, **kw) -> argparse.Namespace:
    values = {"demo": False, "mail_dir": None, "data_dir": tmp_path / "profile", "quit_after": None}
    values.update(kw)
    return argparse.Namespace(**values)


def shown_wizard() -> SetupWizard | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, SetupWizard) and w.isVisible()), None)


def test_first_start_runs_the_wizard_then_goes_on(qtbot, aloop, qapp, tmp_path):
    task = aloop.create_task(_first_run_setup(qapp, args_for(tmp_path)))
    qtbot.waitUntil(lambda: shown_wizard() is not None)
    wizard = shown_wizard()
    wizard.welcome_page.demo.setFocus()
    qtbot.keyClick(wizard.welcome_page.demo, Qt.Key.Key_Space)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == SUMMARY)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.result() is True
    saved = json.loads((tmp_path / "profile" / "settings.json").read_text(encoding="utf-8"))
    assert saved["setup_done"] is True and saved["mail_source"] == "demo"

    # The next start goes straight on.
    again = aloop.create_task(_first_run_setup(qapp, args_for(tmp_path)))
    qtbot.waitUntil(again.done)
    assert again.result() is True and shown_wizard() is None


def test_cancelling_the_first_run_wizard_stops_the_start(qtbot, aloop, qapp, tmp_path):
    task = aloop.create_task(_first_run_setup(qapp, args_for(tmp_path)))
    qtbot.waitUntil(lambda: shown_wizard() is not None)
    qtbot.mouseClick(shown_wizard().button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    assert task.result() is False
    assert not (tmp_path / "profile" / "settings.json").exists()


def test_demo_and_mail_dir_starts_skip_the_wizard(qtbot, aloop, qapp, tmp_path):
    for args in (args_for(tmp_path, demo=True), args_for(tmp_path, mail_dir=tmp_path)):
        task = aloop.create_task(_first_run_setup(qapp, args))
        qtbot.waitUntil(task.done)
        assert task.result() is True and shown_wizard() is None
