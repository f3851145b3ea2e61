"""A rate limiter and retry budget kept in Redis, shared by every process that uses one API key.

:class:`RedisLimiter` is both a :class:`~enspace_async.LimiterBackend` and a
:class:`~enspace_async.RetryBudget`. Its state lives under ``<namespace>:{<sha256 of the key>}``,
changed only by the atomic scripts of :mod:`enspace_async._ratelimit.scripts`, so N workers on M
machines pace themselves as one client would, and a 429 seen by any of them slows them all.

When Redis fails or answers slower than ``timeout``, the ``"local"`` policy (the default) keeps
every call going on a local limiter at ``max_rate / expected_workers`` and a local share of the
budget, logs one warning, and probes Redis again with backoff (``probe_interval`` doubling up to
``max_probe_interval``); the first probe that succeeds rejoins the shared state. The ``"raise"``
policy raises :class:`LimiterUnavailableError` instead. Either way no request is sent twice and
none is dropped because of the limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Literal, Self, TypeVar, Unpack

import attrs
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from .._errors import ConfigurationError, EnspaceError
from .._middleware.retry import DEFAULT_BUDGET, LocalRetryBudget
from .._protocol.ratesignal import RateSignal
from .._time import Clock
from . import scripts
from .algorithm import Tuning, TuningOptions
from .health import Health, describe
from .local import LocalLimiterBackend, log_cut

__all__ = ["LimiterUnavailableError", "RedisLimiter"]

T = TypeVar("T")
_FAILURES = (RedisError, OSError, TimeoutError)


class LimiterUnavailableError(EnspaceError, RuntimeError):
    """Redis did not answer and the limiter's policy is ``"raise"``; nothing was sent."""

    sent = False


class _Down:
    """The marker :meth:`RedisLimiter._call` returns when Redis is not used."""


_DOWN = _Down()


