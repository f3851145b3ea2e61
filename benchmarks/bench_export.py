"""Row 4, export fan-out: wall time to export N items when every answer takes L seconds.

The emulator runs in its own process with ``--latency L`` and ``--demo-items N``. Each answer
waits L without using the CPU, then builds its page (about half a millisecond of the emulator's
CPU for 100 items; the answers of one round wake together and are built one after another on
its single event loop). A client that keeps ``C`` page requests on the wire at all times needs
about ``N/100 * L / C`` (the ideal: 100 rows a page, C pages at a time, nothing else).
``client.items.export(slug, concurrency=C)`` also asks ``/count`` (alongside the first pages)
and decodes every row into an ``Item``. The ratio is ``measured / ideal`` (target ≤ 1.15).

Wall time is what is measured, so the contenders take turns in every round (interleaved), the
median counts, the note gives the spread and the load average. Alongside the export rows:

* raw aiohttp doing the same N/100 page fetches with C in flight and ``/count`` alongside,
  reading the bytes and decoding nothing: what this emulator and machine give a client that
  spends nothing on its pages (each lane asks again the moment an answer is in, so the
  emulator keeps waking a round's requests together and building their answers in turn);
* the export from a new client (cold connections), and on a pool of exactly C connections,
  where ``/count`` holds one of the C connections for the first L;
* the plain sequential paginator (``client.items.list``), whose own ideal is ``N/100 * L``.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from enspace_async import Handler, Request, Response
from enspace_async.transports import AiohttpTransport

from ._server import Server, emulator

__all__ = ["run"]

SLUG = "contracts"
PAGE = 100
TARGET = 1.15


async def _export(client: Any, concurrency: int) -> int:
    rows = 0
    async with client.items.export(SLUG, concurrency=concurrency) as export:
        async for _ in export:
            rows += 1
    return rows


async def _cold_export(server: Server, concurrency: int) -> int:
    async with server.client() as client:
        return await _export(client, concurrency)


async def _paginate(client: Any) -> int:
    rows = 0
    async for _ in client.items.list(SLUG):
        rows += 1
    return rows


async def _raw(session: aiohttp.ClientSession, server: Server, concurrency: int, pages: int) -> int:
    """Fetch every page with ``concurrency`` in flight and ``/count`` alongside; decode nothing.

    Returns the rows it would have decoded (the page size times the pages, checked by status).
    """
    url, headers = f"{server.url}/ws/types/{SLUG}/items", server.headers()
    offsets = iter(range(0, pages * PAGE, PAGE))

    async def get(target: str, params: dict[str, str] | None = None) -> None:
        async with session.get(target, params=params, headers=headers) as response:
            response.raise_for_status()
            await response.read()

    async def lane() -> None:
        for offset in offsets:
            await get(url, {"_sort": "id:asc", "_start": str(offset), "_limit": str(PAGE)})

    await asyncio.gather(get(url + "/count"), *(lane() for _ in range(concurrency)))
    return pages * PAGE


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

    def take(self, wall: float) -> tuple[float, list[float]]:
        """Mean pages on the wire over ``wall`` seconds, and each page's time; then forget."""
        durations = [end - start for start, end in self.spans]
        self.spans.clear()
        return sum(durations) / wall, durations


class GcTime:
    """Seconds this process spent in the garbage collector while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


class Sample:
    """What the runs of one contender measured, one entry per round."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.gc: list[float] = []
        self.on_wire: list[float] = []
        self.pages: list[float] = []
        self.server_cpu: list[float] = []


async def _timed(
    work: Awaitable[int], expected: int, sample: Sample, tracker: PageTimes, server: Server
) -> None:
    """Run ``work`` once and add its wall, CPU, GC and server CPU seconds to ``sample``."""
    collector = GcTime()
    gc.callbacks.append(collector)
    tracker.spans.clear()
    server_cpu = _process_cpu(server.pid)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        rows = await work
    finally:
        gc.callbacks.remove(collector)
    wall = time.perf_counter() - started
    if rows != expected:
        raise AssertionError(f"exported {rows} rows, expected {expected}")
    sample.wall.append(wall)
    sample.cpu.append(time.process_time() - cpu)
    sample.gc.append(collector.seconds)
    if tracker.spans:
        on_wire, durations = tracker.take(wall)
        sample.on_wire.append(on_wire)
        sample.pages.extend(durations)
    if server_cpu is not None:
        sample.server_cpu.append((_process_cpu(server.pid) or 0.0) - server_cpu)


def _process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the process ``pid`` has used; ``None`` without ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def _spread(sample: Sample, ideal: float) -> str:
    return f"{min(sample.wall) / ideal:.3f}-{max(sample.wall) / ideal:.3f}x"


def _row(case: str, sample: Sample, ideal: float, *, target: bool, note: str) -> dict[str, Any]:
    elapsed = statistics.median(sample.wall)
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


def _client_note(sample: Sample) -> str:
    pages = sorted(sample.pages)
    page = f"median page {pages[len(pages) // 2] * 1000:.0f} ms" if pages else "no pages"
    return (
        f"{statistics.median(sample.on_wire):.1f} pages on the wire on average, {page}; "
        f"client CPU {statistics.median(sample.cpu):.2f} s a run, of it GC "
        f"{statistics.median(sample.gc) * 1000:.0f} ms"
    )


