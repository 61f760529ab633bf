"""The bare parse rate: the standard library's email parser on the benchmark's bytes, nothing else.

`bare_parse` (emailbot_gui.mail.parse) is the stdlib's fastest parse (compat32) plus decoding the first
text/plain part: the floor any Python mail client pays per message. The end-to-end loop rate is judged
against it. Best of `repeat` runs, so a neighbour's burst of CPU does not lower the floor.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from emailbot_gui.mail.parse import bare_parse


def bare_parse_rate(raws: Sequence[bytes], repeat: int = 3) -> float:
    """Messages per second."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for raw in raws:
            bare_parse(raw)
        best = min(best, time.perf_counter() - started)
    return len(raws) / best
