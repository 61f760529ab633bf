"""Local classification throughput: the shipped model classifies demo-corpus emails it has never seen.

    python -m benchmarks.classify_throughput [--emails 3000] [--repeat 3] [--train 5000]

Prints emails per second for `LocalClassifier.predict` (features, linear model, neighbour memory,
urgency cues, rationale) and for the `Classifier.classify` path the triage loop uses; with `--train N`,
also the seconds to train a model on N emails (what retraining after an override costs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from emailbot_gui.classify.local import LocalClassifier, TrainingExample
from emailbot_gui.core.categories import CATEGORY_KEYS
from emailbot_gui.core.types import Address, Email
from emailbot_gui.demo.corpus import training_examples

MODEL = Path(__file__).resolve().parents[1] / "resources" / "model" / "local_model.npz"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--train", type=int, default=0, metavar="N", help="also time training on N emails")
    args = parser.parse_args(argv)

    model = LocalClassifier.load(MODEL)
    texts = training_examples(count=args.emails, seed=123, variant="holdout")
    pairs = [(t.subject, t.body) for t in texts]
    model.predict(pairs[:50])  # builds the neighbour memory and warms the word cache once
    best = min(_timed(lambda: model.predict(pairs)) for _ in range(args.repeat))
    print(f"local classification (predict): {len(pairs) / best:,.0f} emails/s "
          f"({len(pairs)} emails, best of {args.repeat}, model {model.description})")

    emails = [Email(source="bench", provider_id=str(i), message_id=f"<{i}@bench>", subject=s,
                    sender=Address("someone@example.com"), received_at=datetime(2026, 1, 1, tzinfo=UTC),
                    body_text=b) for i, (s, b) in enumerate(pairs)]
    batch = 20  # the triage loop's default batch size

    async def classify_all() -> None:
        for start in range(0, len(emails), batch):
            await model.classify(emails[start:start + batch])

    best = min(_timed(lambda: asyncio.run(classify_all())) for _ in range(args.repeat))
    print(f"local classification (classify, batches of {batch}): {len(emails) / best:,.0f} emails/s")

    if args.train:
        examples = [TrainingExample(t.subject, t.body, t.category, t.urgency)
                    for t in training_examples(count=args.train, seed=7, variant="train")]
        seconds = _timed(lambda: LocalClassifier.train(examples, categories=CATEGORY_KEYS))
        print(f"training on {len(examples)} emails (with calibration): {seconds:.1f} s")
    return 0


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
