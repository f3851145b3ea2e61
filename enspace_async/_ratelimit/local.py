"""The rate every attempt of a client keeps to, and the in-process backend that holds it.

The rate is a token bucket (GCRA) with an optional ceiling in requests per second that adapts:
a 429 cuts the rate to just under the rate the server was accepting, a ``Retry-After`` (or an
exhausted ``X-RateLimit-Remaining`` with its ``X-RateLimit-Reset``) pauses every caller, and
successes raise the rate again (AIMD). Without any header it still works: the 429s alone steer
it. Headers are read once, into a :class:`RateSignal` (:mod:`enspace_async._protocol.ratesignal`);
the rules themselves are written once, in :mod:`enspace_async._ratelimit.algorithm`.

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
may use its own clock (Redis ``TIME``) instead.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Protocol, Unpack, runtime_checkable

from .._errors import ConfigurationError
from .._observe import logger
from .._protocol.ratesignal import RateSignal
from . import algorithm, carry
from .algorithm import Tuning, TuningOptions

__all__ = ["LimiterBackend", "LocalLimiterBackend", "RateLimiter", "log_cut"]


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
    """The in-process rate state: the algorithm of :mod:`enspace_async._ratelimit.algorithm`
    run on one :class:`~enspace_async._ratelimit.algorithm.State`.

    Args:
        max_rate: the ceiling in requests per second; ``None`` starts unlimited and only
            limits after a 429 it can measure a rate from.
        tuning: all the settings at once (instead of ``max_rate`` and ``options``).
        **options: ``min_rate``, ``burst``, ``adaptive``, ``backoff``, ``increase``,
            ``low_water``, ``cooldown``: see :class:`~enspace_async._ratelimit.algorithm.Tuning`.
    """

    def __init__(
        self,
        max_rate: float | None = None,
        *,
        tuning: Tuning | None = None,
        **options: Unpack[TuningOptions],
    ):
        if tuning is not None and (max_rate is not None or options):
            raise ConfigurationError("pass max_rate and options in the tuning, not beside it")
        self.tuning = tuning or Tuning.of(max_rate, options)
        self.state = self.tuning.start()

    def __repr__(self) -> str:
        return f"<LocalLimiterBackend rate={self.rate:.1f}/s ceiling={self.tuning.ceiling}>"

    @property
    def rate(self) -> float:
        """The current rate in requests per second (``inf``: unlimited)."""
        return self.state.rate

    async def reserve(self, now: float, max_wait: float = math.inf) -> tuple[float, int]:
        """Take the next send slot unless it is more than ``max_wait`` away; return
        (seconds to wait, epoch). A wait above ``max_wait`` means no slot was taken."""
        return self.take(now, max_wait)

    def take(self, now: float, max_wait: float = math.inf) -> tuple[float, int]:
        """:meth:`reserve` without the coroutine, for the in-process fast path."""
        state = self.state
        return algorithm.reserve(self.tuning, state, now, max_wait), state.epoch

    async def epoch(self) -> int:
        """Return the state version."""
        return self.state.epoch

    async def feedback(self, now: float, signal: RateSignal) -> None:
        """Adapt to one answer."""
        self.report(now, signal)

    def resume(self, rate: float) -> None:
        """Start from a rate an earlier run learned (kept within the floor and the ceiling),
        unless this backend has been used already or does not adapt."""
        if self.tuning.adaptive and self.state == self.tuning.start():
            rate = min(max(rate, self.tuning.floor), self.tuning.ceiling)
            self.state.rate = self.state.epoch_rate = rate

    def report(self, now: float, signal: RateSignal) -> None:
        """:meth:`feedback` without the coroutine, for the in-process fast path."""
        state = self.state
        before = state.rate
        algorithm.feedback(self.tuning, state, now, signal)
        if state.rate < before:
            log_cut(before, state.rate)


def _state_path(value: object, backend: LimiterBackend) -> Path:
    if not isinstance(backend, LocalLimiterBackend):
        raise ConfigurationError(
            "state_file= is for the in-process limiter; a shared backend keeps its state itself"
        )
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise ConfigurationError(f"state_file must be a file path, got {type(value).__name__}")
    return Path(value)


def log_cut(before: float, after: float) -> None:
    """Log a cut of the rate (the one WARNING a 429 causes), from either backend."""
    logger.warning(
        "rate limited (429): the limiter cuts the request rate from %s to %.1f/s",
        "no limit" if before == math.inf else f"{before:.1f}/s",
        after,
    )


class RateLimiter:
    """The rate every attempt of a client keeps to, adapting to the server's 429s.

    Share one instance between clients that use the same API key to share its limit. (The cap
    on requests in flight is the client's ``max_in_flight``, kept per client.)

    A cold limiter learns the server's rate from its first 429s; a ceiling (``max_rate``) or a
    ``state_file`` avoids that opening volley (see :mod:`enspace_async._ratelimit.carry`).

    Args:
        max_rate: the ceiling in requests per second (``None``: adapt from 429s only).
        backend: where the rate state lives; a :class:`LocalLimiterBackend` by default.
        state_file: a file the learned rate is saved to when a client using this limiter
            closes, and read from when the first one starts (in-process backend only; the
            file holds a hash of the API key and origin, never the key).
        **options: passed to :class:`LocalLimiterBackend` when no backend is given.
    """

    def __init__(
        self,
        max_rate: float | None = None,
        *,
        backend: LimiterBackend | None = None,
        state_file: str | os.PathLike[str] | None = None,
        **options: Unpack[TuningOptions],
    ):
        if backend is not None and (max_rate is not None or options):
            raise ConfigurationError("pass max_rate and options to the backend, not with backend=")
        self.backend: LimiterBackend = backend or LocalLimiterBackend(max_rate, **options)
        self.state_file = None if state_file is None else _state_path(state_file, self.backend)
        self._key: str | None = None  # the hash the state file is read and written for

    def open(self, origin: str, api_key: str) -> None:
        """Start from the rate the state file holds for this origin and key (once; a client
        calls it when it starts using the limiter)."""
        if self.state_file is None or self._key is not None:
            return
        self._key = carry.identity(origin, api_key)
        rate = carry.load(self.state_file, self._key)
        if rate is not None and isinstance(self.backend, LocalLimiterBackend):
            self.backend.resume(rate)

    def close(self) -> None:
        """Save the learned rate to the state file (a client calls it when it closes).

        An unlimited rate (nothing learned) writes nothing."""
        backend = self.backend
        if self._key is None or self.state_file is None:
            return
        if isinstance(backend, LocalLimiterBackend) and backend.rate < backend.tuning.ceiling:
            carry.save(self.state_file, self._key, backend.rate)

    def __repr__(self) -> str:
        return f"<RateLimiter {self.backend!r}>"

    @classmethod
    def of(cls, value: RateLimiter | float | None) -> RateLimiter:
        """Return ``value`` as a limiter: a number is a ceiling in requests per second."""
        if isinstance(value, RateLimiter):
            return value
        return cls(value)
