"""The in-flight slots: a FIFO counting semaphore whose waits end by a deadline.

An uncontended take does not await. A queued caller may give a deadline; one alarm per queue
(not one timer per caller: a capped pool may have thousands queued) rings at the soonest
deadline and tells every caller due by then that its time is up. The alarm trusts its sleep: an
injected sleep that returns at once (virtual time) means that much time has passed.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

__all__ = ["Alarm", "Slots", "loop_alarm", "sleep_alarm"]


class Cancellable(Protocol):
    """What an alarm returns: a timer handle or a task."""

    def cancel(self) -> Any:
        """Stop the alarm."""
        ...


Alarm = Callable[[float, Callable[[], None]], Cancellable]
"""``alarm(seconds, ring)``: call ``ring`` in ``seconds``."""


def loop_alarm(seconds: float, ring: Callable[[], None]) -> Cancellable:
    """Ring on the running loop's timer."""
    return asyncio.get_running_loop().call_later(seconds, ring)


def sleep_alarm(sleep: Callable[[float], Awaitable[None]]) -> Alarm:
    """An alarm driven by an injected ``sleep``, so virtual time rings it too."""

    async def ring_after(seconds: float, ring: Callable[[], None]) -> None:
        await sleep(seconds)
        ring()

    return lambda seconds, ring: asyncio.ensure_future(ring_after(seconds, ring))


class Slots:
    """A FIFO counting semaphore that never leaks a slot and whose waits may end by a deadline.

    A waiter that is cancelled after being handed a slot gives it to the next waiter; one whose
    deadline comes leaves the queue holding nothing.

    A queued caller costs one future and its ``take`` frame, nothing else: the queue holds bare
    futures (the deadlines, floats, sit in a dict beside it), and a caller that leaves early
    stays in the queue, done, until :meth:`give` passes it, so leaving searches nothing.

    What queueing still costs is mostly the garbage collector, and not for what a waiter holds
    (measured: waiting before the request is built changed nothing): a caller that gives its
    slot frees its call's objects in one step of the loop, and the waiter it wakes builds its
    own in the next, so the young generation's count (allocations less frees, never below zero)
    climbs by a whole batch of woken callers at once. At 512 callers on 100 slots, 36-40 young
    collections per 1,000 requests instead of under 1; raw aiohttp behind an ``asyncio.Semaphore``
    pays the same (``benchmarks/bench_queue.py``).

    Args:
        size: the number of slots.
        alarm: how deadlines are kept (the loop's timer by default).
        clock: the monotonic clock deadlines are on.
    """

    def __init__(
        self, size: int, alarm: Alarm = loop_alarm, clock: Callable[[], float] = time.monotonic
    ):
        self.size = size
        self.free = size
        self._alarm, self._clock = alarm, clock
        self._waiters: deque[asyncio.Future[bool]] = deque()
        self._left = 0  # about how many queued futures are done (it only times a clean-up)
        self._until: dict[asyncio.Future[bool], float] = {}  # the waiters with a deadline
        self._ring_at = math.inf
        self._ringing: Cancellable | None = None

    @property
    def idle(self) -> bool:
        """Whether every slot is free and nobody waits."""
        return self.free == self.size and not self._waiters

    @property
    def queued(self) -> int:
        """How many callers wait for a slot (counted one by one: for tests and diagnostics)."""
        return sum(not waiter.done() for waiter in self._waiters)

    def try_take(self) -> bool:
        """Take a slot if one is free and nobody is queued."""
        # A free slot means an empty queue: give() hands a slot to a live waiter first, and
        # pops the ones that left on its way.
        if self.free > 0:
            self.free -= 1
            return True
        return False

    async def take(self, until: float = math.inf) -> bool:
        """Wait for a slot; return ``False``, holding none, if the clock reaches ``until``."""
        if self.free > 0:
            self.free -= 1
            return True
        waiter = self.join(until)
        try:
            return await waiter
        except asyncio.CancelledError:
            self.abandon(waiter)
            raise

    def join(self, until: float = math.inf) -> asyncio.Future[bool]:
        """Queue for a slot (after :meth:`try_take` failed): the future is ``True`` once a slot
        is handed over, ``False`` if the clock reached ``until`` first. Await it in the caller's
        own coroutine (no coroutine per waiter), and call :meth:`abandon` if that is cancelled.
        """
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if until < math.inf:
            self._until[waiter] = until
            if until < self._ring_at:
                self._arm(until)
        return waiter

    def abandon(self, waiter: asyncio.Future[bool]) -> None:
        """The caller awaiting ``waiter`` was cancelled: leave the queue, or pass on a slot
        handed over just then."""
        if not waiter.done() or waiter.cancelled():
            waiter.cancel()
            self._leave(waiter)
        elif waiter.result():
            self.give()  # handed a slot just as we were cancelled: pass it on
        # (out of time just as we were cancelled: _ring counted us)

    def give(self) -> None:
        """Return a slot: to the first live waiter, or to the pool."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if waiter.done():
                self._left = max(self._left - 1, 0)
                continue
            if self._until:
                self._until.pop(waiter, None)
            waiter.set_result(True)
            return
        self.free += 1
        if self._ringing is not None:
            self._disarm()

    def _leave(self, waiter: asyncio.Future[bool]) -> None:
        """Note a waiter done without a slot; it stays queued until give() passes it."""
        self._until.pop(waiter, None)
        self._left += 1
        waiters = self._waiters
        if self._left > 64 and 2 * self._left > len(waiters):
            # Mostly callers who left (a stuck pool, callers timing out): drop them, so the
            # queue never grows with them; amortised O(1) per caller.
            self._waiters = deque(w for w in waiters if not w.done())
            self._left = 0
        if not self._until:
            self._disarm()

    def _arm(self, when: float) -> None:
        self._disarm()
        self._ring_at = when
        self._ringing = self._alarm(max(when - self._clock(), 0.0), self._ring)

    def _disarm(self) -> None:
        if self._ringing is not None:
            self._ringing.cancel()
            self._ringing, self._ring_at = None, math.inf

    def _ring(self) -> None:
        # Every waiter due by the time this alarm was set for is out of time; the alarm moves
        # on to the soonest deadline left.
        due, self._ringing, self._ring_at = self._ring_at, None, math.inf
        soonest = math.inf
        for waiter, until in list(self._until.items()):
            if waiter.done():
                continue  # cancelled, its take() not yet resumed: that counts it
            if until <= due:
                waiter.set_result(False)
                self._leave(waiter)
            else:
                soonest = min(soonest, until)
        if soonest < math.inf:
            self._arm(soonest)