class RedisLimiter:
    """The token bucket, adaptive rate and retry budget of one API key, kept in Redis.

    ::

        shared = RedisLimiter("redis://redis:6379/0", api_key, max_rate=50, expected_workers=8)
        async with EnspaceClient(
            api_key, rate_limit=RateLimiter(backend=shared), retry_budget=shared
        ) as client:
            ...
        await shared.aclose()

    Args:
        redis: a ``redis.asyncio.Redis`` (left open by :meth:`aclose`) or a URL (the limiter
            opens its own connection pool with short socket timeouts and closes it).
        api_key: the key whose limit is shared; only its SHA-256 is used, never stored.
        max_rate: the ceiling in requests per second for all workers together; ``None``
            adapts from 429s only.
        expected_workers: how many processes share the key; without Redis each one runs at
            ``max_rate / expected_workers`` with that share of the retry budget.
        retry_budget: the capacity of the shared retry budget.
        fallback: ``"local"`` (keep going on a local limiter) or ``"raise"``.
        timeout: seconds each Redis call may take before Redis counts as unavailable.
        probe_interval: seconds before the first probe of an unavailable Redis.
        max_probe_interval: the longest wait between probes.
        namespace: the prefix of the Redis keys.
        ttl: seconds an idle key's state is kept.
        clock: the monotonic clock that schedules probes (tests inject one).
        redis_time: time the shared state with Redis' ``TIME``, the one clock every worker on
            every machine shares. ``False`` times it with the ``now`` each call passes: for
            tests that drive a virtual clock, or workers on one machine's monotonic clock.
        **options: ``min_rate``, ``burst``, ``adaptive``, ``backoff``, ``increase``,
            ``low_water``, ``cooldown``, as for :class:`~enspace_async.LocalLimiterBackend`
            (see :class:`~enspace_async._ratelimit.algorithm.Tuning`).
    """

    def __init__(
        self,
        redis: Redis | str,
        api_key: str,
        *,
        max_rate: float | None = None,
        expected_workers: int = 4,
        retry_budget: int = DEFAULT_BUDGET,
        fallback: Literal["local", "raise"] = "local",
        timeout: float = 0.5,
        probe_interval: float = 0.5,
        max_probe_interval: float = 10.0,
        namespace: str = "enspace",
        ttl: float = 3600.0,
        clock: Clock = time.monotonic,
        redis_time: bool = True,
        **options: Unpack[TuningOptions],
    ):
        _check(api_key, expected_workers, fallback)
        tuning = Tuning.of(max_rate, options)
        self._owns = isinstance(redis, str)
        self.redis = _connect(redis, timeout) if isinstance(redis, str) else redis
        digest = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        # ':limit', not the ':rate' of earlier versions, whose fields these scripts would misread.
        self.keys = (f"{namespace}:{{{digest}}}:limit", f"{namespace}:{{{digest}}}:retry")
        ttl_ms = str(max(1, round(ttl * 1000)))
        self.tuning = tuning
        self._settings = _tuning_args(tuning, ttl_ms)
        self._redis_time = redis_time
        self._capacity, self._ttl_ms = max(1, retry_budget), ttl_ms
        self._reserve = self.redis.register_script(scripts.RESERVE)
        self._feedback = self.redis.register_script(scripts.FEEDBACK)
        self._withdraw = self.redis.register_script(scripts.BUDGET_WITHDRAW)
        self._deposit = self.redis.register_script(scripts.BUDGET_DEPOSIT)
        share = None if max_rate is None else max_rate / expected_workers
        self.local = LocalLimiterBackend(tuning=attrs.evolve(tuning, max_rate=share))
        self.local_budget = LocalRetryBudget(max(1, retry_budget // expected_workers))
        self._fallback = fallback
        self._timeout = timeout
        self._health = Health(probe_interval, max_probe_interval, clock)

    def __repr__(self) -> str:
        state = "degraded: local limiter" if self.degraded else "shared"
        return f"<RedisLimiter {self.keys[0]} {state}>"

    @property
    def degraded(self) -> bool:
        """Whether Redis is unavailable and the local fallback is in use."""
        return self._health.degraded

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the Redis connection pool if the limiter opened it from a URL."""
        if self._owns:
            await self.redis.aclose()

    # LimiterBackend

    async def reserve(self, now: float, max_wait: float = math.inf) -> tuple[float, int]:
        """Take the next send slot unless it is more than ``max_wait`` away; return
        (seconds to wait, epoch). A wait above ``max_wait`` means no slot was taken."""
        args = [*self._settings, self._now(now), repr(max_wait) if max_wait < math.inf else ""]
        result = await self._call(lambda: self._reserve(self.keys[:1], args))
        if isinstance(result, _Down):
            wait, epoch = await self.local.reserve(now, max_wait)
            return wait, -1 - epoch
        return float(result[0]), int(result[1])

    async def epoch(self) -> int:
        """Return the state version (negative while the local fallback is in use)."""
        result = await self._call(lambda: self.redis.hget(self.keys[0], "epoch"))
        if isinstance(result, _Down):
            return -1 - await self.local.epoch()
        return int(result or 0)

    async def feedback(self, now: float, signal: RateSignal) -> None:
        """Report one answer to the shared state (or to the local fallback)."""
        args = [*self._settings, self._now(now), *_signal_args(signal)]
        result = await self._call(lambda: self._feedback(self.keys[:1], args))
        if isinstance(result, _Down):
            await self.local.feedback(now, signal)
            return
        before, after = float(result[0]), float(result[1])
        if after < before:
            log_cut(before, after)

    def _now(self, now: float) -> str:
        """The scripts' ``now``: empty for Redis' ``TIME``."""
        return "" if self._redis_time else repr(float(now))

    # RetryBudget

    async def withdraw(self, amount: int) -> bool:
        """Take ``amount`` tokens from the shared retry budget if there are enough."""
        args = (self._capacity, amount, self._ttl_ms)
        result = await self._call(lambda: self._withdraw(self.keys[1:], args))
        if isinstance(result, _Down):
            return await self.local_budget.withdraw(amount)
        return bool(int(result))

    async def deposit(self, amount: int) -> None:
        """Give tokens back to the shared retry budget, up to its capacity."""
        args = (self._capacity, amount, self._ttl_ms)
        result = await self._call(lambda: self._deposit(self.keys[1:], args))
        if isinstance(result, _Down):
            await self.local_budget.deposit(amount)

    async def current_rate(self) -> float:
        """Return the shared rate in requests per second (``inf``: unlimited so far).

        Raises:
            redis.exceptions.RedisError: Redis is unavailable (no fallback here: this only
                inspects the shared state).
        """
        value = await self.redis.hget(self.keys[0], "rate")
        return float(value) if value is not None else self.tuning.ceiling

    # Availability

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T | _Down:
        """Run one Redis call within the timeout; ``_DOWN`` when Redis is not used."""
        if self._fallback == "raise":
            return await self._strict(make)
        health = self._health
        probing = health.start()
        if probing is None:
            return _DOWN
        try:
            async with asyncio.timeout(self._timeout):
                result = await make()
        except asyncio.CancelledError:
            health.cancelled(probing)
            raise
        except _FAILURES as exc:
            if health.failed(exc, probing, self.local):
                await self._drop_connections()
            return _DOWN
        health.answered(probing)
        return result

    async def _strict(self, make: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self._timeout):
                return await make()
        except _FAILURES as exc:
            raise LimiterUnavailableError(f"Redis limiter unavailable: {describe(exc)}") from exc

    async def _drop_connections(self) -> None:
        """Close the pooled connections: after a restart they are all dead, and using them
        one by one would look like a new outage each time."""
        with contextlib.suppress(*_FAILURES):
            async with asyncio.timeout(self._timeout):
                await self.redis.connection_pool.disconnect()


def _check(api_key: str, workers: int, fallback: str) -> None:
    if not api_key:
        raise ConfigurationError("api_key is required: the shared state is kept per API key")
    if workers < 1:
        raise ConfigurationError(f"expected_workers must be at least 1, got {workers}")
    if fallback not in ("local", "raise"):
        raise ConfigurationError(f"fallback must be 'local' or 'raise', got {fallback!r}")


def _connect(url: str, timeout: float) -> Redis:
    """Open a pool whose calls fail fast (the limiter has a fallback, so never wait long) and
    retry once at once, on a new connection, when a pooled one went stale."""
    return Redis.from_url(
        url,
        socket_timeout=2 * timeout,  # a backstop: the limiter's own timeout fires first
        socket_connect_timeout=2 * timeout,
        retry=Retry(NoBackoff(), 1),
    )


def _tuning_args(tuning: Tuning, ttl_ms: str) -> list[str]:
    """``ARGV[1..9]`` of both rate scripts (see :mod:`enspace_async._ratelimit.scripts`)."""
    numbers = (tuning.backoff, tuning.increase, tuning.low_water, tuning.cooldown)
    return [
        repr(tuning.ceiling),
        repr(float(tuning.floor)),
        str(tuning.burst),
        "1" if tuning.adaptive else "0",
        *(repr(float(x)) for x in numbers),
        ttl_ms,
    ]


def _signal_args(signal: RateSignal) -> list[str]:
    counts = (signal.limit, signal.remaining)
    return [
        "1" if signal.throttled else "0",
        repr(signal.pause),
        *("" if v is None else repr(float(v)) for v in counts),
    ]
