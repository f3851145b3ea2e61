"""RedisLimiter against a real redis-server: shared pacing, 429 feedback, pauses, retry budget,
key hashing, the local fallback when Redis is down or slow, and rejoining when it is back.

The server is the one ``ENSPACE_TEST_REDIS_URL`` names (``.ci/run`` starts one); when none
answers there, the module starts ``redis-server`` itself on a free loopback port. Tests that stop
and restart Redis start a dedicated server of their own.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
import redis
import redis.asyncio

import enspace_async.redis as public
from benchmarks._server import emulator
from benchmarks.bench_workers import measure
from enspace_async import RateLimiter, RateLimitError, RateSignal
from enspace_async.redis import LimiterUnavailableError, RedisLimiter
from enspace_async.testing import EnspaceEmulator, RateLimit

API_KEY = "en.RedisTestKey0123456789abcdefghijklmn"
DEFAULT_URL = "redis://127.0.0.1:6390/0"


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """A ``redis-server`` subprocess on loopback, without persistence, that can be restarted."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (apt-get install redis-server)"
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--loglevel", "notice"]
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:  # wait for the ready line, not for a timer
            if "Ready to accept connections" in line:
                return
        raise RuntimeError(f"redis-server exited with {self.process.wait()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            assert self.process.stdout is not None
            self.process.stdout.close()
            self.process = None


def _answers(url: str) -> bool:
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5) as r:
            return bool(r.ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """The URL of a running Redis: ``ENSPACE_TEST_REDIS_URL``, or one started here."""
    url = os.environ.get("ENSPACE_TEST_REDIS_URL", DEFAULT_URL)
    if _answers(url):
        yield url
        return
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A dedicated Redis the test may stop and start again."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


Make = Callable[..., RedisLimiter]


@pytest_asyncio.fixture
async def make(redis_url: str) -> AsyncIterator[Make]:
    """Build limiters on one fresh namespace (so tests never share state); close them after."""
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    made: list[RedisLimiter] = []

    def build(**options: Any) -> RedisLimiter:
        options.setdefault("namespace", namespace)
        limiter = RedisLimiter(
            options.pop("url", redis_url), options.pop("key", API_KEY), **options
        )
        made.append(limiter)
        return limiter

    yield build
    for limiter in made:
        await limiter.aclose()


async def test_workers_sharing_a_key_take_consecutive_slots(make: Make) -> None:
    a, b = make(max_rate=20), make(max_rate=20)
    waits = [(await limiter.reserve(0.0))[0] for limiter in (a, b, a, b, a, b)]
    for i, wait in enumerate(waits):
        assert wait == pytest.approx(i * 0.05, abs=0.03)
    assert waits == sorted(waits)
    other = make(max_rate=20, key="en.AnotherKey0123456789abcdefghijklmn")
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
    await a.feedback(0.0, signal)
    wait, _ = await b.reserve(0.0)
    assert wait == pytest.approx(pause, abs=0.05)
    assert await b.current_rate() == 100.0  # not adaptive: paused, not cut


async def test_unlimited_until_the_first_429(make: Make) -> None:
    a = make(max_rate=None, min_rate=2.0)
    assert await a.current_rate() == float("inf")
    assert [(await a.reserve(0.0))[0] for _ in range(5)] == [0.0] * 5
    await a.feedback(0.0, RateSignal(throttled=True))
    assert await a.current_rate() == pytest.approx(2.0)  # no successes seen: the floor


async def test_a_cold_start_429_estimates_the_rate_over_the_time_elapsed(make: Make) -> None:
    a = make(max_rate=None)
    started = time.monotonic()
    for _ in range(20):
        await a.feedback(0.0, RateSignal())
    await a.feedback(0.0, RateSignal(throttled=True))
    elapsed = time.monotonic() - started  # Redis times the window with its own clock
    rate = await a.current_rate()
    assert rate <= 0.95 * 20 / 0.05 * 1.0001  # at least 0.05 s: a burst is not infinite
    assert rate >= 0.95 * 20 / max(elapsed, 0.05) * 0.99  # not 20 successes as 20/s


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
    assert len(warnings) == 1
    assert "local limiter" in warnings[0].getMessage()
    assert API_KEY not in caplog.text


class SilentServer:
    """A TCP server that accepts connections and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.accepted: asyncio.Queue[None] = asyncio.Queue()  # one per connection that talked
        self.connections = 0
        self.held: list[asyncio.StreamWriter] = []
        self.url = ""

    async def swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.held.append(writer)
        if await reader.read(1):  # the client is connected and sent its first command
            self.accepted.put_nowait(None)
        await reader.read()


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
    assert silent_server.connections == 1
    for now in (0.1, 0.4):  # before the first probe: Redis is not asked at all
        clock.now = now
        await limiter.reserve(now)
    assert silent_server.connections == 1
    clock.now = 0.5
    await limiter.reserve(0.5)  # the probe: times out again, the next one comes 1 s later
    assert silent_server.connections == 2
    clock.now = 1.4
    await limiter.withdraw(1)
    assert silent_server.connections == 2
    clock.now, probes = 1.5, silent_server.connections
    await limiter.deposit(1)
    assert silent_server.connections == probes + 1
    clock.now = 2.4  # the backoff stops at max_probe_interval
    await limiter.epoch()
    assert silent_server.connections == probes + 1
    clock.now = 2.5
    await limiter.epoch()
    assert silent_server.connections == probes + 2
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
    await silent_server.accepted.get()
    await silent_server.accepted.get()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    limiter._timeout = 0.05
    await limiter.reserve(10.0)  # probes again instead of waiting for the cancelled probe
    assert silent_server.connections == 3
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
        RedisLimiter(redis_server.url, API_KEY, max_rate=10, clock=clock) as a,
        RedisLimiter(redis_server.url, API_KEY, max_rate=10, clock=clock) as b,
    ):
        assert (await a.reserve(0.0))[0] == 0.0
        redis_server.stop()
        assert (await a.reserve(0.0))[0] == 0.0  # local bucket: 10 / 4 workers, fresh
        assert (await a.reserve(0.0))[0] == pytest.approx(0.4)
        assert a.degraded
        redis_server.start()  # same port, empty state
        clock.now = 0.49
        await a.reserve(0.0)
        assert a.degraded  # not probed yet
        clock.now = 0.5
        first, _ = await a.reserve(0.0)
        assert not a.degraded
        second, _ = await b.reserve(0.0)
        assert (first, second) == (0.0, pytest.approx(0.1, abs=0.03))  # shared again
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
    # they send at R.
    assert 0.9 <= shared["sent"] <= 1.06, shared
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
