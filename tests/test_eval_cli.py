"""`emailbot eval`: stratified k-fold cross-validation of the local classifier on labelled CSV files,
its report and JSON output, the numpy TF-IDF baseline, and (when ../shared is present) the figures on
the public support-ticket set."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest

from emailbot_gui.app import main
from emailbot_gui.evaluation import load_csv, metrics, stratified_folds
from emailbot_gui.evaluation_baseline import TfidfLogisticRegression

SHARED = Path(__file__).resolve().parents[2] / "shared"
TICKETS = SHARED / "data" / "tickets"

TOPICS = {
    "refund": ("I want my money back for order {n}", "please refund the payment", "return the broken item"),
    "login": ("I cannot log in to my account {n}", "the password is rejected", "locked out after reset"),
    "delivery": ("Where is parcel {n}?", "the delivery is late", "tracking shows no update"),
}
LEVELS = {"refund": "medium", "login": "high", "delivery": "low"}


def write_csv(path: Path, rows: int = 150, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["subject", "body", "queue", "priority"])
        for i in range(rows):
            topic = rng.choice(sorted(TOPICS))
            first, *rest = TOPICS[topic]
            body = "Hello,\\n\\n" + first.format(n=i) + ". " + rng.choice(rest) + ".\\nThanks"  # literal \n
            writer.writerow([f"Ticket {i}", body, topic, LEVELS[topic]])
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["eval", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_every_figure_and_the_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "a.csv")
    result = run_json(capsys, str(data), "--text", "subject,body", "--label", "queue", "--folds", "3", "--baseline")
    for key in ("accuracy", "macro_f1", "per_class", "confusion", "train_seconds", "emails_per_second", "baseline"):
        assert key in result
    assert result["accuracy"] >= 0.9 and result["macro_f1"] >= 0.9 and result["head"] == "category"
    assert set(result["per_class"]) == set(TOPICS) and result["per_class"]["login"]["support"] > 0
    matrix = np.array(result["confusion"]["matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == 150 and result["confusion"]["labels"] == sorted(TOPICS)
    assert result["emails_per_second"] > 0 and result["train_seconds"] > 0
    assert result["baseline"]["accuracy"] >= 0.9 and "per_class" in result["baseline"]


def test_urgency_labels_use_the_urgency_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "a.csv")
    result = run_json(capsys, str(data), "--label", "priority", "--folds", "3")
    assert result["head"] == "urgency" and set(result["per_class"]) == {"low", "medium", "high"}
    assert result["accuracy"] >= 0.8


def test_several_files_and_the_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = write_csv(tmp_path / "a.csv", 80, seed=1), write_csv(tmp_path / "b.csv", 70, seed=2)
    assert main(["eval", str(a), str(b), "--label", "queue", "--folds", "3"]) == 0
    out = capsys.readouterr().out
    assert "on 150 emails" in out and "macro-F1" in out and "Confusion matrix" in out and "refund" in out


def test_bad_input_is_reported_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "a.csv", 30)
    assert main(["eval", str(data), "--label", "team"]) == 2
    assert "no column(s) team" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing.csv"), "--label", "queue"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_literal_newlines_become_line_breaks(tmp_path: Path) -> None:
    data = load_csv([write_csv(tmp_path / "a.csv", 5)], ["subject", "body"], "queue")
    assert data.texts[0][1].startswith("Hello,\n\n") and "\\n" not in data.texts[0][1]


def test_folds_are_stratified_and_fixed() -> None:
    labels = np.array([0] * 50 + [1] * 10 + [2] * 3)
    folds = stratified_folds(labels, 5)
    assert (folds == stratified_folds(labels, 5)).all()
    for c, n in ((0, 50), (1, 10)):
        assert np.bincount(folds[labels == c], minlength=5).tolist() == [n // 5] * 5
    assert len(set(folds[labels == 2].tolist())) == 3  # a tiny class is spread, not piled into fold 0


def test_metrics_by_hand() -> None:
    result = metrics(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), ["a", "b"])
    assert result["accuracy"] == 0.75
    assert result["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert result["per_class"]["b"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert result["macro_f1"] == pytest.approx(0.7333, abs=1e-4)
    assert result["confusion"]["matrix"] == [[1, 1], [0, 2]]


def test_baseline_learns_a_separable_problem() -> None:
    texts = [f"apple banana {i}" for i in range(20)] + [f"car engine {i}" for i in range(20)]
    labels = np.array([0] * 20 + [1] * 20)
    model = TfidfLogisticRegression().fit(texts, labels, 2)
    assert model.predict(["banana split", "engine oil", "apple"]).tolist() == [0, 1, 0]


@pytest.mark.slow
@pytest.mark.parametrize("label, min_macro_f1", [("queue", 0.385), ("priority", 0.47)])
def test_public_ticket_set(label: str, min_macro_f1: float, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(TICKETS.glob("*.csv")) if TICKETS.is_dir() else []
    if not files:
        pytest.skip(f"optional check: {TICKETS} is not present (a fresh checkout has no ../shared/)")
    result = run_json(capsys, *map(str, files), "--text", "subject,body", "--label", label, "--folds", "5")
    assert result["rows"] == 5220
    assert result["macro_f1"] >= min_macro_f1, result["macro_f1"]
    assert result["train_seconds"] < 30
