"""RedisLimiter against a real redis-server: shared pacing, 429 feedback, pauses, retry budget,
key hashing, the local fallback when Redis is down or slow, and rejoining when it is back.

The server is the ``redis_url`` fixture of ``tests/conftest.py`` (``ENSPACE_TEST_REDIS_URL``,
or a ``redis-server`` started for the run); tests that stop and restart Redis take a dedicated
``redis_server``. Redis times slots and pauses with its own clock (``TIME``), so the tests read
that clock around each call and check the slot falls inside, instead of allowing for a slow
machine.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
import redis
import redis.asyncio

import enspace_async.redis as public
from benchmarks._redis import DEFAULT_URL, RedisServer
from benchmarks._server import emulator, free_port
from benchmarks.bench_workers import measure
from enspace_async import RateLimiter, RateLimitError, RateSignal
from enspace_async.redis import LimiterUnavailableError, RedisLimiter
from enspace_async.testing import EnspaceEmulator, RateLimit

API_KEY = "en.RedisTestKey0123456789abcdefghijklmn"
EPS = 1e-5  # Redis' clock has microseconds; the scripts store floats with 17 digits


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


Make = Callable[..., RedisLimiter]
Span = tuple[float, float]  # an instant of Redis' clock known to lie between two readings


async def redis_time(limiter: RedisLimiter) -> float:
    """Read Redis' clock, the one its scripts time slots and pauses with."""
    seconds, micros = await limiter.redis.time()
    return float(seconds + micros / 1_000_000)


async def reserved_slot(limiter: RedisLimiter) -> Span:
    """Reserve a slot; return when it is, bracketed: the wait counts from when the script ran."""
    before = await redis_time(limiter)
    wait, _ = await limiter.reserve(0.0)
    return before + wait, await redis_time(limiter) + wait


def apart(first: Span, later: Span) -> Span:
    """The least and the most time between two bracketed instants."""
    return later[0] - first[1] - EPS, later[1] - first[0] + EPS


@pytest_asyncio.fixture
async def make(redis_url: str) -> AsyncIterator[Make]:
    """Build limiters on one fresh namespace (so tests never share state); close them after."""
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    made: list[RedisLimiter] = []

    def build(**options: Any) -> RedisLimiter:
        options.setdefault("namespace", namespace)
        options.setdefault("timeout", 5.0)  # a loaded machine is not a slow Redis
        limiter = RedisLimiter(
            options.pop("url", redis_url), options.pop("key", API_KEY), **options
        )
        made.append(limiter)
        return limiter

    yield build
    for limiter in made:
        await limiter.aclose()


async def test_workers_sharing_a_key_take_consecutive_slots(make: Make) -> None:
    a, b = make(max_rate=1), make(max_rate=1)  # one slot a second; reserve() only tells waits
    slots = [await reserved_slot(limiter) for limiter in (a, b, a, b, a, b)]
    for i, slot in enumerate(slots):
        low, high = apart(slots[0], slot)
        assert low <= i * 1.0 <= high
    other = make(max_rate=1, key="en.AnotherKey0123456789abcdefghijklmn")
    assert (await other.reserve(0.0))[0] == 0.0  # another key has its own bucket


async def test_the_api_key_is_hashed_never_stored(make: Make, redis_url: str) -> None:
    limiter = make(max_rate=5)
    await limiter.reserve(0.0)
    await limiter.feedback(0.0, RateSignal(throttled=True, retry_after=1.0))
    assert await limiter.withdraw(5)
    async with redis.asyncio.Redis.from_url(redis_url) as client:
        keys = [key async for key in client.scan_iter(match=limiter.keys[0].split(":")[0] + ":*")]
        assert sorted(k.decode() for k in keys) == sorted(limiter.keys)
        dumped = [
            str(await client.hgetall(limiter.keys[0])),
            str(await client.get(limiter.keys[1])),
        ]
    for text in [*(k.decode() for k in keys), *dumped, repr(limiter)]:
        assert API_KEY not in text
        assert API_KEY[3:] not in text


