"""Emulator headroom: requests per second ``python -m enspace_async.testing`` serves.

The emulator runs in its own process (see :mod:`benchmarks._server`); a plain aiohttp client
with ``CONCURRENCY`` workers on one keep-alive pool sends ``GET`` requests for a 100-item page
and for a single item, and the rate is requests answered per wall-clock second. Other rows
that run against the emulator should stay well below these rates, or the emulator, not the
client, is what they measure.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from ._server import Server, emulator

__all__ = ["run"]

CONCURRENCY = 16
PAGE = "/ws/types/contracts/items"


async def _rate(server: Server, path: str, params: dict[str, str], total: int) -> float:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, headers=server.headers()) as session:
        url = server.url + path
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.get(url, params=params) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"GET {path} answered {response.status}")

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))  # warm the pool
        remaining = total
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return total / (time.perf_counter() - started)


async def _measure(server: Server, quick: bool) -> list[dict[str, object]]:
    total = 300 if quick else 3000
    async with (
        aiohttp.ClientSession(headers=server.headers()) as session,
        session.get(server.url + PAGE, params={"_limit": "1"}) as response,
    ):
        reference = (await response.json())[0]["reference"]
    cases = [
        ("100-item page", PAGE, {"_limit": "100"}),
        ("single get", f"{PAGE}/{reference}", {}),
    ]
    rows: list[dict[str, object]] = []
    for case, path, params in cases:
        rate = await _rate(server, path, params, total)
        rows.append(
            {
                "benchmark": "emulator headroom",
                "case": case,
                "value": round(rate),
                "unit": "req/s",
                "note": f"{total} GETs, {CONCURRENCY} concurrent, raw aiohttp, emulator in its own process",
            }
        )
    return rows


def run(quick: bool) -> list[dict[str, object]]:
    """Measure the emulator's request rate for a 100-item page and for a single get."""
    with emulator(demo_data=True) as server:
        return asyncio.run(_measure(server, quick))


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=False):
        print(row)
