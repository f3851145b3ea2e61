"""The adaptive rate limiter shared by a client, its views, paginators and bulk jobs.

Two limits gate every attempt:

* a cap on requests **in flight**, sized with the transport's connection pool by default, so
  callers never queue inside aiohttp's pool where timeouts would fire on requests not yet sent;
* a **rate**: a token bucket (GCRA) with an optional ceiling in requests per second that adapts.
  A 429 cuts the rate to just under the rate the server was accepting, a ``Retry-After`` (or an
  exhausted ``X-RateLimit-Remaining`` with its ``X-RateLimit-Reset``) pauses every caller, and
  successes raise the rate again additively (AIMD). Without any header it still works: the
  429s alone steer it. Headers are read once, into a :class:`RateSignal`
  (:mod:`enspace_async._protocol.ratesignal`): a wait longer than the client honours pauses
  nobody.

The rate state lives behind :class:`LimiterBackend`, a small protocol of async methods, so a
backend shared between processes (Redis, with atomic scripts) can replace the in-process
:class:`LocalLimiterBackend`::

    class LimiterBackend(Protocol):
        async def reserve(self, now: float) -> tuple[float, int]: ...   # (wait, epoch)
        async def epoch(self) -> int: ...
        async def feedback(self, now: float, signal: RateSignal) -> None: ...

``reserve`` takes the next send slot and says how long to wait for it, and under which *epoch*
(the version of the state). The SDK's backends also take ``max_wait``: a slot further away than
that is not taken (the caller's deadline would pass first), so a refused caller leaves no hole
in the pacing of the others. After waiting, the limiter asks for the epoch again: a 429 or a pause
since the reservation changed it, and the caller reserves anew instead of sending on a stale
slot. ``feedback`` reports each answer. ``now`` is the caller's monotonic clock; a shared backend
may use its own clock (Redis ``TIME``) instead. The in-flight cap stays local to each process.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

from .._errors import ConfigurationError
from .._observe import logger
from .._protocol.ratesignal import RateSignal

__all__ = [
    "LimiterBackend",
    "LocalLimiterBackend",
    "RateLimiter",
    "RateSignal",
]


COLD_WINDOW = 0.05
"""The shortest span over which a cold start's successes are turned into a rate (seconds)."""


@runtime_checkable
class LimiterBackend(Protocol):
    """Where the rate state lives; see the module docstring."""

    async def reserve(self, now: float) -> tuple[float, int]:
        """Take the next send slot; return (seconds to wait, epoch)."""
        ...

    async def epoch(self) -> int:
        """Return the state version; it changes when the rate is cut or callers are paused."""
        ...

    async def feedback(self, now: float, signal: RateSignal) -> None:
        """Report one answer: a success, a 429, and any rate-limit headers."""
        ...


