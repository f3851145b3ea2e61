"""Callers outnumbering the pool: CPU per ``items.get`` at 512 callers on a pool of 100.

Every call past the 100th queues for an in-flight slot (``Slots``); the row compares the
client's CPU per request at 512 callers with that at 100 (the pool size, nobody queued), on
one client over ``AiohttpTransport(pool_size=100)`` against the emulator in its own process.
Rounds alternate between the two levels; the median round counts. Target: at most 1.1x.

Two contrast rows make the same comparison for raw aiohttp: behind an ``asyncio.Semaphore``
of 100 (what a hand-written capped client does), and queued in its own connector (a
``TCPConnector(limit=100)``, whose wait counts against aiohttp's connect timeout: the reason
the SDK queues in front of it). Each note gives the young-generation collections per 1,000
requests at both levels: what a queue in front of aiohttp costs is mostly the garbage
collector (see the README's "Callers outnumbering the pool").
CPU time drifts on a shared machine; the repeatable count is callgrind's::

    python -m benchmarks.bench_queue --instructions
"""

from __future__ import annotations

import asyncio
import gc
import shutil
from contextlib import AsyncExitStack
from typing import Any

from ._server import Server, emulator
from ._timing import median
from .bench_client_cost import OURS, Send, _contenders, _cpu_per_request

__all__ = ["run"]

POOL = 100
CALLERS = 512
TARGET = 1.1
GATED = "raw aiohttp behind asyncio.Semaphore(100)"
POOLED = "raw aiohttp queued in its connector"
CONTENDERS = (OURS, GATED, POOLED)


class YoungCollections:
    """Counts the garbage collector's young-generation runs while it is entered."""

    def __init__(self) -> None:
        self.runs = 0

    def _seen(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 0:
            self.runs += 1

    def __enter__(self) -> YoungCollections:
        gc.callbacks.append(self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._seen)


async def _cost(send: Send, callers: int, total: int) -> tuple[float, float]:
    """CPU seconds per request and young collections per 1,000 requests."""
    with YoungCollections() as young:
        cpu = await _cpu_per_request(send, callers, total)
    return cpu, 1000 * young.runs / total


async def _send(server: Server, stack: AsyncExitStack, name: str) -> Send:
    """The contender ``name``, on a pool of ``POOL`` connections of its own."""
    if name == OURS:
        return (await _contenders(server, POOL, stack, [OURS]))[OURS]
    raw = (await _contenders(server, POOL, stack, ["raw aiohttp"]))["raw aiohttp"]
    if name == POOLED:
        return raw
    gate = asyncio.Semaphore(POOL)

    async def gated() -> Any:
        async with gate:
            return await raw()

    return gated


async def _child(server: Server, name: str, callers: int, total: int) -> None:
    """Under callgrind: warm up, then send ``total`` requests from ``callers`` callers."""
    async with AsyncExitStack() as stack:
        send = await _send(server, stack, name)
        await _cost(send, callers, 2 * callers)
        if total:
            await _cost(send, callers, total)


def _count(requests: int) -> str:
    from ._instructions import per_request

    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    lines = [
        f"instructions per items.get on a pool of {POOL} ({requests} requests counted)",
        f"| contender | {POOL} callers | {CALLERS} callers | ratio |",
        "|---|---|---|---|",
    ]
    with emulator(demo_data=True) as server:
        for name in CONTENDERS:
            k = {
                level: per_request(
                    server, name, level, 2 * level, 2 * level + requests, "benchmarks.bench_queue"
                )
                for level in (POOL, CALLERS)
            }
            lines.append(
                f"| {name} | {k[POOL] / 1000:.1f}k | {k[CALLERS] / 1000:.1f}k "
                f"| {k[CALLERS] / k[POOL]:.3f}x |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``--instructions``: the rows in instructions under callgrind (the repeatable count)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_queue")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--instructions", action="store_true")
    mode.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=2560, help="counted per level")
    args = parser.parse_args(argv)
    if args.child:
        from ._instructions import server_of_env

        name, callers, total = args.child
        asyncio.run(_child(server_of_env(), name, int(callers), int(total)))
    else:
        print(_count(args.requests))


Cost = dict[str, dict[int, tuple[float, float]]]


async def _measure(server: Server, quick: bool) -> Cost:
    rounds, total = (3, 1024) if quick else (15, 2560)
    levels = (POOL, CALLERS)
    async with AsyncExitStack() as stack:
        sends = {name: await _send(server, stack, name) for name in CONTENDERS}
        samples: dict[str, dict[int, list[tuple[float, float]]]] = {
            name: {level: [] for level in levels} for name in sends
        }
        for send in sends.values():  # warm the pools and the code paths
            for level in levels:
                await _cost(send, level, total // 2)
        for _ in range(rounds):
            for name, send in sends.items():
                for level in levels:
                    samples[name][level].append(await _cost(send, level, total))
    return {
        name: {
            level: (median([c for c, _ in values]), median([y for _, y in values]))
            for level, values in by_level.items()
        }
        for name, by_level in samples.items()
    }


def _row(name: str, cost: dict[int, tuple[float, float]]) -> dict[str, object]:
    (pooled, young_pooled), (queued, young_queued) = cost[POOL], cost[CALLERS]
    ratio = queued / pooled
    ours = name == OURS
    return {
        "benchmark": "client CPU per request",
        "case": f"items.get, {CALLERS} callers vs {POOL} on a pool of {POOL}"
        + ("" if ours else f" ({name})"),
        "ours": queued * 1e6,
        "baseline": pooled * 1e6,
        "unit": "µs",
        "ratio": ratio,
        "target": f"≤ {TARGET}x" if ours else "(contrast)",
        "met": ratio <= TARGET if ours else None,
        "note": f"{CALLERS - POOL} callers queued at any time; median round of CPU time; "
        f"young collections per 1,000 requests: {young_pooled:.0f} at {POOL} callers, "
        f"{young_queued:.0f} at {CALLERS}",
    }


def run(quick: bool) -> list[dict[str, object]]:
    """Measure CPU per request at the pool size and at 512 callers, ours and raw aiohttp."""
    with emulator(demo_data=True) as server:
        cost = asyncio.run(_measure(server, quick))
    return [_row(name, cost[name]) for name in CONTENDERS]


if __name__ == "__main__":
    main()
