"""Interleaved timing: every contender runs once per round, so drift hits them all alike.

Times are CPU seconds of this process (``time.process_time``), not wall time: on a shared
machine a contender that gets descheduled is not charged for the wait.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping

__all__ = ["interleaved", "median"]


def interleaved(
    contenders: Mapping[str, Callable[[], object]], *, rounds: int, number: int
) -> dict[str, list[float]]:
    """Time each callable ``number`` times per round, for ``rounds`` rounds, in turn.

    Returns:
        CPU seconds per call, one entry per round, for each contender.
    """
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():  # warm up caches and generated code
        fn()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in contenders.items():
                started = time.process_time()
                for _ in range(number):
                    fn()
                samples[name].append((time.process_time() - started) / number)
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


def median(values: list[float]) -> float:
    """The median (robust to a noisy round on a shared machine)."""
    return statistics.median(values)