class LocalLimiterBackend:
    """The in-process rate state: a GCRA token bucket with AIMD adaptation.

    On a 429 the rate becomes ``backoff`` times the rate the server accepted over the last second
    (never more than the current rate; within the first second, the successes so far over the
    time since the first, at least ``COLD_WINDOW``; a 429 ``2 * COLD_WINDOW`` after such a cut
    re-measures from the successes since it, the server's refill rate without its opening
    burst); a 429 may also pause every caller, for :attr:`RateSignal.pause` seconds (a
    bare ``Retry-After``, or the reset of an exhausted ``X-RateLimit-Remaining``). Each
    success adds ``increase`` requests per second to the rate (doubled for every second of
    unbroken growth, at most 16 times), up to the ceiling, unless the server's
    ``X-RateLimit-Remaining`` shows less than ``low_water`` of its ``X-RateLimit-Limit`` left
    (or nothing left when it sends no limit): then the rate holds.

    Args:
        max_rate: the ceiling in requests per second; ``None`` starts unlimited and only
            limits after the first 429.
        min_rate: the rate is never cut below this.
        burst: requests that may go at once after an idle spell.
        adaptive: adapt to 429s; ``False`` keeps the ceiling fixed (pauses still apply).
        backoff: the share of the accepted rate kept on a 429.
        increase: requests per second added per success.
        low_water: the share of the server's limit below which the rate stops growing.
        cooldown: seconds after a cut during which further 429s (answers to requests sent
            before the cut) do not cut again.
    """

    def __init__(
        self,
        max_rate: float | None = None,
        *,
        min_rate: float = 1.0,
        burst: int = 1,
        adaptive: bool = True,
        backoff: float = 0.95,
        increase: float = 0.05,
        low_water: float = 0.2,
        cooldown: float = 1.0,
    ):
        if max_rate is not None and max_rate <= 0:
            raise ConfigurationError(f"max_rate must be positive, got {max_rate!r}")
        self.ceiling = math.inf if max_rate is None else float(max_rate)
        self.min_rate = min(min_rate, self.ceiling)
        self.rate = self.ceiling
        self._burst = max(1, burst)
        self._adaptive = adaptive
        self._backoff = backoff
        self._increase = increase
        self._low_water = low_water
        self._cooldown = cooldown
        self._next = -math.inf
        self._blocked_until = -math.inf
        self._epoch = 0
        self._cut_at = -math.inf
        self._cold_cut = False
        self._ok_at_cut = 0
        self._window_start = -math.inf
        self._window_ok = 0
        self._previous_rate = 0.0
        self._growing_since = math.inf
        self._max_boost = 4
        self._epoch_rate = self.rate

    def __repr__(self) -> str:
        return f"<LocalLimiterBackend rate={self.rate:.1f}/s ceiling={self.ceiling}>"

    async def reserve(self, now: float, max_wait: float = math.inf) -> tuple[float, int]:
        """Take the next send slot unless it is more than ``max_wait`` away; return
        (seconds to wait, epoch). A wait above ``max_wait`` means no slot was taken."""
        return self.take(now, max_wait)

    def take(self, now: float, max_wait: float = math.inf) -> tuple[float, int]:
        """:meth:`reserve` without the coroutine, for the in-process fast path."""
        rate = self.rate
        if rate == math.inf:
            return max(self._blocked_until - now, 0.0), self._epoch
        interval = 1.0 / rate
        slot = max(self._next, now - (self._burst - 1) * interval, self._blocked_until)
        wait = max(slot - now, 0.0)
        if wait <= max_wait:
            self._next = slot + interval
        return wait, self._epoch

    async def epoch(self) -> int:
        """Return the state version."""
        return self._epoch

    async def feedback(self, now: float, signal: RateSignal) -> None:
        """Adapt to one answer."""
        self.report(now, signal)

    def report(self, now: float, signal: RateSignal) -> None:
        """:meth:`feedback` without the coroutine, for the in-process fast path."""
        if signal.throttled:
            self._throttled(now, signal)
            return
        self._count_ok(now)
        if self._adaptive and self.rate < self.ceiling:
            self._grow(now, signal)

    def _grow(self, now: float, signal: RateSignal) -> None:
        if not self._headroom(signal):
            self._growing_since = math.inf
            return
        if self._growing_since == math.inf:
            self._growing_since = now
        # The step doubles with every second of unbroken growth (capped), so a rate cut too
        # deep by an early estimate recovers in seconds, while a hold or a cut resets it.
        boost = 1 << min(int(now - self._growing_since), self._max_boost)
        self.rate = min(self.ceiling, self.rate + self._increase * boost)
        if self.rate >= self._epoch_rate * 1.25:
            # Callers queued on slots spaced for the old, slower rate reserve again.
            self._new_epoch(now)

    def _new_epoch(self, now: float) -> None:
        self._epoch += 1
        self._epoch_rate = self.rate
        self._next = max(now, self._blocked_until)

    def _headroom(self, signal: RateSignal) -> bool:
        if signal.remaining is None:
            return True
        return signal.remaining > self._low_water * (signal.limit or 0)

    def _throttled(self, now: float, signal: RateSignal) -> None:
        pause = signal.pause
        if pause > 0:
            self._pause(now, pause)
        # After a cut made before a full second of history, 429s soon re-measure the rate.
        cold = self._cold_cut and self._previous_rate == 0.0
        cooldown = 2 * COLD_WINDOW if cold else self._cooldown
        if self._adaptive and now >= self._cut_at + cooldown:
            self._cut(now)

    def _count_ok(self, now: float) -> None:
        elapsed = now - self._window_start
        if elapsed >= 1.0:
            self._previous_rate = self._window_ok / elapsed if elapsed < math.inf else 0.0
            self._window_start, self._window_ok = now, 0
        self._window_ok += 1

    def accepted_rate(self, now: float) -> float:
        """Estimate the successes per second over the last second.

        Before a full second of successes has passed (no previous window), the successes so
        far are divided by the time since the first one, at least ``COLD_WINDOW`` seconds,
        so 50 successes in the first 0.05 s count as 1000/s, not 50/s.
        """
        elapsed = min(max(now - self._window_start, 0.0), 1.0)
        if self._previous_rate == 0.0 and self._cold_cut:
            # The first 429 emptied the server's bucket: what got through since came at its
            # refill rate, without the opening burst.
            return (self._window_ok - self._ok_at_cut) / max(now - self._cut_at, COLD_WINDOW)
        if self._previous_rate == 0.0:
            return self._window_ok / max(elapsed, COLD_WINDOW)
        return self._previous_rate * (1.0 - elapsed) + self._window_ok

    def _cut(self, now: float) -> None:
        accepted = self.accepted_rate(now)
        base = min(self.rate, accepted) if accepted > 0 else self.rate
        self._cold_cut = self._previous_rate == 0.0
        self._cut_at, self._ok_at_cut = now, self._window_ok
        if base == math.inf:
            return  # nothing went through yet: no rate to learn from; pauses and backoff act
        before, self.rate = self.rate, max(self.min_rate, base * self._backoff)
        if self.rate < before:
            logger.warning(
                "rate limited (429): the limiter cuts the request rate from %s to %.1f/s",
                "no limit" if before == math.inf else f"{before:.1f}/s",
                self.rate,
            )
        self._growing_since = math.inf
        self._new_epoch(now)

    def _pause(self, now: float, seconds: float) -> None:
        until = now + seconds
        if until > self._blocked_until:
            self._blocked_until = until
            self._next = max(self._next, until)
            self._epoch += 1


class RateLimiter:
    """The limits every attempt of a client passes: a rate and a cap on requests in flight.

    Share one instance between clients that use the same API key to share its limit.

    Args:
        max_rate: the ceiling in requests per second (``None``: adapt from 429s only).
        backend: where the rate state lives; a :class:`LocalLimiterBackend` by default.
        **options: passed to :class:`LocalLimiterBackend` when no backend is given.
    """

    def __init__(
        self,
        max_rate: float | None = None,
        *,
        backend: LimiterBackend | None = None,
        **options: float | bool,
    ):
        if backend is not None and (max_rate is not None or options):
            raise ConfigurationError("pass max_rate and options to the backend, not with backend=")
        self.backend: LimiterBackend = backend or LocalLimiterBackend(max_rate, **options)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<RateLimiter {self.backend!r}>"

    @classmethod
    def of(cls, value: RateLimiter | float | None) -> RateLimiter:
        """Return ``value`` as a limiter: a number is a ceiling in requests per second."""
        if isinstance(value, RateLimiter):
            return value
        return cls(value)
