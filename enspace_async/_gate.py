"""The limiter middleware: every attempt takes an in-flight slot and a rate slot.

It sits inside retry (so a backoff sleep holds no slot) and outside observe and authentication.
With the in-process backend it calls the backend's synchronous methods directly: the common
path of a request then costs no extra coroutine.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable

from ._http import Handler, Request, Response
from ._observe import ClientStats
from ._ratelimit import OK, LocalLimiterBackend, RateLimiter, RateSignal

__all__ = ["LimitMiddleware", "Slots"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
NAP = 0.25


class Slots:
    """A FIFO counting semaphore whose uncontended acquire does not await.

    A waiter that is cancelled after being handed a slot gives it to the next waiter, so a
    cancelled caller can never leak a slot.
    """

    def __init__(self, size: int):
        self.size = size
        self.free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_take(self) -> bool:
        """Take a slot if one is free and nobody is queued."""
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return True
        return False

    async def take(self) -> None:
        """Wait for a slot."""
        if self.try_take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a slot just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # already dropped by give()
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        """Return a slot: to the first live waiter, or to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class LimitMiddleware:
    """Gate each attempt on the in-flight cap and the rate; feed the answer back."""

    def __init__(
        self,
        limiter: RateLimiter,
        stats: ClientStats,
        *,
        max_in_flight: int | None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        self.backend = limiter.backend
        self.local = limiter.backend if isinstance(limiter.backend, LocalLimiterBackend) else None
        self.stats = stats
        self.clock = clock
        self.sleep = sleep
        self.slots = Slots(max_in_flight) if max_in_flight else None

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        """Wait for an in-flight slot and a rate slot, send, and report the answer."""
        slots = self.slots
        if slots is None:
            return await self._send(request, call_next)
        if not slots.try_take():
            await slots.take()
        try:
            return await self._send(request, call_next)
        finally:
            slots.give()

    async def _send(self, request: Request, call_next: Handler) -> Response:
        local = self.local
        if local is not None:
            wait, epoch = local.take(self.clock())
        else:
            wait, epoch = await self.backend.reserve(self.clock())
        if wait > 0:
            await self._wait(wait, epoch)
        response = await call_next(request)
        status, headers = response.status, response.headers
        if status == 429 or "x-ratelimit-remaining" in headers:
            signal = RateSignal.from_response(status, headers)
        elif status < 300:
            signal = OK
        else:
            return response
        if local is not None:
            local.report(self.clock(), signal)
        else:
            await self.backend.feedback(self.clock(), signal)
        return response

    async def _wait(self, wait: float, epoch: int) -> None:
        # Sleep in naps of at most NAP seconds and look at the epoch after each: a cut, a pause
        # or a rate risen well above the one our slot was spaced for means reserving anew.
        stats, backend, clock = self.stats, self.backend, self.clock
        stats.limiter_waits += 1
        started = clock()
        while wait > 0:
            nap = min(wait, NAP)
            await self.sleep(nap)
            wait -= nap  # trust the sleep: an injected one may not move the clock
            if await backend.epoch() != epoch:
                wait, epoch = await backend.reserve(clock())
        stats.limiter_wait_seconds += clock() - started
