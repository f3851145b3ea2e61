"""A virtual clock for the resilience tests: sleeping tasks wake in time order, instantly."""

from __future__ import annotations

import asyncio
import heapq
import itertools


class VirtualTime:
    """``clock()`` and ``sleep()`` over virtual seconds, shared by concurrent tasks.

    A sleeper waits until every runnable task has had its turn, then the earliest sleeper
    wakes with the clock moved to its deadline; no real time passes.
    """

    def __init__(self, start: float = 50.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._pending: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._pending, (self.now + max(seconds, 0.0), next(self._seq), future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._pending:
            for _ in range(20):  # let every runnable task reach its next await
                await asyncio.sleep(0)
            when, _, future = heapq.heappop(self._pending)
            self.now = max(self.now, when)
            if not future.done():
                future.set_result(None)
