"""The code's own standards, checked in CI: ruff on everything, mypy --strict on every Qt-free layer, and
no Qt import below the UI."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "emailbot_gui"
QT_FREE = ("core", "pipeline", "store", "connectors", "classify", "mail", "services", "config")


@pytest.mark.slow
def test_ruff_is_clean():
    if shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    folders = [name for name in ("emailbot_gui", "tests", "benchmarks", "packaging") if (REPO / name).is_dir()]
    result = subprocess.run(["ruff", "check", "--quiet", *folders], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_mypy_strict_on_every_qt_free_layer():
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    layers = [str(PACKAGE / name) for name in QT_FREE]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", *layers], cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("layer", QT_FREE)
def test_no_qt_below_the_ui(layer):
    offenders = []
    for path in (PACKAGE / layer).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in {"PySide6", "qasync", "shiboken6"} for n in names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders
