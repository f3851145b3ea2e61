"""Middleware and hooks: trace ids, timing per route, every retried attempt, and client.stats.

A middleware is ``async def middleware(request, call_next) -> Response``. Yours run outermost,
so each sees one logical call however many attempts it takes (and never the API key); hooks see
every attempt. Runs on the in-process emulator, which fails the first ``items.get`` with a 503
to show a retry: ``python examples/middleware.py``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict

from enspace_async import Attempt, Handler, Hooks, Request, Response
from enspace_async.testing import EnspaceEmulator


async def trace(request: Request, call_next: Handler) -> Response:
    """Tag the call with a trace id header and print how long it took, retries included."""
    trace_id = uuid.uuid4().hex[:16]
    started = time.perf_counter()
    response = await call_next(request.with_headers(x_trace_id=trace_id))
    elapsed = (time.perf_counter() - started) * 1000
    print(f"[{trace_id}] {request.method} {request.route} -> {response.status} in {elapsed:.1f} ms")
    return response


class Timings:
    """A stateful middleware: the durations of the calls, per route."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, list[float]] = defaultdict(list)

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        """Time one call."""
        started = time.perf_counter()
        try:
            return await call_next(request)
        finally:
            self.seconds[request.route].append(time.perf_counter() - started)


def on_response(attempt: Attempt) -> None:
    """A hook: print the attempts that failed or were retries (a tracing span would go here)."""
    status = attempt.response.status if attempt.response else type(attempt.error).__name__
    if attempt.number > 1 or status != 200:
        print(f"  attempt {attempt.number} of {attempt.request.route}: {status}")


async def main() -> None:
    """Make a few calls through the middlewares and print what they measured."""
    # logging.basicConfig(level=logging.DEBUG) would also log one line per attempt, key-free.
    timings = Timings()
    async with EnspaceEmulator(seed=3) as emulator:
        emulator.seed_type("contracts", items=30)
        emulator.faults.script("items.get", ["503"])  # the first get fails once
        hooks = Hooks(on_response=[on_response])
        async with emulator.client(middlewares=[trace, timings], hooks=hooks) as client:
            rows = await client.items.list("contracts", page_size=10).collect(limit=25)
            await client.items.get("contracts", rows[0].reference)
            print(f"count: {await client.items.count('contracts')}")
            stats = client.stats
        for route, seconds in sorted(timings.seconds.items()):
            print(f"{route}: {len(seconds)} calls, max {max(seconds) * 1000:.1f} ms")
        print(
            f"stats: requests={stats.requests} attempts={stats.attempts} retries={dict(stats.retries)}"
        )


if __name__ == "__main__":
    asyncio.run(main())
