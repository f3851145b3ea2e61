"""A per-key token bucket answering 429, with switchable ``Retry-After`` and ``X-RateLimit-*``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import attrs

from .._errors import ConfigurationError

__all__ = ["RateLimit", "EmulatedRateLimiter"]


@attrs.frozen
class RateLimit:
    """The rate limit of every API key: ``per_second`` tokens refill a bucket of ``burst``.

    Attributes:
        per_second: the sustained rate.
        burst: the bucket size (at least 1); defaults to ``per_second`` rounded up.
        retry_after_header: send ``Retry-After`` (whole seconds, rounded up) on a 429.
        ratelimit_headers: send ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` on every
            answer of a rate-limited route.
        clock: a monotonic clock in seconds (injectable for tests).
    """

    per_second: float
    burst: int | None = None
    retry_after_header: bool = True
    ratelimit_headers: bool = True
    clock: Callable[[], float] = time.monotonic

    def __attrs_post_init__(self) -> None:
        if self.per_second <= 0:
            raise ConfigurationError(f"per_second must be positive, got {self.per_second}")
        if self.burst is not None and self.burst < 1:
            raise ConfigurationError(f"burst must be at least 1, got {self.burst}")

    @property
    def capacity(self) -> int:
        """The bucket size."""
        return self.burst if self.burst is not None else max(1, math.ceil(self.per_second))


class EmulatedRateLimiter:
    """The buckets of a :class:`RateLimit`, one per key id."""

    def __init__(self, limit: RateLimit):
        self.limit = limit
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, key_id: int, headers: dict[str, str]) -> float | None:
        """Take one token for ``key_id``; return ``None`` if allowed, else seconds to wait.

        The rate-limit headers are added to ``headers`` as configured.
        """
        limit, capacity = self.limit, self.limit.capacity
        now = limit.clock()
        tokens, last = self._buckets.get(key_id, (float(capacity), now))
        tokens = min(float(capacity), tokens + (now - last) * limit.per_second)
        wait = None
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / limit.per_second
        self._buckets[key_id] = (tokens, now)
        if limit.ratelimit_headers:
            headers["X-RateLimit-Limit"] = str(capacity)
            headers["X-RateLimit-Remaining"] = str(int(tokens))
            headers["X-RateLimit-Reset"] = str(math.ceil((capacity - tokens) / limit.per_second))
        if wait is not None and limit.retry_after_header:
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return wait
