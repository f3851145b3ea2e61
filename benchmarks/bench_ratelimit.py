"""Rate-limit utilisation: 500 concurrent callers against an emulator limited to R requests/s.

The emulator runs in its own process with ``--rate-limit R`` (a per-key token bucket of R
tokens refilled at R per second, answering 429 with ``Retry-After`` and ``X-RateLimit-*``).
500 callers loop on ``client.items.get`` through one :class:`EnspaceClient` with its default
adaptive limiter, which knows nothing of R up front. After a warm-up (the first burst that
teaches the limiter the rate), the row reports successful calls per second divided by R, and
the share of attempts answered 429, over the whole run and over the measured window.

Which rows start cold: the first (a new limiter, no file) learns R from the 429s of its
opening volley and saves the rate it settled at to a state file when its client closes; the
second starts from that file (``RateLimiter(state_file=...)``), as the next run of a program
would; the third is given the ceiling (``RateLimiter(R)``) and learns nothing. Their whole-run
429 shares are the opening volley's cost. For contrast, a last row (full mode only) uses a
limiter that does not adapt: every caller hammers the server and only per-call backoff slows
it down.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from enspace_async import RateLimiter, RetryPolicy

from ._server import Server, emulator

__all__ = ["run"]

RATE = 200
CALLERS = 500
SLUG = "contracts"
TARGET = 0.95
TARGET_429 = 0.02  # the whole-run 429 share of a limiter that starts from the carried rate


async def _drive(
    server: Server, limiter: RateLimiter, warmup: float, window: float
) -> dict[str, Any]:
    policy = RetryPolicy(max_attempts=50, deadline=None)
    async with server.client(rate_limit=limiter, retry=policy) as client:
        reference = (await client.items.list(SLUG, page_size=1).collect(limit=1))[0].reference
        started = time.monotonic()
        measure_from, stop_at = started + warmup, started + warmup + window
        done: list[float] = []
        failures = 0
        marks: dict[str, dict[str, Any]] = {}

        async def caller() -> None:
            nonlocal failures
            while time.monotonic() < stop_at:
                try:
                    await client.items.get(SLUG, reference)
                except Exception:
                    failures += 1
                else:
                    done.append(time.monotonic())

        async def snapshot() -> None:
            await asyncio.sleep(warmup)
            marks["start"] = client.stats.as_dict()
            await asyncio.sleep(window)
            marks["end"] = client.stats.as_dict()

        await asyncio.gather(snapshot(), *(caller() for _ in range(CALLERS)))
        total = client.stats.as_dict()
    in_window = sum(measure_from <= t < stop_at for t in done)
    start, end = marks["start"], marks["end"]
    window_attempts = end["attempts"] - start["attempts"]
    return {
        "achieved": in_window / window,
        "share_429": total["throttled"] / max(total["attempts"], 1),
        "share_429_window": (end["throttled"] - start["throttled"]) / max(window_attempts, 1),
        "failures": failures,
        "rate": getattr(limiter.backend, "rate", None),
    }


def _row(case: str, result: dict[str, Any], warmup: float, window: float) -> dict[str, object]:
    value = result["achieved"] / RATE
    return {
        "benchmark": "rate-limit utilisation",
        "case": case,
        "value": round(value, 3),
        "unit": "x R",
        "target": f">= {TARGET}",
        "met": value >= TARGET and result["failures"] == 0,
        "share_429": round(result["share_429"], 3),
        "share_429_window": round(result["share_429_window"], 3),
        "note": (
            f"{result['achieved']:.0f} ok/s over {window:g} s after {warmup:g} s warm-up; "
            f"429 share {result['share_429']:.1%} whole run, "
            f"{result['share_429_window']:.1%} in window; failures {result['failures']}; "
            f"limiter settled at {result['rate']:.0f}/s"
        ),
    }


async def _measure(server: Server, quick: bool, folder: Path) -> list[dict[str, object]]:
    warmup, window = (1.5, 2.5) if quick else (3.0, 15.0)
    state = folder / "rate.json"
    adaptive = await _drive(server, RateLimiter(state_file=state), warmup, window)
    rows = [_row(f"{CALLERS} callers, R={RATE}/s, adaptive, starts cold", adaptive, warmup, window)]
    carried = await _drive(server, RateLimiter(state_file=state), warmup, window)
    row = _row(
        f"{CALLERS} callers, R={RATE}/s, adaptive, rate carried over", carried, warmup, window
    )
    row["target"] = f"{row['target']}, 429s < {TARGET_429:.0%} whole run"
    row["met"] = bool(row["met"]) and carried["share_429"] < TARGET_429
    rows.append(row)
    ceiling = await _drive(server, RateLimiter(RATE), warmup, window)
    rows.append(
        _row(f"{CALLERS} callers, R={RATE}/s, ceiling {RATE}/s given", ceiling, warmup, window)
    )
    if not quick:
        fixed = await _drive(server, RateLimiter(adaptive=False), warmup, window)
        row = _row(f"{CALLERS} callers, R={RATE}/s, no adaptation", fixed, warmup, window)
        row["target"], row["met"] = "contrast", None
        rows.append(row)
    return rows


def run(quick: bool) -> list[dict[str, object]]:
    """Measure the achieved rate and the 429 share against an emulator limited to R/s."""
    with emulator(rate_limit=RATE, demo_data=True) as server, tempfile.TemporaryDirectory() as d:
        return asyncio.run(_measure(server, quick, Path(d)))
