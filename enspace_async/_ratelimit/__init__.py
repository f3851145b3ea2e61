"""The rate limiter: the pace of every attempt, in one process or shared through Redis.

::

    _ratelimit/
    ├── algorithm.py  the rules, once: reserve() and feedback() update a State, given a Tuning
    ├── local.py      RateLimiter, LimiterBackend and the in-process LocalLimiterBackend
    ├── carry.py      a learned rate carried to the next run (RateLimiter(state_file=...))
    ├── slots.py      the in-flight cap's slots
    ├── redis.py      RedisLimiter: the state of one API key in Redis (the redis extra)
    ├── scripts.py    its Lua scripts: algorithm.py again, proved by a differential test
    └── health.py     when RedisLimiter leaves Redis and when it tries again

Only ``redis.py`` imports redis-py; ``import enspace_async`` never loads it.
"""

from .._protocol.ratesignal import RateSignal
from .local import LimiterBackend, LocalLimiterBackend, RateLimiter

__all__ = ["LimiterBackend", "LocalLimiterBackend", "RateLimiter", "RateSignal"]
