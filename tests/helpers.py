"""What many test files share: a retry policy without backoff, and the time fakes.

* :data:`FAST`: retries at once (no backoff), for tests that count attempts, not delays;
* :func:`no_sleep`: an injected sleep that waits for nothing;
* :class:`FakeTime`: a clock that moves only when the code under test sleeps (or the test
  sets ``now``), recording each sleep;
* :class:`VirtualTime`: the same for many concurrent tasks: sleepers wake in time order.

The emulator fixtures (``emu`` and ``client``, seeded by an ``emulator`` mark) are in
``conftest.py``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from enspace_async import RetryPolicy

FAST = RetryPolicy(backoff_base=0.0, max_backoff=0.0)


async def no_sleep(seconds: float) -> None:
    """Wait for nothing, but yield to the loop as a real sleep does."""
    await asyncio.sleep(0)


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps (or a test sets
    ``now``); ``slept`` records each sleep asked for.

    Pass ``time.clock`` as ``clock=`` and ``time.sleep`` as ``sleep=``.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)


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
