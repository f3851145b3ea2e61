"""Sync client cost: ``SyncEnspaceClient.items.get`` against what a sync user writes instead.

Contenders, each doing one ``GET`` of an item and decoding it into the ``Item`` model (the
SDK's decoder for all three, so only the HTTP stacks differ):

- ``SyncEnspaceClient``: one client shared by every thread (its async client runs on one loop
  in a daemon thread; each call is handed over and waited for);
- ``requests``: a ``requests.Session`` per thread (sessions are not meant to be shared);
- ``httpx``: one ``httpx.Client`` shared by every thread (it is thread-safe).

At 1 and 16 threads, rounds interleave the contenders; each round sends ``N`` calls split
over the threads and records this process's CPU seconds per call (every thread, our loop
thread included) and the calls per wall-clock second. The emulator runs in its own process, so
none of its work is counted. Medians of the rounds, with the spread (lowest to highest) in the note.
Targets: CPU per call ≤ 1.0x requests and ≤ 1.0x httpx at 1 thread; ≥ 2x their throughput at
16 threads.
"""

# ruff: noqa: RUF001 - the notes print the multiplication sign and en dashes
from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import requests

from enspace_async import SyncEnspaceClient
from enspace_async._converter import decode
from enspace_async.models import Item
from enspace_async.transports import AiohttpTransport

from ._server import Server, emulator

__all__ = ["run"]

SLUG = "contracts"
THREADS = (1, 16)
OURS = "SyncEnspaceClient"
Call = Callable[[], Any]


def _contenders(server: Server, threads: int, stack: ExitStack) -> dict[str, Call]:
    client = stack.enter_context(
        SyncEnspaceClient(
            server.api_key,
            workspace=server.workspace,
            base_url=server.url,
            transport=AiohttpTransport(pool_size=threads),
        )
    )
    reference = client.items.list(SLUG, page_size=1).collect(limit=1)[0].reference
    url = f"{server.url}/ws/types/{SLUG}/items/{reference}"
    headers = server.headers()
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    hx = stack.enter_context(httpx.Client(limits=limits, headers=headers, timeout=60))
    local = threading.local()
    sessions: list[requests.Session] = []
    stack.callback(lambda: [s.close() for s in sessions])

    def ours() -> Any:
        return client.items.get(SLUG, reference)

    def with_requests() -> Any:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers.update(headers)
            sessions.append(session)
        response = session.get(url)
        response.raise_for_status()
        return decode(response.content, Item)

    def with_httpx() -> Any:
        response = hx.get(url)
        response.raise_for_status()
        return decode(response.content, Item)

    return {OURS: ours, "requests": with_requests, "httpx": with_httpx}


def _round(pool: ThreadPoolExecutor, call: Call, threads: int, total: int) -> tuple[float, float]:
    """Make ``total`` calls from ``threads`` threads; return (CPU s per call, calls per s)."""
    share = total // threads

    def work() -> None:
        for _ in range(share):
            call()

    cpu, wall = time.process_time(), time.perf_counter()
    for future in [pool.submit(work) for _ in range(threads)]:
        future.result()
    calls = share * threads
    return (time.process_time() - cpu) / calls, calls / (time.perf_counter() - wall)


def _measure(server: Server, threads: int, total: int, rounds: int) -> dict[str, Any]:
    with ExitStack() as stack, ThreadPoolExecutor(threads) as pool:
        calls = _contenders(server, threads, stack)
        for call in calls.values():  # open the pools, warm the code paths
            _round(pool, call, threads, max(threads * 4, 40))
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
        for _ in range(rounds):
            for name, call in calls.items():
                samples[name].append(_round(pool, call, threads, total))
        return samples


def _spread(values: list[float], scale: float, unit: str) -> str:
    return f"{min(values) * scale:.0f}–{max(values) * scale:.0f} {unit}"


def _rows(threads: int, samples: dict[str, Any], total: int, rounds: int) -> list[dict[str, Any]]:
    cpu = {name: [s[0] for s in rows] for name, rows in samples.items()}
    speed = {name: [s[1] for s in rows] for name, rows in samples.items()}
    ours_cpu, ours_speed = statistics.median(cpu[OURS]), statistics.median(speed[OURS])
    rows: list[dict[str, Any]] = []
    for name in ("requests", "httpx"):
        theirs_cpu, theirs_speed = statistics.median(cpu[name]), statistics.median(speed[name])
        spread = (
            f"median of {rounds} rounds x {total} calls; ours {_spread(cpu[OURS], 1e6, 'µs')}, "
            f"{name} {_spread(cpu[name], 1e6, 'µs')} CPU; "
            f"ours {_spread(speed[OURS], 1, 'calls/s')}, {name} {_spread(speed[name], 1, 'calls/s')}"
        )
        cpu_ratio = ours_cpu / theirs_cpu
        rows.append(
            {
                "benchmark": "sync client CPU per call",
                "case": f"items.get vs {name}, {threads} thread{'s' if threads > 1 else ''}",
                "ours": ours_cpu * 1e6,
                "baseline": theirs_cpu * 1e6,
                "unit": "µs",
                "ratio": cpu_ratio,
                "target": "≤ 1.0x" if threads == 1 else None,
                "met": cpu_ratio <= 1.0 if threads == 1 else None,
                "note": spread,
            }
        )
        if threads > 1:
            gain = ours_speed / theirs_speed
            rows.append(
                {
                    "benchmark": "sync client throughput",
                    "case": f"items.get vs {name}, {threads} threads",
                    "ours": ours_speed,
                    "baseline": theirs_speed,
                    "unit": "calls/s",
                    "ratio": gain,
                    "target": "≥ 2x",
                    "met": gain >= 2.0,
                    "note": "ratio = ours / theirs (higher is better)",
                }
            )
    return rows


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure CPU per call and throughput at 1 and 16 threads against requests and httpx."""
    rows: list[dict[str, Any]] = []
    with emulator(demo_data=True) as server:
        for threads in THREADS:
            total = 160 if quick else 2000
            rounds = 2 if quick else 7
            rows += _rows(threads, _measure(server, threads, total, rounds), total, rounds)
    return rows