async def test_a_429_seen_by_one_worker_slows_every_worker(make: Make) -> None:
    a, b = make(max_rate=10, cooldown=1.0), make(max_rate=10, cooldown=1.0)
    _, epoch = await b.reserve(0.0)
    await a.feedback(0.0, RateSignal(throttled=True))
    assert await b.current_rate() == pytest.approx(9.5)  # backoff 0.95 of the rate
    assert await b.epoch() == epoch + 1  # b's reservation is stale: it reserves anew
    await a.feedback(0.0, RateSignal(throttled=True))  # within the cooldown: no second cut
    assert await b.current_rate() == pytest.approx(9.5)
    for _ in range(4):
        await b.feedback(0.0, RateSignal())
    assert await a.current_rate() == pytest.approx(9.7)  # 4 successes, +0.05 each
    for _ in range(10):
        await b.feedback(0.0, RateSignal())
    assert await a.current_rate() == 10.0  # never above the ceiling


async def test_low_remaining_holds_the_rate(make: Make) -> None:
    a = make(max_rate=10)
    await a.feedback(0.0, RateSignal(throttled=True))
    await a.feedback(0.0, RateSignal(limit=100, remaining=10))  # below 20 % of the limit
    assert await a.current_rate() == pytest.approx(9.5)
    await a.feedback(0.0, RateSignal(limit=100, remaining=50))
    assert await a.current_rate() == pytest.approx(9.55)


@pytest.mark.parametrize(
    ("signal", "pause"),
    [
        (RateSignal(throttled=True, retry_after=2.0), 2.0),
        (RateSignal(throttled=True, limit=10, remaining=0, reset=3.0), 3.0),
    ],
)
async def test_a_pause_holds_every_worker(make: Make, signal: RateSignal, pause: float) -> None:
    a, b = make(max_rate=100, adaptive=False), make(max_rate=100, adaptive=False)
    before = await redis_time(a)
    await a.feedback(0.0, signal)
    paused_until = (before + pause, await redis_time(a) + pause)
    low, high = apart(paused_until, await reserved_slot(b))
    assert low <= 0.0 <= high  # b's next slot is the end of the pause
    assert await b.current_rate() == 100.0  # not adaptive: paused, not cut


async def test_a_first_429_without_history_does_not_invent_a_rate(make: Make) -> None:
    a = make(max_rate=None, min_rate=2.0)
    assert await a.current_rate() == float("inf")
    assert [(await a.reserve(0.0))[0] for _ in range(5)] == [0.0] * 5
    await a.feedback(0.0, RateSignal(throttled=True))
    # No success seen: nothing to measure, so still unlimited (as the local backend: the one
    # rule of _ratelimit/algorithm.py), not the floor the scripts used to drop to.
    assert await a.current_rate() == float("inf")


async def test_a_cold_start_429_estimates_the_rate_over_the_time_elapsed(make: Make) -> None:
    a = make(max_rate=None)
    started = await redis_time(a)
    for _ in range(20):
        await a.feedback(0.0, RateSignal())
    await a.feedback(0.0, RateSignal(throttled=True))
    elapsed = await redis_time(a) - started  # at least the window Redis timed
    rate = await a.current_rate()
    assert rate <= 0.95 * 20 / 0.05 * (1 + EPS)  # at least 0.05 s: a burst is not infinite
    assert rate >= 0.95 * 20 / max(elapsed, 0.05) * (1 - EPS)  # not 20 successes as 20/s


async def test_the_retry_budget_is_shared(make: Make) -> None:
    a, b = make(retry_budget=20), make(retry_budget=20)
    assert await a.withdraw(15)
    assert not await b.withdraw(10)  # only 5 left, and a refused withdrawal takes nothing
    assert await b.withdraw(5)
    await a.deposit(100)
    assert not await b.withdraw(21)  # deposits stop at the capacity
    assert await b.withdraw(20)


def closed_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


