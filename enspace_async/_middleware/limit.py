"""Limit: every attempt takes an in-flight slot and a rate slot, and reports its answer.

It sits inside retry (so a backoff sleep holds no slot) and outside observe and authentication.
With the in-process backend it calls the backend's synchronous methods directly: the common
path of a request then costs no extra coroutine.

Neither wait passes the call's deadline (:mod:`enspace_async._time`): a rate slot further
away than the time left is not taken and the call fails at once; a wait for an in-flight slot
ends when the deadline comes. Both raise :class:`~enspace_async._time.DeadlineExceeded`,
nothing sent. The signal fed back never pauses other callers longer than ``max_pause`` (the
client's ``RetryPolicy.max_retry_after``): a wait the call itself would not honour.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time

from .._http import Handler, Request, Response
from .._observe import ClientStats
from .._protocol.ratesignal import OK, RateSignal
from .._ratelimit import LocalLimiterBackend, RateLimiter
from .._ratelimit.slots import Slots, loop_alarm, sleep_alarm
from .._time import DEADLINE, Clock, DeadlineExceeded, Sleep, bounded
from .telemetry import note_wait

__all__ = ["LimitMiddleware"]

NAP = 0.25


class LimitMiddleware:
    """Gate each attempt on the in-flight cap and the rate; feed the answer back.

    Args:
        limiter: the rate limiter (its backend holds the rate).
        stats: the client's counters.
        max_in_flight: the most attempts at once; ``None``: no cap.
        max_pause: the longest wait an answer may impose on every caller.
        clock: the monotonic clock deadlines are on.
        sleep: how to wait.
        wall_clock: the Unix time, for HTTP dates and Unix-time resets in headers.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        stats: ClientStats,
        *,
        max_in_flight: int | None,
        max_pause: float = math.inf,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Clock = time.time,
    ):
        self.backend = limiter.backend
        self.local = limiter.backend if isinstance(limiter.backend, LocalLimiterBackend) else None
        # Both SDK backends take max_wait; a custom one written to the bare protocol may not.
        self.bounded_reserve = "max_wait" in inspect.signature(self.backend.reserve).parameters
        self.stats = stats
        self.max_pause = max_pause
        self.clock = clock
        self.sleep = sleep
        self.wall_clock = wall_clock
        alarm = loop_alarm if sleep is asyncio.sleep else sleep_alarm(sleep)
        self.slots = Slots(max_in_flight, alarm, clock) if max_in_flight else None

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        """Wait for an in-flight slot and a rate slot, send, and report the answer."""
        slots = self.slots
        if slots is not None and not slots.try_take():
            # Queued, awaited here: a caller waiting for a slot holds no coroutine of its own
            # (hundreds may wait; see Slots on what queueing costs).
            deadline = DEADLINE.get()
            started = self.clock()
            waiter = slots.join(math.inf if deadline is None else deadline)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                slots.abandon(waiter)
                raise
            if deadline is not None:
                if not handed:  # (only a deadline ends a wait without a slot)
                    raise _late(
                        request,
                        f"waited {deadline - started:.3g} s for one of the {slots.size} "
                        "in-flight slots (max_in_flight) and the call's deadline came",
                    )
                request = bounded(request, deadline - self.clock())
        # One coroutine for the slot, the rate and the answer: only the waits are awaited.
        try:
            deadline = DEADLINE.get()
            now = self.clock()
            left = math.inf if deadline is None else deadline - now
            local = self.local
            if local is not None:
                wait, epoch = local.take(now, left)
            else:
                wait, epoch = await self._reserve(now, left)
            if wait > 0:
                await self._wait(request, wait, epoch, deadline)
                if deadline is not None:
                    request = bounded(request, deadline - self.clock())
            response = await call_next(request)
            signal = self._signal(response)
            if signal is not None:
                if local is not None:
                    local.report(self.clock(), signal)
                else:
                    await self.backend.feedback(self.clock(), signal)
            return response
        finally:
            if slots is not None:
                slots.give()

    def _signal(self, response: Response) -> RateSignal | None:
        """What ``response`` tells the limiter, or ``None`` (an error that says nothing)."""
        status, headers = response.status, response.headers
        if status == 429 or "x-ratelimit-remaining" in headers:
            return RateSignal.from_response(
                status, headers, now=self.wall_clock(), max_wait=self.max_pause
            )
        return OK if status < 300 else None

    async def _reserve(self, now: float, left: float) -> tuple[float, int]:
        if self.bounded_reserve:
            return await self.backend.reserve(now, max_wait=left)  # type: ignore[call-arg]
        return await self.backend.reserve(now)

    async def _wait(
        self, request: Request, wait: float, epoch: int, deadline: float | None
    ) -> None:
        # Sleep in naps of at most NAP seconds and look at the epoch after each: a cut, a pause
        # or a rate risen well above the one our slot was spaced for means reserving anew.
        stats, backend, clock = self.stats, self.backend, self.clock
        stats.limiter_waits += 1
        started = clock()
        try:
            while wait > 0:
                left = math.inf if deadline is None else deadline - clock()
                if wait > left:
                    raise _late(
                        request,
                        f"the rate limiter would hold this call {wait:.3g} s, but its deadline "
                        f"is {max(left, 0.0):.3g} s away (RetryPolicy.deadline)",
                    )
                nap = min(wait, NAP)
                await self.sleep(nap)
                wait -= nap  # trust the sleep: an injected one may not move the clock
                if await backend.epoch() != epoch:
                    wait, epoch = await self._reserve(clock(), left - nap)
        finally:
            waited = clock() - started
            stats.limiter_wait_seconds += waited
            note_wait(waited)


def _late(request: Request, waited: str) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"{waited}; nothing was sent", method=request.method, path=request.url.path
    )
