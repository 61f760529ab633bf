"""Demo data written for this project: a reproducible IT-support mail corpus, labelled training text,
a fast synthetic mail stream for benchmarks, and the demo customer database the corpus's senders live in.

The names below are imported lazily, so `python -m emailbot_gui.demo.corpus` runs cleanly and importing
the package costs nothing until something is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DemoEmail": "corpus", "generate_corpus": "corpus", "LabelledText": "training",
    "training_examples": "training", "synthetic_raw_emails": "synthetic", "DEMO_CUSTOMERS": "customers",
    "build_customer_db": "customers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
