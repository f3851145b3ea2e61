"""Issue 11, point 1 through Redis: one worker's 429 never freezes another worker of the key.

Two clients, each with its own :class:`RedisLimiter` on one real ``redis-server`` (the workers
of one API key), call a hostile ``aiohttp.web`` app on 127.0.0.1. A differential test feeds the
same hostile headers to the in-process backend and to the Redis scripts: the same pause.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from resilience_servers import serving

from enspace_async import (
    EnspaceClient,
    LocalLimiterBackend,
    RateLimiter,
    RateLimitError,
    RateSignal,
    RequestTimeout,
    RetryPolicy,
)
from enspace_async.redis import RedisLimiter

KEY = "en.promiseredisfreeze00000000000000000000"
TOO_MANY = {"statusCode": 429, "error": "Too Many Requests", "message": "slow down"}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private ``redis-server`` on a free loopback port, without persistence."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (apt-get install redis-server)"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:  # wait for the ready line, not for a timer
        if "Ready to accept connections" in line:
            break
    else:
        raise RuntimeError(f"redis-server exited with {process.wait()}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest_asyncio.fixture
async def workers(redis_url: str) -> AsyncIterator[tuple[RedisLimiter, RedisLimiter]]:
    """Two limiters of one key on a fresh namespace: two workers sharing the key's limit."""
    namespace = f"promise-{uuid.uuid4().hex[:12]}"
    a, b = (RedisLimiter(redis_url, KEY, namespace=namespace, min_rate=20.0) for _ in "ab")
    async with a, b:
        yield a, b


class Hostile:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.seen: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        if request.path == "/throttled":
            return web.json_response(TOO_MANY, status=429, headers=self.headers)
        return web.json_response({})


@pytest_asyncio.fixture
async def hostile() -> AsyncIterator[tuple[Hostile, str]]:
    script = Hostile()
    async with serving(script.handle) as url:
        yield script, url


def client(url: str, limiter: RedisLimiter, **options: Any) -> EnspaceClient:
    policy = RetryPolicy(deadline=2.0, jitter=lambda: 0.0)
    return EnspaceClient(
        KEY,
        workspace="w",
        base_url=url,
        rate_limit=RateLimiter(backend=limiter),
        retry_budget=limiter,
        retry=policy,
        timeout=2.0,
        **options,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "3600"},
        {"Retry-After": "inf"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"},
        {"X-RateLimit-Remaining": "0.0", "X-RateLimit-Reset": "1e12"},
    ],
    ids=["3600", "inf", "reset-3600", "reset-epoch"],
)
async def test_one_workers_long_429_leaves_the_other_worker_running(
    hostile: tuple[Hostile, str],
    workers: tuple[RedisLimiter, RedisLimiter],
    headers: dict[str, str],
) -> None:
    script, url = hostile
    script.headers = headers
    a, b = workers
    async with asyncio.timeout(10), client(url, a) as worker_a, client(url, b) as worker_b:
        await asyncio.gather(*(worker_a.request("GET", f"/ok/{i}") for i in range(10)))
        with pytest.raises(RateLimitError):
            await worker_a.request("GET", "/throttled")
        # Each call has a 2 s deadline: held any longer, it would raise, not succeed.
        await asyncio.gather(*(worker_b.request("GET", f"/ok/{i}") for i in range(10)))
        await worker_a.request("GET", "/ok/again")
        assert (await b.reserve(0.0))[0] < 1.0  # the shared state is not paused
    assert script.seen.count("/throttled") == 1  # raised at once, not retried


async def test_a_shared_pause_past_the_deadline_is_refused_at_once(
    hostile: tuple[Hostile, str], workers: tuple[RedisLimiter, RedisLimiter]
) -> None:
    script, url = hostile
    script.headers = {"Retry-After": "30"}  # honoured (under max_retry_after), so shared
    a, b = workers
    async with asyncio.timeout(10), client(url, a) as worker_a, client(url, b) as worker_b:
        with pytest.raises(RateLimitError):
            await worker_a.request("GET", "/throttled")
        with pytest.raises(RequestTimeout, match="rate limiter") as caught:
            await worker_b.request("GET", "/ok")  # paused 30 s by worker A: past its deadline
        assert caught.value.sent is False
        assert "deadline" in str(caught.value)
        assert (await b.reserve(0.0))[0] > 25.0  # the pause is shared by every worker
    assert "/ok" not in script.seen


def hostile_signals() -> list[dict[str, str]]:
    now = time.time()
    return [
        {"retry-after": "3600"},
        {"retry-after": "30"},
        {"retry-after": "inf"},
        {"retry-after": "nan"},
        {"retry-after": "-5"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "3600"},
        {"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "20"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": repr(now + 10)},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": repr(now + 86400)},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1e400"},
        {"retry-after": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5"},
    ]


async def test_the_redis_scripts_pause_exactly_as_the_local_backend(
    workers: tuple[RedisLimiter, RedisLimiter],
) -> None:
    a, _ = workers
    for i, headers in enumerate(hostile_signals()):
        signal = RateSignal.from_response(429, headers, max_wait=60.0)
        local = LocalLimiterBackend(100, adaptive=False)
        namespace = f"diff-{uuid.uuid4().hex[:8]}-{i}"
        shared = RedisLimiter(a.redis, KEY, namespace=namespace, max_rate=100, adaptive=False)
        await local.feedback(0.0, signal)
        await shared.feedback(0.0, signal)
        local_wait = (await local.reserve(0.0))[0]
        shared_wait = (await shared.reserve(0.0))[0]
        assert shared_wait == pytest.approx(local_wait, abs=0.05), headers
        assert local_wait <= 60.0
