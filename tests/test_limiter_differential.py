"""One limiter algorithm, two runtimes: the in-process backend and the Redis scripts agree.

The same seeded sequences of reservations (some refused by their ``max_wait``), successes (with
and without ``X-RateLimit-*``), bare 429s, 429s that pause (``Retry-After``, an exhausted
``Remaining`` with its reset) and 429s whose headers steer without pausing go through a
:class:`LocalLimiterBackend` on an injected clock and through a :class:`RedisLimiter` on a real
``redis-server`` timed by the same clock (``redis_time=False``: the scripts take the caller's
``now`` instead of Redis ``TIME``). After every event the waits and epochs returned and the whole
state (rate, slots, pause, windows, cut and growth bookkeeping) must be equal, bit for bit.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from enspace_async import LocalLimiterBackend, RateSignal
from enspace_async._ratelimit.algorithm import State, Tuning
from enspace_async._ratelimit.scripts import FIELDS
from enspace_async.redis import RedisLimiter

KEY = "en.limiterdifferential0000000000000000000"
EVENTS = 300

TUNINGS = {
    "defaults": Tuning(),
    "ceiling-burst": Tuning(50.0, burst=3, min_rate=2.0),
    "fast-growth": Tuning(400.0, increase=2.0, cooldown=0.3, low_water=0.5),
    "not-adaptive": Tuning(20.0, adaptive=False),
    "floor-above-ceiling": Tuning(5.0, min_rate=8.0, backoff=0.5),
}


def signals(rng: random.Random) -> RateSignal:
    """One answer, drawn: mostly successes, some with headers; 429s of every shape."""
    roll = rng.random()
    limit = rng.choice([10, 100])
    if roll < 0.55:
        return RateSignal()
    if roll < 0.7:
        return RateSignal(limit=limit, remaining=rng.randrange(limit + 1))
    if roll < 0.8:
        return RateSignal(throttled=True)
    if roll < 0.87:
        return RateSignal(throttled=True, retry_after=rng.choice([0.0, 0.2, 1.0, 3.0]))
    if roll < 0.93:
        return RateSignal(True, limit=limit, remaining=0, reset=rng.uniform(0.0, 2.0))
    return RateSignal(True, retry_after=1.0, limit=limit, remaining=rng.randrange(3))


def gap(rng: random.Random, step: int) -> float:
    """Time to the next event: a cold start (the first second, dense), then bursts at one
    instant, steady traffic, pauses and idle spells."""
    if step < 120:
        return rng.expovariate(150.0)
    roll = rng.random()
    if roll < 0.25:
        return 0.0
    if roll < 0.85:
        return rng.expovariate(200.0)
    if roll < 0.97:
        return rng.uniform(0.05, 0.6)
    return rng.uniform(1.0, 3.0)


Event = tuple[float, str, Any]


def sequence(seed: int) -> list[Event]:
    """``(now, "reserve", max_wait)`` and ``(now, "answer", signal)`` events, in time order."""
    rng = random.Random(seed)
    now, events = 1000.0 + rng.random(), []
    for step in range(EVENTS):
        now += gap(rng, step)
        if rng.random() < 0.45:
            events.append((now, "reserve", rng.choice([float("inf"), 0.5, 0.05, 0.0])))
        else:
            events.append((now, "answer", signals(rng)))
    return events


def _state(values: list[str]) -> State:
    """The Redis hash fields, in FIELDS order, as a State."""
    named = dict(zip(FIELDS, values, strict=True))
    counts = ("epoch", "ok_at_cut", "win_ok")
    return State(
        **{
            name: (value == "1")
            if name == "cold"
            else int(value)
            if name in counts
            else float(value)
            for name, value in named.items()
        }
    )


Make = Callable[[Tuning], RedisLimiter]


@pytest_asyncio.fixture
async def make(redis_url: str) -> AsyncIterator[Make]:
    made: list[RedisLimiter] = []

    def build(tuning: Tuning) -> RedisLimiter:
        options: dict[str, Any] = {
            field: getattr(tuning, field)
            for field in ("min_rate", "burst", "adaptive", "backoff", "increase", "low_water")
        }
        limiter = RedisLimiter(
            redis_url,
            KEY,
            max_rate=tuning.max_rate,
            cooldown=tuning.cooldown,
            namespace=f"diff-{uuid.uuid4().hex[:12]}",
            timeout=5.0,
            redis_time=False,
            **options,
        )
        assert limiter.tuning == tuning
        made.append(limiter)
        return limiter

    yield build
    for limiter in made:
        await limiter.aclose()


async def shared_state(limiter: RedisLimiter) -> State:
    """The state the scripts keep in Redis."""
    values = await limiter.redis.hmget(limiter.keys[0], list(FIELDS))
    return _state([value.decode() for value in values])


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(TUNINGS))
async def test_the_scripts_and_the_local_backend_decide_alike(
    make: Make, name: str, seed: int
) -> None:
    tuning = TUNINGS[name]
    local, shared = LocalLimiterBackend(tuning=tuning), make(tuning)
    kinds: set[str] = set()
    for step, (now, kind, arg) in enumerate(sequence(seed)):
        where = f"{name}, seed {seed}, event {step}: {kind} {arg!r} at {now!r}"
        if kind == "reserve":
            assert await shared.reserve(now, arg) == await local.reserve(now, arg), where
        else:
            before = local.rate
            await local.feedback(now, arg)
            await shared.feedback(now, arg)
            kinds.add("cut" if local.rate < before else "grow" if local.rate > before else "hold")
        assert await shared_state(shared) == local.state, where
        assert await shared.current_rate() == local.rate, where
        assert await shared.epoch() == await local.epoch(), where
    # The sequence exercised every way a rate moves (a floor at the ceiling pins it).
    moving = tuning.adaptive and tuning.floor < tuning.ceiling
    assert kinds == ({"cut", "grow", "hold"} if moving else {"hold"})
