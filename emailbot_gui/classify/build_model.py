"""Train the local classifier that ships with the app, from the project's own demo corpus.

    python -m emailbot_gui.classify.build_model --out resources/model/local_model.npz

The training mails come from `emailbot_gui.demo.corpus.training_examples(variant="train")`; the model is
then measured on `variant="holdout"`, whose wording is disjoint from the training half, and the figures
are printed. Only project-written text is used, so the shipped model carries no third-party data.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from emailbot_gui.classify.local import LocalClassifier, TrainingExample
from emailbot_gui.core.categories import CATEGORY_KEYS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the .npz model")
    parser.add_argument("--count", type=int, default=4000, help="training examples (default 4000)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--holdout-count", type=int, default=1500, help="holdout examples; 0 skips it")
    parser.add_argument("--holdout-seed", type=int, default=11)
    args = parser.parse_args(argv)

    from emailbot_gui.demo.corpus import training_examples  # the demo package is only needed here

    texts = training_examples(count=args.count, seed=args.seed, variant="train")
    examples = [TrainingExample(t.subject, t.body, t.category, t.urgency) for t in texts]
    start = time.perf_counter()
    model = LocalClassifier.train(examples, categories=CATEGORY_KEYS, seed=0)
    train_seconds = time.perf_counter() - start
    model.save(args.out)
    args.out.chmod(0o644)  # a shipped resource, readable by all (save() writes private files)
    print(f"trained {model.description} in {train_seconds:.1f} s "
          f"(temperatures {model.temperatures[0]:.2f} / {model.temperatures[1]:.2f})")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")

    if args.holdout_count > 0:
        holdout = training_examples(count=args.holdout_count, seed=args.holdout_seed, variant="holdout")
        pairs = [(t.subject, t.body) for t in holdout]
        start = time.perf_counter()
        predictions = model.predict(pairs)
        rate = len(pairs) / (time.perf_counter() - start)
        scored = list(zip(predictions, holdout, strict=True))
        category = np.mean([p.category == t.category for p, t in scored])
        urgency = np.mean([p.urgency.name == t.urgency for p, t in scored])
        within_one = np.mean([abs(p.urgency.value - _level(t.urgency)) <= 1 for p, t in scored])
        confidence = np.mean([p.confidence for p in predictions])
        print(f"holdout ({len(holdout)} mails, unseen wording): category accuracy {category:.3f}, "
              f"urgency accuracy {urgency:.3f} (within one level {within_one:.3f}), "
              f"mean confidence {confidence:.3f}; {rate:,.0f} predictions/s")
    return 0


def _level(name: str) -> int:
    return ("LOW", "MEDIUM", "HIGH", "CRITICAL").index(name) + 1


if __name__ == "__main__":
    sys.exit(main())
