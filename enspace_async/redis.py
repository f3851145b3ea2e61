"""Share one API key's rate limit and retry budget between processes and machines, in Redis.

Needs the ``redis`` extra: ``pip install "enspace-async[redis]"``. Every worker builds a
:class:`RedisLimiter` for the same key and hands it to its client::

    from enspace_async import EnspaceClient, RateLimiter
    from enspace_async.redis import RedisLimiter

    shared = RedisLimiter("redis://redis:6379/0", api_key, max_rate=50, expected_workers=8)
    async with EnspaceClient(
        api_key, rate_limit=RateLimiter(backend=shared), retry_budget=shared
    ) as client:
        ...
"""

from __future__ import annotations

try:
    from ._ratelimit.redis import LimiterUnavailableError, RedisLimiter
except ModuleNotFoundError as exc:  # pragma: no cover - the extra is installed in the tests
    if exc.name != "redis" and not (exc.name or "").startswith("redis."):
        raise
    raise ModuleNotFoundError(
        'enspace_async.redis needs redis-py: pip install "enspace-async[redis]"', name=exc.name
    ) from exc

__all__ = ["LimiterUnavailableError", "RedisLimiter"]
