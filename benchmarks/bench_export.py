"""Row 4, export fan-out: wall time to export N items when every answer takes L seconds.

The emulator runs in its own process with ``--latency L`` and ``--demo-items N``. Its answers
wait L without using the CPU, so a client that keeps ``C`` page requests on the wire at all
times needs about ``N/100 * L / C`` (the ideal: 100 rows a page, C pages at a time, nothing
else). ``client.items.export(slug, concurrency=C)`` also asks ``/count`` first (one more L) and
decodes every row into an ``Item``. The ratio is ``measured / ideal`` (target ≤ 1.25).

Wall time is noisy on a shared machine (waiting is what is measured), so each case reports
the best of 3 runs, and the load average next to it. For contrast, the same N items through the plain sequential paginator
(``client.items.list``), whose own ideal is ``N/100 * L``.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from typing import Any

from enspace_async import Handler, Request, Response
from enspace_async.transports import AiohttpTransport

from ._server import Server, emulator

__all__ = ["run"]

SLUG = "contracts"
PAGE = 100
TARGET = 1.25


async def _export(client: Any, concurrency: int) -> int:
    rows = 0
    async with client.items.export(SLUG, concurrency=concurrency) as export:
        async for _ in export:
            rows += 1
    return rows


async def _paginate(client: Any) -> int:
    rows = 0
    async for _ in client.items.list(SLUG):
        rows += 1
    return rows


class PageTimes:
    """A middleware noting when each page request left and when its answer was read."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        started = time.perf_counter()
        try:
            return await call_next(request)
        finally:
            if request.route == "items.list":
                self.spans.append((started, time.perf_counter()))

    def summary(self, wall: float) -> str:
        """Mean pages on the wire and the median page time (the server adds L to each)."""
        durations = sorted(end - start for start, end in self.spans)
        if not durations:
            return "no pages"
        in_flight = sum(durations) / wall
        return f"{in_flight:.1f} pages on the wire on average, median page {durations[len(durations) // 2] * 1000:.0f} ms"


async def _timed(work: Any, expected: int, pages: PageTimes) -> tuple[float, float, str]:
    """Return the wall time, this process's CPU time and the page summary of ``work``."""
    pages.spans.clear()
    started, cpu = time.perf_counter(), time.process_time()
    rows = await work
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if rows != expected:
        raise AssertionError(f"exported {rows} rows, expected {expected}")
    return elapsed, cpu, pages.summary(elapsed)


def _row(case: str, elapsed: float, ideal: float, *, target: bool, note: str) -> dict[str, Any]:
    ratio = elapsed / ideal
    return {
        "benchmark": "export fan-out",
        "case": case,
        "ours": elapsed,
        "baseline": ideal,
        "unit": "s",
        "ratio": ratio,
        "target": f"≤ {TARGET}x ideal" if target else None,
        "met": ratio <= TARGET if target else None,
        "note": note,
    }


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


async def _measure(
    server: Server, items: int, latency: float, levels: tuple[int, ...], *, quick: bool
) -> list[dict[str, Any]]:
    repeats, sequential = (1, False) if quick else (3, True)
    pages = math.ceil(items / PAGE)
    rows = []
    tracker = PageTimes()
    transport = AiohttpTransport(pool_size=max(levels))
    async with server.client(transport=transport, middlewares=[tracker]) as client:
        await _export(client, max(levels))  # open the pool: connections are not the subject
        for concurrency in levels:
            runs = [
                await _timed(_export(client, concurrency), items, tracker) for _ in range(repeats)
            ]
            elapsed, cpu, summary = min(runs)
            ideal = pages * latency / concurrency
            note = (
                f"best of {repeats}; {pages} pages + 1 count, L = {latency * 1000:.0f} ms; "
                f"ideal = N/100 * L / C; {summary}; client CPU {cpu:.2f} s; "
                f"load average {_load()}"
            )
            case = f"items.export, N = {items:,}, C = {concurrency}"
            rows.append(_row(case, elapsed, ideal, target=True, note=note))
        if sequential:
            elapsed, _, summary = await _timed(_paginate(client), items, tracker)
            note = (
                f"plain paginator, one page at a time; its ideal = N/100 * L = "
                f"{pages * latency:.1f} s; {summary}"
            )
            case = f"items.list (sequential), N = {items:,}"
            rows.append(_row(case, elapsed, pages * latency, target=False, note=note))
    return rows


def run(quick: bool) -> list[dict[str, object]]:
    """Export N items from an emulator that adds L seconds to every answer."""
    items, latency, levels = (1_000, 0.01, (4,)) if quick else (12_800, 0.05, (8, 16))
    extra = ["--demo-items", str(items)]
    with emulator(latency=latency, extra_args=extra) as server:
        return asyncio.run(_measure(server, items, latency, levels, quick=quick))