def _server_note(samples: dict[str, Sample], requests: int) -> str:
    seconds = [s for sample in samples.values() for s in sample.server_cpu]
    if not seconds:
        return "emulator CPU not measured (no /proc)"
    per_request = sum(seconds) / (len(seconds) * requests)
    return f"emulator CPU {per_request * 1000:.2f} ms a request"


class Setup:
    """One run's sizes: N items, L seconds an answer, the levels of C, interleaved rounds."""

    def __init__(self, items: int, latency: float, levels: tuple[int, ...], rounds: int):
        self.items, self.latency, self.levels, self.rounds = items, latency, levels, rounds
        self.pages, self.top = math.ceil(items / PAGE), max(levels)

    def ideal(self, concurrency: int) -> float:
        return self.pages * self.latency / concurrency

    def common(self) -> str:
        return (
            f"median of {self.rounds} interleaved rounds; {self.pages} pages + /count, "
            f"L = {self.latency * 1000:.0f} ms; ideal = N/100 * L / C"
        )


async def _measure(server: Server, setup: Setup, *, quick: bool) -> list[dict[str, Any]]:
    tracker = PageTimes()
    narrow = AiohttpTransport(pool_size=setup.top)
    async with (
        server.client(middlewares=[tracker]) as client,
        server.client(transport=narrow, middlewares=[tracker]) as on_pool_of_c,
        aiohttp.ClientSession() as session,
    ):
        contenders: dict[str, Callable[[], Awaitable[int]]] = {}
        for c in setup.levels:
            contenders[f"export {c}"] = lambda c=c: _export(client, c)
            contenders[f"raw {c}"] = lambda c=c: _raw(session, server, c, setup.pages)
        contenders["cold"] = lambda: _cold_export(server, setup.top)
        contenders["pool of C"] = lambda: _export(on_pool_of_c, setup.top)
        for work in contenders.values():  # open the pools: the cold row starts cold on purpose
            await work()
        samples = {name: Sample() for name in contenders}
        for _ in range(setup.rounds):
            for name, work in contenders.items():
                await _timed(work(), setup.items, samples[name], tracker, server)
        rows = [*_level_rows(setup, samples), *_contrast_rows(setup, samples)]
        if not quick:
            sequential = Sample()
            await _timed(_paginate(client), setup.items, sequential, tracker, server)
            rows.append(_sequential_row(setup, sequential))
    return rows


def _level_rows(setup: Setup, samples: dict[str, Sample]) -> list[dict[str, Any]]:
    """The export and raw aiohttp at each C."""
    rows, server = [], _server_note(samples, setup.pages + 1)
    for c in setup.levels:
        ideal, ours, raw = setup.ideal(c), samples[f"export {c}"], samples[f"raw {c}"]
        versus_raw = statistics.median(ours.wall) / statistics.median(raw.wall)
        note = (
            f"{setup.common()}; spread {_spread(ours, ideal)}; connections warm, default pool "
            f"(100), so /count rides alongside the C pages; {_client_note(ours)}; "
            f"{versus_raw:.2f}x raw aiohttp without decoding (below); load average {_load()}"
        )
        case = f"items.export, N = {setup.items:,}, C = {c}"
        rows.append(_row(case, ours, ideal, target=True, note=note))
        note = (
            f"raw aiohttp, the same {setup.pages} GETs with C in flight and /count alongside, "
            f"bytes read, nothing decoded; {setup.common()}; spread {_spread(raw, ideal)}; "
            f"client CPU {statistics.median(raw.cpu):.3f} s a run; {server}"
        )
        case = f"raw aiohttp, no decoding, N = {setup.items:,}, C = {c}"
        rows.append(_row(case, raw, ideal, target=False, note=note))
    return rows


def _contrast_rows(setup: Setup, samples: dict[str, Sample]) -> list[dict[str, Any]]:
    """The export at the top C from cold connections, and on a pool of exactly C."""
    top, ideal = setup.top, setup.ideal(setup.top)
    cold, narrow = samples["cold"], samples["pool of C"]
    note = (
        f"a new client per run (its connections open in the first round); {setup.common()}; "
        f"spread {_spread(cold, ideal)}"
    )
    rows = [
        _row(f"items.export, C = {top}, cold connections", cold, ideal, target=False, note=note)
    ]
    note = (
        f"AiohttpTransport(pool_size={top}): /count holds one of the {top} connections for the "
        f"first L, so one page waits for it; {setup.common()}; spread {_spread(narrow, ideal)}; "
        f"{_client_note(narrow)}"
    )
    case = f"items.export, C = {top} on a pool of {top}"
    rows.append(_row(case, narrow, ideal, target=False, note=note))
    return rows


def _sequential_row(setup: Setup, sample: Sample) -> dict[str, Any]:
    ideal = setup.pages * setup.latency
    note = (
        f"plain paginator, one page at a time, one run; its ideal = N/100 * L = {ideal:.1f} s; "
        f"{_client_note(sample)}"
    )
    return _row(
        f"items.list (sequential), N = {setup.items:,}", sample, ideal, target=False, note=note
    )


def run(quick: bool) -> list[dict[str, object]]:
    """Export N items from an emulator that adds L seconds to every answer."""
    setup = Setup(1_000, 0.01, (4,), 2) if quick else Setup(12_800, 0.05, (8, 16), 9)
    extra = ["--demo-items", str(setup.items)]
    with emulator(latency=setup.latency, extra_args=extra) as server:
        return asyncio.run(_measure(server, setup, quick=quick))
