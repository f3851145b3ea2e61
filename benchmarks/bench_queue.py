"""Callers outnumbering the pool: CPU per ``items.get`` at 512 callers on a pool of 100.

Every call past the 100th queues for an in-flight slot (``Slots``); the row compares the
client's CPU per request at 512 callers with that at 100 (the pool size, nobody queued), on
one client over ``AiohttpTransport(pool_size=100)`` against the emulator in its own process.
Rounds alternate between the two levels; the median round counts. Target: at most 1.1x.
CPU time drifts on a shared machine; the repeatable count is callgrind's (see the README).
"""

from __future__ import annotations

import asyncio
import shutil
import time

from enspace_async import EnspaceClient
from enspace_async.transports import AiohttpTransport

from ._server import Server, emulator
from ._timing import median

__all__ = ["run"]

POOL = 100
CALLERS = 512
TARGET = 1.1
SLUG = "contracts"


async def _cost(client: EnspaceClient, reference: str, callers: int, total: int) -> float:
    remaining = total

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await client.items.get(SLUG, reference)

    started = time.process_time()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return (time.process_time() - started) / total


async def _child(server: Server, callers: int, total: int) -> None:
    """Under callgrind: warm up, then send ``total`` requests from ``callers`` callers."""
    async with server.client(transport=AiohttpTransport(pool_size=POOL)) as client:
        reference = (await client.items.list(SLUG, page_size=1).collect(limit=1))[0].reference
        await _cost(client, reference, callers, 2 * callers)
        if total:
            await _cost(client, reference, callers, total)


def _count(requests: int) -> str:
    from ._instructions import per_request

    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with emulator(demo_data=True) as server:
        k = {
            level: per_request(
                server, "queue", level, 2 * level, 2 * level + requests, "benchmarks.bench_queue"
            )
            for level in (POOL, CALLERS)
        }
    return (
        f"instructions per items.get on a pool of {POOL}: {POOL} callers {k[POOL] / 1000:.1f}k, "
        f"{CALLERS} callers {k[CALLERS] / 1000:.1f}k ({k[CALLERS] / k[POOL]:.3f}x; "
        f"{requests} requests counted)"
    )


def main(argv: list[str] | None = None) -> None:
    """``--instructions``: the row in instructions under callgrind (the repeatable count)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_queue")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--instructions", action="store_true")
    mode.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=2560, help="counted per level")
    args = parser.parse_args(argv)
    if args.child:
        from ._instructions import server_of_env

        _, callers, total = args.child
        asyncio.run(_child(server_of_env(), int(callers), int(total)))
    else:
        print(_count(args.requests))


async def _measure(server: Server, quick: bool) -> dict[int, float]:
    rounds, total = (3, 1024) if quick else (15, 2560)
    async with server.client(transport=AiohttpTransport(pool_size=POOL)) as client:
        reference = (await client.items.list(SLUG, page_size=1).collect(limit=1))[0].reference
        samples: dict[int, list[float]] = {POOL: [], CALLERS: []}
        for level in samples:  # warm the pool and the code paths
            await _cost(client, reference, level, total // 2)
        for _ in range(rounds):
            for level, values in samples.items():
                values.append(await _cost(client, reference, level, total))
    return {level: median(values) for level, values in samples.items()}


def run(quick: bool) -> list[dict[str, object]]:
    """Measure CPU per request at the pool size and at 512 callers."""
    with emulator(demo_data=True) as server:
        cost = asyncio.run(_measure(server, quick))
    ratio = cost[CALLERS] / cost[POOL]
    return [
        {
            "benchmark": "client CPU per request",
            "case": f"items.get, {CALLERS} callers vs {POOL} on a pool of {POOL}",
            "ours": cost[CALLERS] * 1e6,
            "baseline": cost[POOL] * 1e6,
            "unit": "µs",
            "ratio": ratio,
            "target": f"≤ {TARGET}x",
            "met": ratio <= TARGET,
            "note": f"{CALLERS - POOL} callers queued for an in-flight slot at any time; "
            "median round of CPU time",
        }
    ]


if __name__ == "__main__":
    main()