async def test_without_redis_a_local_share_keeps_calls_going(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async.redis")
    limiter = make(url=closed_url(), max_rate=40, expected_workers=4, retry_budget=100)
    waits = [(await limiter.reserve(0.0))[0] for _ in range(3)]
    assert waits == pytest.approx([0.0, 0.1, 0.2])  # 40 / 4 workers = 10 per second
    assert limiter.degraded
    _, epoch = await limiter.reserve(0.0)
    assert epoch < 0  # local epochs never match Redis ones
    assert await limiter.epoch() == epoch
    await limiter.feedback(0.0, RateSignal(throttled=True))
    assert limiter.local.rate < 10.0
    assert await limiter.withdraw(25)  # the local share of the budget: 100 / 4
    assert not await limiter.withdraw(1)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # Redis is down; and the local share cut its rate on the 429
    assert "local limiter" in warnings[0].getMessage()
    assert API_KEY not in caplog.text


class SilentServer:
    """A TCP server that accepts connections and never answers: a hung Redis.

    A client that gives up after its timeout may do so before this server has even run its
    accept callback (on a loaded machine), so tests wait for the connections they expect
    instead of counting at once.
    """

    def __init__(self) -> None:
        self.talked: list[bool] = []  # per connection: whether it sent its first command yet
        self.changed = asyncio.Condition()
        self.held: list[asyncio.StreamWriter] = []
        self.url = ""

    @property
    def connections(self) -> int:
        return len(self.talked)

    async def swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.held.append(writer)
        index = len(self.talked)
        self.talked.append(False)
        await self._notify()
        if await reader.read(1):  # the client is connected and sent its first command
            self.talked[index] = True
            await self._notify()
        await reader.read()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def reach(self, count: int, *, talked: bool = False) -> None:
        """Wait until ``count`` connections arrived (the last of them having sent a command)."""
        async with asyncio.timeout(10), self.changed:
            await self.changed.wait_for(
                lambda: self.connections >= count and (not talked or self.talked[count - 1])
            )
        assert self.connections == count


@pytest_asyncio.fixture
async def silent_server() -> AsyncIterator[SilentServer]:
    """A :class:`SilentServer` on a free loopback port."""
    silent = SilentServer()
    server = await asyncio.start_server(silent.swallow, "127.0.0.1", 0)
    silent.url = f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    yield silent
    for writer in silent.held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_slow_redis_is_left_after_the_timeout_and_probed_with_backoff(
    make: Make, silent_server: SilentServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    limiter = make(
        url=silent_server.url,
        max_rate=8,
        timeout=0.05,
        probe_interval=0.5,
        max_probe_interval=1.0,
        clock=clock,
    )
    assert (await limiter.reserve(0.0))[0] == 0.0
    assert limiter.degraded
    await silent_server.reach(1)
    for now in (0.1, 0.4):  # before the first probe: Redis is not asked at all
        clock.now = now
        await limiter.reserve(now)
    assert silent_server.connections == 1
    clock.now = 0.5
    await limiter.reserve(0.5)  # the probe: times out again, the next one comes 1 s later
    await silent_server.reach(2)
    clock.now = 1.4
    await limiter.withdraw(1)
    assert silent_server.connections == 2
    clock.now = 1.5
    await limiter.deposit(1)
    await silent_server.reach(3)
    clock.now = 2.4  # the backoff stops at max_probe_interval
    await limiter.epoch()
    assert silent_server.connections == 3
    clock.now = 2.5
    await limiter.epoch()
    await silent_server.reach(4)
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


async def test_a_cancelled_probe_lets_the_next_call_probe(
    make: Make, silent_server: SilentServer
) -> None:
    clock = FakeClock()
    hung = redis.asyncio.Redis.from_url(silent_server.url)  # no socket timeouts of its own
    limiter = make(url=hung, max_rate=8, timeout=0.05, clock=clock)
    await limiter.reserve(0.0)
    assert limiter.degraded
    limiter._timeout = 30.0  # the next probe hangs until it is cancelled
    clock.now = 10.0
    probe = asyncio.create_task(limiter.reserve(10.0))
    await silent_server.reach(2, talked=True)  # the probe's command is on its way
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    limiter._timeout = 0.05
    await limiter.reserve(10.0)  # probes again instead of waiting for the cancelled probe
    await silent_server.reach(3)
    await hung.aclose()


async def test_the_raise_policy_raises(make: Make) -> None:
    limiter = make(url=closed_url(), max_rate=8, fallback="raise")
    with pytest.raises(LimiterUnavailableError, match="Redis limiter unavailable"):
        await limiter.reserve(0.0)
    with pytest.raises(LimiterUnavailableError):
        await limiter.withdraw(1)


async def test_rejoins_when_redis_is_back(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async.redis")
    clock = FakeClock()
    async with (
        RedisLimiter(redis_server.url, API_KEY, max_rate=1, clock=clock, timeout=5.0) as a,
        RedisLimiter(redis_server.url, API_KEY, max_rate=1, clock=clock, timeout=5.0) as b,
    ):
        assert (await a.reserve(0.0))[0] == 0.0
        redis_server.stop()
        assert (await a.reserve(0.0))[0] == 0.0  # local bucket: 1 / 4 workers, fresh
        assert (await a.reserve(0.0))[0] == pytest.approx(4.0)
        assert a.degraded
        redis_server.start()  # same port, empty state
        clock.now = 0.49
        await a.reserve(0.0)
        assert a.degraded  # not probed yet
        clock.now = 0.5
        first = await reserved_slot(a)
        assert not a.degraded
        low, high = apart(first, await reserved_slot(b))
        assert low <= 1.0 <= high  # shared again: b's slot is one interval after a's
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unavailable" in m for m in messages) == 1
    assert sum("available again" in m for m in messages) == 1


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="api_key"):
        RedisLimiter(DEFAULT_URL, "")
    with pytest.raises(ValueError, match="max_rate"):
        RedisLimiter(DEFAULT_URL, API_KEY, max_rate=0)
    with pytest.raises(ValueError, match="expected_workers"):
        RedisLimiter(DEFAULT_URL, API_KEY, expected_workers=0)
    with pytest.raises(ValueError, match="fallback"):
        RedisLimiter(DEFAULT_URL, API_KEY, fallback="wait")  # type: ignore[arg-type]


async def test_a_429_answered_to_one_client_slows_another_process_limiter(make: Make) -> None:
    async with EnspaceEmulator(rate_limit=RateLimit(per_second=1, burst=1)) as emu:
        emu.seed_type("orders", fields={"title": "inputText"})
        mine, other = make(key=emu.api_key, max_rate=100), make(key=emu.api_key, max_rate=100)
        _, epoch = await other.reserve(0.0)
        async with emu.client(rate_limit=RateLimiter(backend=mine), retry=None) as client:
            await client.items.count("orders")
            with pytest.raises(RateLimitError):  # the bucket of 1 is empty: 429
                await client.items.count("orders")
    assert await other.current_rate() < 100  # cut by the 429 the first client saw
    assert await other.epoch() != epoch  # its queued callers reserve again


async def test_redis_stopped_mid_run_and_started_again(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enspace_async.redis")
    total, workers, rate = 400, 4, 400.0
    done = 0

    def progress(_: object) -> None:
        nonlocal done
        done += 1
        if done == total // 4:
            redis_server.stop()
        elif done == total * 5 // 8:
            redis_server.start()

    async def worker(index: int, emu: EnspaceEmulator) -> tuple[RedisLimiter, int]:
        limiter = RedisLimiter(
            redis_server.url,
            emu.api_key,
            max_rate=rate,
            expected_workers=workers,
            probe_interval=0.02,
            max_probe_interval=0.05,
        )
        rows = ({"title": f"row-{i}"} for i in range(total))
        async with (
            limiter,
            emu.client(rate_limit=RateLimiter(backend=limiter), retry_budget=limiter) as client,
        ):
            result = await client.items.bulk_create(
                "orders",
                rows,
                key="title",
                concurrency=8,
                shard=(index, workers),
                on_progress=progress,
            )
        return limiter, result.created

    async with EnspaceEmulator(rate_limit=RateLimit(per_second=rate)) as emu:
        emu.seed_type("orders", fields={"title": "inputText"})
        results = await asyncio.gather(*(worker(i, emu) for i in range(workers)))
        titles = [row["data"]["title"] for row in emu.items("orders")]
    assert [created for _, created in results] == [total // workers] * workers
    assert sorted(titles) == sorted(f"row-{i}" for i in range(total))  # every row exactly once
    assert emu.applied["items.create"] == total
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unavailable" in m for m in messages) == workers  # one warning per worker
    assert sum("available again" in m for m in messages) == workers
    limiters = [limiter for limiter, _ in results]
    assert not any(limiter.degraded for limiter in limiters)


async def test_four_worker_processes_share_the_rate(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rate = 50.0
    monkeypatch.delenv("PYTHONDEVMODE", raising=False)  # time the processes as in production
    with emulator(rate_limit=rate) as server:
        [shared] = await asyncio.to_thread(measure, server, redis_url, ["redis"], rate, 1.5)
    # Each alone would send at R (benchmarks/bench_workers.py shows that overshoot); together
    # they never send more. A loaded machine can only send less, so the floor here only catches
    # workers that shut each other out; the benchmark reports how close to R they get.
    assert 0.5 <= shared["sent"] <= 1.06, shared
    assert shared["share_429"] < 0.03, shared


def test_the_public_module_exports_documented_names() -> None:
    assert public.__all__ == sorted(public.__all__) == ["LimiterUnavailableError", "RedisLimiter"]
    for name in public.__all__:
        assert inspect.getdoc(getattr(public, name))
    assert "redis" not in {m.split(".")[0] for m in _core_imports()}


def _core_imports() -> set[str]:
    """The modules ``import enspace_async`` loads, in a fresh interpreter."""
    code = "import sys, enspace_async; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())
